// Partition workers: the page's engine worker coordinates N partition workers
// (`?workers=N`). A generated log (~36 MB, so 3 workers each get ≥ 4 MiB) is
// loaded by URL (each worker fetches its own HTTP Range), by URL from a
// server without Range support (split while it downloads), dropped as a file
// (each worker reads its own Blob.slice) and dropped gzipped (read once,
// split); every way must give the native engine's answers to the benchmark
// queries. Also: a load can be cancelled, and a partition worker that dies
// is restarted and its query answered.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS, LOAD_TIMEOUT_MS, addSqlCell, cellResult, displayed, requiredEnv, screenshot, startServer, stopServer, textOf,
} from './harness.mjs';

const run = promisify(execFile);
const WORKERS = 3;
const QUERIES = JSON.parse(await readFile(new URL('../bench/queries.json', import.meta.url), 'utf8')).queries;

describe('Glint partition workers', () => {
  let server;
  let browser;
  let base;
  let dir;
  let log;
  let logSize;
  const problems = [];
  const bin = requiredEnv('GLINT_SERVER_BIN');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glint-partitions-'));
    const dist = requiredEnv('GLINT_DIST');
    for (const name of await readdir(dist)) await symlink(join(dist, name), join(dir, name));
    log = join(dir, 'log.ndjson');
    await run(bin, ['sample', '--out', log, '--users', '4000']);
    const bytes = await readFile(log);
    logSize = bytes.length;
    await writeFile(join(dir, 'log.ndjson.gz'), gzipSync(bytes));
    server = startServer(bin, dir);
    base = await server.url;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) await stopServer(server.child);
  });

  async function newPage() {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error: ${msg.text()}`));
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${base}?workers=${WORKERS}`);
    await page.locator('#row-count').waitFor({ timeout: LOAD_TIMEOUT_MS });
    return page;
  }

  async function native(sql) {
    const { stdout } = await run(bin, ['query', log, '--sql', sql, '--format', 'json'], { maxBuffer: 1 << 26 });
    const rows = JSON.parse(stdout);
    const columns = Object.keys(rows[0] ?? {});
    return { columns, rows: rows.map((row) => columns.map((c) => displayed(row[c]))) };
  }

  /** Numbers as the page shows them (6 significant digits for fractions). */
  const shown6 = (rows) => rows.map((row) => row.map((v) => (/^-?\d+\.\d+(e-?\d+)?$/.test(v) ? String(Number(Number(v).toPrecision(6))) : v)));

  /** Waits for the dataset loaded from `source`, then checks rows and the benchmark queries. */
  async function checkLoaded(page, source) {
    await page.waitForFunction((src) => document.querySelector('#dataset code.source')?.textContent === src
      && document.querySelector('#row-count'), source, { timeout: LOAD_TIMEOUT_MS });
    assert.equal(await textOf(page, '#partitions'), String(WORKERS), 'partition workers used');
    const [[rows]] = (await native('SELECT count(*) AS n FROM events')).rows;
    assert.equal(await textOf(page, '#row-count'), rows, `rows of ${source}`);
    for (const q of QUERIES) {
      const cell = await addSqlCell(page, q.glint);
      const shown = await cellResult(cell);
      assert.equal(shown.error, null, `${q.name} failed in the page: ${shown.error}`);
      const expected = await native(q.glint);
      assert.deepEqual(shown.columns, expected.columns, `${q.name} columns`);
      assert.deepEqual(shown6(shown.rows), shown6(expected.rows.slice(0, shown.rows.length)), `${q.name} rows (${source})`);
      assert.equal(shown.total, expected.rows.length, `${q.name} row count`);
    }
  }

  it('loads a URL with a Range request per worker and answers like the native engine', async () => {
    const page = await newPage();
    try {
      await page.fill('#url-input', `${base}log.ndjson`);
      await page.click('#load-url');
      await checkLoaded(page, `${base}log.ndjson`);
      assert.deepEqual(problems, []);
    } finally {
      await screenshot(page, 'partitions-url');
    }
  });

  it('splits a download from a server without Range support while it arrives', async () => {
    // A plain file server that ignores Range (answers 200 with the whole body), on another port.
    const plain = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': String(logSize), 'access-control-allow-origin': '*' });
      createReadStream(log).pipe(res);
    });
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${plain.address().port}/log.ndjson`;
    try {
      const page = await newPage();
      await page.fill('#url-input', url);
      await page.click('#load-url');
      await checkLoaded(page, url);
      assert.deepEqual(problems, []);
    } finally {
      plain.close();
    }
  });

  it('reads a dropped file in slices, and a gzipped one split after reading', async () => {
    const page = await newPage();
    await page.setInputFiles('#open-log', log);
    await checkLoaded(page, 'log.ndjson');
    await page.setInputFiles('#open-log', join(dir, 'log.ndjson.gz'));
    await page.waitForFunction(() => document.querySelector('#dataset code.source')?.textContent === 'log.ndjson.gz'
      && document.querySelector('#row-count'), null, { timeout: LOAD_TIMEOUT_MS });
    const [[rows]] = (await native('SELECT count(*) AS n FROM events')).rows;
    assert.equal(await textOf(page, '#row-count'), rows, 'rows of the gzipped log');
    assert.deepEqual(problems, []);
  });

  it('cancels a load', async () => {
    const page = await newPage();
    await page.fill('#url-input', `${base}log.ndjson`);
    await page.click('#load-url');
    await page.click('#cancel-load', { timeout: 10_000 });
    await page.locator('#load-error').waitFor({ timeout: 30_000 });
    assert.match(await textOf(page, '#load-error'), /cancelled/);
    // The engine still works: load again.
    await page.click('#load-url');
    await page.waitForFunction(() => document.querySelector('#row-count'), null, { timeout: LOAD_TIMEOUT_MS });
  });

  it('restarts a partition worker that died and answers the query', async () => {
    const page = await newPage();
    await page.fill('#url-input', `${base}log.ndjson`);
    await page.click('#load-url');
    await page.waitForFunction((src) => document.querySelector('#dataset code.source')?.textContent === src
      && document.querySelector('#row-count'), `${base}log.ndjson`, { timeout: LOAD_TIMEOUT_MS });
    // Partition workers run from blob: URLs; make one throw on its next message.
    const partitions = page.workers().filter((w) => w.url().startsWith('blob:'));
    assert.ok(partitions.length >= WORKERS, `partition workers visible to the test: ${partitions.length}`);
    await partitions[partitions.length - 1].evaluate(() => {
      self.onmessage = () => { throw new Error('simulated crash'); };
    });
    const q = QUERIES[0];
    const cell = await addSqlCell(page, q.glint);
    const shown = await cellResult(cell);
    assert.equal(shown.error, null, `the query failed after a worker died: ${shown.error}`);
    assert.deepEqual(shown.rows, (await native(q.glint)).rows);
  });
});
