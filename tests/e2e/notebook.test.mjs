// The notebook end to end, in headless Chromium against the real server:
// the starter notebook runs on the sample, charts draw (non-blank plot
// area), parameters re-run their dependants, SQL errors come with hints,
// results page through a large result, a share link opened in a fresh
// browser context recomputes the same results, the notebook survives a
// reload and round-trips through Save/Open, and a dropped .gz log loads.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  addSqlCell, cellResult, nativeRows, screenshot, startGlint, textOf, waitForCell, waitForNotebook,
} from './harness.mjs';

/** Share of non-white pixels in the middle of a chart canvas (the plot area). */
async function inkShare(canvas) {
  return canvas.evaluate((c) => {
    const ctx = c.getContext('2d');
    const x0 = Math.floor(c.width * 0.15);
    const y0 = Math.floor(c.height * 0.1);
    const w = Math.floor(c.width * 0.75);
    const h = Math.floor(c.height * 0.7);
    const data = ctx.getImageData(x0, y0, w, h).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) ink += 1;
    }
    return ink / (w * h);
  });
}

/** Named cells' results, by name. */
async function namedResults(page) {
  const names = await page.$$eval('#notebook > .cell[data-name]', (cells) => cells.map((c) => c.dataset.name));
  const out = {};
  for (const name of names) {
    out[name] = await cellResult(page.locator(`#notebook > .cell[data-name="${name}"]`));
  }
  return out;
}

