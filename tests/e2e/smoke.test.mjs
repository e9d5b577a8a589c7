// Smoke test: the real server serves the built app; headless Chromium loads
// the built-in sample through the engine worker, and the page's numbers must
// equal the native engine's answers (the server binary's `query` command).
//
// Run with `cargo xtask test` (or GLINT_SERVER_BIN=… GLINT_DIST=… node --test tests/e2e/).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addSqlCell, cellResult, nativeQuery, nativeRows, screenshot, startGlint, textOf, waitForNotebook } from './harness.mjs';

describe('Glint smoke', () => {
  let glint;
  let page;

  before(async () => {
    glint = await startGlint();
    page = await glint.newPage();
  });

  after(async () => {
    await glint?.close();
  });

  it('loads the sample and answers SQL like the native engine', async () => {
    try {
      const [{ n: expectedRows }] = await nativeQuery(glint.serverBin, 'SELECT count(*) AS n FROM events');
      assert.ok(Number.isInteger(expectedRows) && expectedRows > 0, `native row count: ${expectedRows}`);

      await page.goto(glint.baseUrl);
      await waitForNotebook(page);
      assert.equal(await textOf(page, '#row-count'), String(expectedRows), 'rows in the page vs the native engine');
      const malformed = Number(await textOf(page, '#malformed-count'));
      assert.ok(malformed > 0, `the sample plants malformed lines, the page shows ${malformed}`);
      assert.match(await textOf(page, '#conflict-count'), /^\d+$/);
      assert.ok((await page.locator('#schema tbody tr').count()) > 0, 'the schema table lists columns');

      const sql = 'SELECT count(DISTINCT event) AS k, count(DISTINCT user_id) AS users FROM events';
      const cell = await addSqlCell(page, sql);
      const shown = await cellResult(cell);
      assert.equal(shown.error, null, `the query failed in the page: ${shown.error}`);
      const native = await nativeRows(glint.serverBin, sql);
      assert.deepEqual(shown.columns, native.columns, 'result columns');
      assert.deepEqual(shown.rows, native.rows, 'result rows in the page vs the native engine');
      assert.equal(shown.total, native.rows.length);

      assert.deepEqual(glint.problems, [], 'console errors or page errors');
    } finally {
      if (page) await screenshot(page, 'smoke');
    }
  });
});
