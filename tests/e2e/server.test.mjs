// "Run on server": the notebook's SQL and analysis cells run as a job on the
// worker server (POST /api/jobs, followed by server-sent events) and their
// Arrow results are kept by the page's engine worker, so every cell shows
// exactly what it shows when computed in the browser. A log larger than the
// browser budget (`?budget=MB`) is not loaded into the page: its notebook
// runs on the server; a dropped file over the budget is refused. "Copy link"
// also gets a short link the server keeps in SQLite (`/s/ID`).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOAD_TIMEOUT_MS, cellResult, screenshot, startGlint, textOf } from './harness.mjs';

/** Every cell's state, columns, rows and error, once nothing is queued or running. */
async function allCells(page) {
  await page.waitForFunction(
    () => document.querySelectorAll('.cell-status[data-state="done"]').length > 0
      && !document.querySelector('.cell-status[data-state="running"], .cell-status[data-state="queued"]'),
    null,
    { timeout: LOAD_TIMEOUT_MS, polling: 100 },
  );
  const cells = page.locator('#notebook > .cell');
  const out = [];
  for (let i = 0; i < (await cells.count()); i += 1) {
    const r = await cellResult(cells.nth(i));
    out.push({ state: r.state, columns: r.columns, rows: r.rows, total: r.total, error: r.error });
  }
  return out;
}

describe('Glint run on server', () => {
  let glint;
  let local;

  before(async () => {
    glint = await startGlint();
    const page = await glint.newPage();
    await page.goto(glint.baseUrl);
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    local = await allCells(page);
    assert.ok(local.filter((c) => c.state === 'done' && c.columns.length > 0).length >= 3, JSON.stringify(local));
    await page.context().close();
  });

  after(async () => {
    await glint?.close();
  });

  it('runs the starter notebook on the server with the answers computed in the browser', async () => {
    const page = await glint.newPage();
    const jobs = [];
    page.on('request', (r) => r.url().endsWith('/api/jobs') && r.method() === 'POST' && jobs.push(r.postDataJSON()));
    await page.goto(`${glint.baseUrl}?server=1`);
    assert.equal(await page.isChecked('#run-on-server'), true);
    const cells = await allCells(page);
    await screenshot(page, 'server-notebook');
    assert.deepEqual(cells, local);
    assert.equal(jobs.length, 1, 'one job for the whole notebook');
    assert.equal(jobs[0].source, 'sample');
    // The notice follows the job's progress; the last stage is "done".
    assert.match(await textOf(page, '#notice'), /On the server: done/);
    assert.deepEqual(glint.problems, []);
    await page.context().close();
  });

  it('sends a log over the browser budget to the server instead of loading it', async () => {
    const page = await glint.newPage();
    await page.goto(`${glint.baseUrl}?budget=1`);
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    await page.fill('#url-input', `${glint.baseUrl}api/sample.ndjson`);
    await page.click('#load-url');
    await page.locator('#on-server').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.match(await textOf(page, '#on-server'), /more than this browser's budget of 1\.00 MiB/);
    assert.equal(await page.isChecked('#run-on-server'), true);
    const cells = await allCells(page);
    await screenshot(page, 'server-offload');
    assert.deepEqual(cells, local);
    await page.context().close();
  });

  it('makes a short link the server keeps, which opens the same notebook with the same answers', async () => {
    const page = await glint.newPage();
    await page.goto(glint.baseUrl);
    await allCells(page);
    await page.click('#copy-link');
    await page.locator('#short-link').waitFor();
    const short = await page.locator('#short-link').inputValue();
    assert.match(short, /\/s\/[0-9A-Za-z]{8}$/);
    assert.match(await textOf(page, '#notice'), /Short link copied/);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), short);
    const viewer = await glint.newPage();
    await viewer.goto(short);
    assert.match(viewer.url(), /#nb=/);
    assert.deepEqual(await allCells(viewer), local);
    await viewer.context().close();
    await page.context().close();
  });

  it('refuses a dropped file over the browser budget with the reason', async () => {
    const page = await glint.newPage();
    await page.goto(`${glint.baseUrl}?budget=1`);
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    const line = '{"event":"view","userId":"u1"}\n';
    await page.setInputFiles('#open-log', { name: 'big.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(line.repeat(70_000)) });
    await page.locator('#load-error').waitFor({ timeout: LOAD_TIMEOUT_MS });
    assert.match(await textOf(page, '#load-error'), /big\.ndjson is 2\.\d+ MiB, more than this browser's budget of 1\.00 MiB; loading it here could crash the tab/);
    await page.context().close();
  });
});