describe('Glint notebook', () => {
  let glint;
  let page;

  before(async () => {
    glint = await startGlint();
    page = await glint.newPage();
    await page.goto(glint.baseUrl);
    await waitForNotebook(page);
  });

  after(async () => {
    await glint?.close();
  });

  it('runs the starter notebook on the sample like the native engine', async () => {
    const byEvent = page.locator('#notebook > .cell[data-name="by_event"]');
    const shown = await cellResult(byEvent);
    assert.equal(shown.state, 'done', `by_event: ${shown.error}`);
    const sql = await byEvent.locator('textarea.editor').inputValue();
    const native = await nativeRows(glint.serverBin, sql);
    assert.deepEqual(shown.columns, native.columns);
    assert.deepEqual(shown.rows, native.rows);
    const states = await page.$$eval('#notebook > .cell .cell-status', (s) => s.map((x) => x.dataset.state));
    assert.ok(!states.includes('failed'), `no starter cell fails: ${states}`);
    await screenshot(page, 'notebook');
  });

  it('reads out the sample experiment: the planted cart effect, no SRM', async () => {
    const ab = page.locator('#notebook > .cell[data-name="rec_test"]');
    const shown = await cellResult(ab);
    assert.equal(shown.state, 'done', `rec_test: ${shown.error}`);
    const col = (name) => shown.columns.indexOf(name);
    for (const name of ['metric', 'arm', 'units', 'value', 'rel_lift', 'rel_ci_low', 'rel_ci_high', 'p_value', 'chance_to_beat', 'significant']) {
      assert.ok(col(name) >= 0, `column ${name} in ${shown.columns}`);
    }
    const cart = shown.rows.find((r) => r[col('metric')] === 'added_to_cart' && r[col('arm')] === 'treatment');
    assert.ok(cart, 'a treatment row for added_to_cart');
    assert.ok(Number(cart[col('rel_lift')]) > 0, `planted positive lift, got ${cart[col('rel_lift')]}`);
    assert.equal(cart[col('significant')], 'true', `the planted effect is detected (p = ${cart[col('p_value')]})`);
    assert.equal(await ab.locator('.cell-alert').count(), 0, 'no sample ratio mismatch on the sample');
    const lifts = ab.locator('canvas.lifts');
    assert.ok(await lifts.isVisible(), 'the lift chart is shown');
    assert.ok((await inkShare(lifts)) > 0.002, 'the lift chart is drawn');
    await ab.screenshot({ path: new URL('../artifacts/ab.png', import.meta.url).pathname });
  });

  it('lists the experiments and analyzes one in a new ab cell', async () => {
    const experiment = page.locator('#experiments .experiment[data-experiment="rec_model_v2"]');
    await experiment.waitFor({ timeout: 30_000 });
    assert.match(await experiment.textContent(), /control [\d,]+ · treatment [\d,]+/);
    const before = await page.locator('#notebook > .cell').count();
    await experiment.locator('button.analyze').click();
    const cell = page.locator('#notebook > .cell').nth(before);
    await waitForCell(cell);
    const shown = await cellResult(cell);
    assert.equal(shown.state, 'done', `the new ab cell: ${shown.error}`);
    assert.equal(await cell.getAttribute('data-kind'), 'ab');
    assert.ok(shown.rows.length >= 2, 'a control and a treatment row per metric');
    await cell.locator('button[title="Delete cell"]').click();
  });

  it('shows pinned trend, funnel and retention tiles on the dashboard', async () => {
    await page.click('#toggle-dashboard');
    const tiles = page.locator('#notebook.dashboard > .cell');
    await tiles.first().waitFor();
    const kinds = await tiles.evaluateAll((cells) => cells.map((c) => `${c.dataset.kind}:${c.dataset.name}`));
    assert.deepEqual(kinds, ['trend:daily_kpis', 'funnel:checkout_funnel', 'retention:buyer_retention']);
    await page.click('#refresh-dashboard');
    await waitForNotebook(page);
    for (const name of ['daily_kpis', 'checkout_funnel', 'buyer_retention']) {
      const shown = await cellResult(page.locator(`#notebook > .cell[data-name="${name}"]`));
      assert.equal(shown.state, 'done', `${name}: ${shown.error}`);
      assert.ok(shown.rows.length > 0, `${name} has rows`);
    }
    const funnel = await cellResult(page.locator('#notebook > .cell[data-name="checkout_funnel"]'));
    assert.deepEqual(funnel.columns.slice(0, 4), ['segment', 'step', 'step_name', 'users']);
    const users = funnel.rows.filter((r) => r[0] === 'treatment').map((r) => Number(r[3]));
    assert.equal(users.length, 4, 'four steps for the treatment arm');
    assert.ok(users.every((u, i) => i === 0 || u <= users[i - 1]), `users never grow along the funnel: ${users}`);
    for (const name of ['daily_kpis', 'checkout_funnel']) {
      const canvas = page.locator(`#notebook > .cell[data-name="${name}"] canvas.kpi`);
      assert.ok(await canvas.isVisible(), `${name} draws a chart`);
      assert.ok((await inkShare(canvas)) > 0.004, `${name}'s chart is not blank`);
    }
    await screenshot(page, 'dashboard');
    await page.click('#toggle-dashboard');
    await page.locator('#notebook:not(.dashboard)').waitFor();
  });

  it('draws charts with a non-blank plot area', async () => {
    const canvases = page.locator('#notebook .cell[data-kind="chart"] canvas.chart[data-drawn="true"]');
    assert.ok((await canvases.count()) >= 2, 'the starter has two charts, drawn');
    for (let i = 0; i < (await canvases.count()); i += 1) {
      const share = await inkShare(canvases.nth(i));
      assert.ok(share > 0.004, `chart ${i}: only ${(share * 100).toFixed(2)}% of the plot area is drawn`);
    }
    const chartCell = page.locator('#notebook > .cell[data-kind="chart"]').first();
    await chartCell.screenshot({ path: new URL('../artifacts/chart.png', import.meta.url).pathname });
  });

  it('re-runs dependants when a parameter changes', async () => {
    const conversion = page.locator('#notebook > .cell[data-name="conversion"]');
    const before = await cellResult(conversion);
    assert.equal(before.rows.length, 2, 'two variants of rec_model_v2');
    const input = page.locator('input.param-input[data-param="experiment"]');
    await input.fill('no_such_experiment');
    await input.press('Enter');
    await input.blur();
    await page.waitForFunction(
      () => document.querySelector('.cell[data-name="conversion"] table.result')?.dataset.total === '0',
      null,
      { timeout: 30_000, polling: 100 },
    );
    await input.fill('rec_model_v2');
    await input.press('Enter');
    await input.blur();
    await page.waitForFunction(
      () => document.querySelector('.cell[data-name="conversion"] table.result')?.dataset.total === '2',
      null,
      { timeout: 30_000, polling: 100 },
    );
    assert.deepEqual((await cellResult(conversion)).rows, before.rows);
  });

  it('explains SQL errors with a hint', async () => {
    const cell = await addSqlCell(page, 'SELECT evnt FROM events');
    const shown = await cellResult(cell);
    assert.equal(shown.state, 'failed');
    assert.match(shown.error, /No field named evnt/);
    assert.match(shown.error, /Hint: unknown column `evnt`; did you mean `event`/);
    const typed = await addSqlCell(page, 'SELECT count(*) FROM events WHERE event > $nope');
    assert.match((await cellResult(typed)).error, /`\$nope` is not defined/);
  });

  it('pages through a large result', async () => {
    const cell = await addSqlCell(page, 'SELECT _line, event FROM events ORDER BY _line');
    const first = await cellResult(cell);
    const total = Number(await textOf(page, '#row-count'));
    assert.equal(first.total, total);
    assert.equal(first.rows.length, 100);
    await cell.locator('button.page-next').click();
    await page.waitForFunction((el) => el.querySelector('table.result')?.dataset.offset === '100', await cell.elementHandle());
    const second = await cellResult(cell);
    assert.equal(second.rows.length, 100);
    assert.notDeepEqual(second.rows[0], first.rows[0]);
    assert.equal(Number(second.rows[0][0]) > Number(first.rows[99][0]), true, 'the next page follows the first');
  });

  it('downloads a result as CSV equal to the native engine', async () => {
    const cell = page.locator('#notebook > .cell[data-name="by_event"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      cell.getByRole('button', { name: 'CSV ↓' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'by_event.csv');
    const text = await readFile(await download.path(), 'utf8');
    const lines = text.trim().split('\n');
    assert.equal(lines[0], 'event,events,users');
    const sql = await cell.locator('textarea.editor').inputValue();
    const native = await nativeRows(glint.serverBin, sql);
    assert.equal(lines.length - 1, native.rows.length);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')), native.rows);
  });

  it('downloads a result as Parquet', async () => {
    const cell = page.locator('#notebook > .cell[data-name="by_event"]');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      cell.getByRole('button', { name: 'Parquet ↓' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'by_event.parquet');
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1', 'Parquet magic at the start');
    assert.equal(bytes.subarray(bytes.length - 4).toString(), 'PAR1', 'Parquet magic at the end');
    const text = bytes.toString('latin1');
    for (const column of ['event', 'events', 'users']) {
      assert.ok(text.includes(column), `the footer names column ${column}`);
    }
    assert.ok(text.includes('Product Viewed'), 'the data is in the file');
  });

  it('saves the notebook and opens it back byte for byte', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-notebook')]);
    const saved = await readFile(await download.path(), 'utf8');
    assert.match(saved, /```sql name=by_event\n/);
    assert.match(saved, /SELECT evnt FROM events/, 'cells added in this session are saved');
    const dir = await mkdtemp(join(tmpdir(), 'glint-e2e-'));
    const path = join(dir, 'copy.md');
    await writeFile(path, saved);
    await page.setInputFiles('#open-notebook', path);
    await page.locator('#notice').filter({ hasText: 'Opened copy.md' }).waitFor();
    await waitForNotebook(page);
    const [again] = await Promise.all([page.waitForEvent('download'), page.click('#save-notebook')]);
    assert.equal(await readFile(await again.path(), 'utf8'), saved, 'open → save round-trips');
  });

  it('keeps the notebook across a reload', async () => {
    const cell = await addSqlCell(page, "SELECT 'kept across reloads' AS note");
    assert.equal((await cellResult(cell)).rows[0][0], 'kept across reloads');
    await page.reload();
    await waitForNotebook(page);
    const texts = await page.$$eval('#notebook textarea.editor', (t) => t.map((x) => x.value));
    assert.ok(texts.includes("SELECT 'kept across reloads' AS note"));
  });

  it('shares a link that recomputes the same results in a fresh browser', async () => {
    await page.click('#copy-link');
    const link = await page.locator('#share-link').inputValue();
    assert.match(link, /#nb=[A-Za-z0-9_-]+&src=sample/);
    const mine = await namedResults(page);
    const viewer = await glint.newPage();
    await viewer.goto(link);
    await waitForNotebook(viewer);
    const theirs = await namedResults(viewer);
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(mine).sort());
    for (const name of Object.keys(mine)) {
      assert.deepEqual(theirs[name].rows, mine[name].rows, `cell ${name}`);
    }
    await screenshot(viewer, 'shared');
    await viewer.context().close();
  });

  it('takes parameter values from the link', async () => {
    await page.click('#copy-link');
    const link = await page.locator('#share-link').inputValue();
    const viewer = await glint.newPage();
    await viewer.goto(`${link}&p.experiment=no_such_experiment`);
    await waitForNotebook(viewer);
    assert.equal(await viewer.locator('input.param-input[data-param="experiment"]').inputValue(), 'no_such_experiment');
    assert.equal((await cellResult(viewer.locator('#notebook > .cell[data-name="conversion"]'))).total, 0);
    await viewer.context().close();
    const damaged = await glint.newPage();
    await damaged.goto(`${link.split('#')[0]}#nb=not-a-notebook`);
    await damaged.locator('#notice.error').waitFor();
    assert.match(await textOf(damaged, '#notice'), /share link cannot be read/);
    await waitForNotebook(damaged);
    await damaged.context().close();
  });

  it('loads a dropped gzip log and reports its malformed lines', async () => {
    const lines = [
      '{"event":"a","userId":"u1","timestamp":"2026-01-01T00:00:00Z"}',
      'not json',
      '{"event":"b","userId":"u2","timestamp":"2026-01-01T01:00:00Z"}',
      '{"event":"b","userId":3,"timestamp":"2026-01-01T02:00:00Z"}',
    ];
    const dir = await mkdtemp(join(tmpdir(), 'glint-e2e-'));
    const path = join(dir, 'tiny.ndjson.gz');
    await writeFile(path, gzipSync(lines.join('\n') + '\n'));
    await page.setInputFiles('#open-log', path);
    await page.waitForFunction(() => document.querySelector('#row-count')?.textContent.trim() === '3', null, { timeout: 30_000 });
    assert.equal(await textOf(page, '#malformed-count'), '1');
    assert.equal(await textOf(page, '#conflict-count'), '1');
    await waitForNotebook(page);
    const byEvent = await cellResult(page.locator('#notebook > .cell[data-name="by_event"]'));
    assert.deepEqual(byEvent.rows, [['b', '2', '1'], ['a', '1', '1']]);
    assert.deepEqual(glint.problems, [], 'console errors or page errors');
  });
});
