import { startGlint, waitForNotebook, cellResult, textOf } from './harness.mjs';
const glint = await startGlint();
const page = await glint.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 300)));
page.on('worker', (w) => console.log('worker', w.url().slice(0, 80)));
await page.goto(glint.baseUrl);
await waitForNotebook(page);
await page.locator('#row-count').waitFor({ timeout: 120000 });
const before = await page.locator('#notebook > .cell').count();
await page.click('#add-sql');
const cell = page.locator('#notebook > .cell').nth(before);
await cell.locator('textarea.editor').fill(process.env.SQL);
const t0 = Date.now();
await cell.locator('textarea.editor').press('Shift+Enter');
try {
  await cell.locator('.cell-status[data-state="done"], .cell-status[data-state="failed"]').waitFor({ timeout: 240000 });
} catch (e) { console.log('TIMEOUT', e.message.slice(0, 100)); }
console.log('after', (Date.now() - t0) / 1000, 's', JSON.stringify(await cellResult(cell)).slice(0, 600));
console.log('notice', await textOf(page, '#notice').catch(() => ''));
console.log('problems', glint.problems.slice(0, 5));
await glint.close();
