// Smoke test: the real server serves the built app; headless Chromium loads
// the built-in sample through the engine worker, and the page's numbers must
// equal the native engine's answers (the server binary's `query` command).
//
// Environment:
//   GLINT_SERVER_BIN  the worker-server binary (required)
//   GLINT_DIST        the Trunk dist directory to serve (required)
//   CHROMIUM          the browser (default /usr/bin/chromium)
//
// Run: cd tests/e2e && npm install && node --test smoke.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileAsync = promisify(execFile);

const SERVER_START_TIMEOUT_MS = 60_000;
const LOAD_TIMEOUT_MS = 120_000;
const QUERY_TIMEOUT_MS = 60_000;
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: point it at the ${name === 'GLINT_DIST' ? 'Trunk dist directory' : 'worker-server binary'}`);
  }
  return resolve(value);
}

/** Starts `serve` on a free port; resolves with its base URL once it prints it. */
function startServer(bin, dist) {
  const child = spawn(bin, ['serve', '--dist', dist, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const url = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the server did not print "Glint is running at http://..." within ${SERVER_START_TIMEOUT_MS / 1000} s; its output:\n${output}`));
    }, SERVER_START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      output += `${line}\n`;
      const match = /Glint is running at (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1].endsWith('/') ? match[1] : `${match[1]}/`);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the server ${bin}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (code ${code}, signal ${signal}); its output:\n${output}`));
    });
  });
  return { child, url };
}

async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The native engine's answer: `query --sample --format json` prints an array of row objects. */
async function nativeQuery(bin, sql) {
  let stdout;
  try {
    ({ stdout } = await execFileAsync(bin, ['query', '--sample', '--sql', sql, '--format', 'json'], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    throw new Error(`native query failed for ${JSON.stringify(sql)}: ${err.message}\n${err.stderr ?? ''}`);
  }
  try {
    const rows = JSON.parse(stdout);
    assert.ok(Array.isArray(rows), 'expected a JSON array');
    return rows;
  } catch (err) {
    throw new Error(`native query printed something other than a JSON array of rows (${err.message}):\n${stdout.slice(0, 2000)}`);
  }
}

/** How the page shows a JSON value in a result cell. */
function displayed(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Waits until one of the selectors is attached; returns the first that is. */
async function waitForAny(page, selectors, timeout) {
  const handle = await page.waitForFunction(
    (list) => list.find((s) => document.querySelector(s)) ?? false,
    selectors,
    { timeout, polling: 100 },
  );
  return handle.jsonValue();
}

async function textOf(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}

describe('Glint smoke', () => {
  const problems = [];
  let serverBin;
  let server;
  let baseUrl;
  let browser;
  let page;

  before(async () => {
    serverBin = requiredEnv('GLINT_SERVER_BIN');
    const dist = requiredEnv('GLINT_DIST');
    server = startServer(serverBin, dist);
    baseUrl = await server.url;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const where = msg.worker() ? ` (worker ${msg.worker().url()})` : '';
        problems.push(`console error${where}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
    page.on('crash', () => problems.push('the page crashed'));
  });

  after(async () => {
    await browser?.close();
    await stopServer(server?.child);
  });

  it('loads the sample and answers SQL like the native engine', async () => {
    try {
      const [{ n: expectedRows }] = await nativeQuery(serverBin, 'SELECT count(*) AS n FROM events');
      assert.ok(Number.isInteger(expectedRows) && expectedRows > 0, `native row count: ${expectedRows}`);

      await page.goto(baseUrl);
      const outcome = await waitForAny(page, ['#row-count', '#load-error', '#engine-error', '#panic'], LOAD_TIMEOUT_MS);
      assert.equal(outcome, '#row-count', `the sample did not load: ${await textOf(page, outcome)}`);

      assert.equal(await textOf(page, '#row-count'), String(expectedRows), 'rows in the page vs the native engine');
      const malformed = Number(await textOf(page, '#malformed-count'));
      assert.ok(malformed > 0, `the sample plants malformed lines, the page shows ${malformed}`);
      assert.match(await textOf(page, '#conflict-count'), /^\d+$/);
      assert.ok((await page.locator('#schema tbody tr').count()) > 0, 'the schema table lists columns');

      const sql = 'SELECT count(DISTINCT event) AS k FROM events';
      await page.fill('#sql', sql);
      await page.click('#run');
      await page.waitForFunction(
        (expected) => document.querySelector('#error') || document.querySelector('#result')?.dataset.sql === expected,
        sql,
        { timeout: QUERY_TIMEOUT_MS, polling: 100 },
      );
      if (await page.$('#error')) {
        assert.fail(`the query failed in the page: ${await textOf(page, '#error')}`);
      }

      const shown = await page.$eval('#result', (table) => ({
        columns: [...table.querySelectorAll('thead th .col-name')].map((th) => th.textContent.trim()),
        rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
      }));
      const native = await nativeQuery(serverBin, sql);
      const columns = Object.keys(native[0] ?? {});
      assert.deepEqual(shown.columns, columns, 'result columns');
      assert.deepEqual(
        shown.rows,
        native.map((row) => columns.map((c) => displayed(row[c]))),
        'result rows in the page vs the native engine',
      );
      assert.equal(await textOf(page, '#result-rows'), String(native.length));

      assert.deepEqual(problems, [], 'console errors or page errors');
    } finally {
      if (page) {
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}smoke.png`, fullPage: true }).catch(() => {});
      }
    }
  });
});
