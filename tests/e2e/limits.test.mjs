// Browser limits: a log far over the browser budget is refused before it is
// read, and a query that exhausts the engine worker's memory (a wasm worker
// has at most 4 GiB) fails with an error saying so instead of hanging. The
// page survives both; after an out-of-memory the engine needs a reload, and
// then works again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOAD_TIMEOUT_MS, addSqlCell, cellResult, startGlint, textOf } from './harness.mjs';

/** A cross join of the sample with itself: 85 381² rows, far past 4 GiB. */
const EXHAUSTING = 'SELECT a.*, b.event AS other_event FROM events a, events b';

describe('Glint at the browser limits', () => {
  let glint;

  before(async () => {
    glint = await startGlint();
  });

  after(async () => {
    await glint?.close();
  });

  it('refuses a real 3 GiB file at the default budget, and the tab keeps working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glint-3g-'));
    const path = join(dir, 'huge.ndjson');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 3 * 2 ** 30); // sparse: no disk used
    closeSync(fd);
    try {
      const page = await glint.newPage();
      await page.goto(glint.baseUrl);
      await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
      await page.setInputFiles('#open-log', path);
      await page.locator('#load-error').waitFor({ timeout: LOAD_TIMEOUT_MS });
      assert.match(await textOf(page, '#load-error'), /huge\.ndjson is 3\.00 GiB, more than this browser's budget of 1\.50 GiB; loading it here could crash the tab/);
      // The engine is untouched: a log loads and answers.
      await page.fill('#url-input', `${glint.baseUrl}api/sample.ndjson`);
      await page.click('#load-url');
      await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
      const cell = await addSqlCell(page, 'SELECT count(*) AS n FROM events');
      assert.equal((await cellResult(cell)).error, null);
      assert.deepEqual(glint.problems, []);
      await page.context().close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the engine ran out of memory when a query exhausts it, and works after a reload', async () => {
    const page = await glint.newPage();
    await page.goto(glint.baseUrl);
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    const started = Date.now();
    const cell = await addSqlCell(page, EXHAUSTING).catch(() => null);
    assert.ok(cell, `the query neither finished nor failed within the cell timeout (${(Date.now() - started) / 1000} s)`);
    const shown = await cellResult(cell);
    assert.equal(shown.state, 'failed');
    assert.match(shown.error, /the engine worker stopped: it ran out of memory: it held \d+ MiB and needed \d+ (bytes|KiB|MiB) more, and a browser worker has at most 4 GiB\. Ask for less/);
    assert.match(await textOf(page, '#engine-error'), /ran out of memory.*Reload the page to restart it/);
    // After a reload the engine works, and the notebook (which still holds
    // the exhausting cell) is not run by itself.
    await page.reload();
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    await page.locator('#notice').waitFor();
    assert.match(await textOf(page, '#notice'), /The notebook was not run, because the engine stopped last time \(the engine worker stopped: it ran out of memory/);
    const again = await addSqlCell(page, 'SELECT count(*) AS n FROM events');
    assert.equal((await cellResult(again)).error, null);
    // The next reload runs the notebook as usual.
    await page.locator('#notebook > .cell').last().locator('button[title="Delete cell"]').click();
    const exhausting = page.locator('#notebook > .cell').last();
    await exhausting.locator('button[title="Delete cell"]').click();
    await page.reload();
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => document.querySelectorAll('.cell-status[data-state="done"]').length > 0, null, { timeout: LOAD_TIMEOUT_MS });
    await page.context().close();
  });
});
