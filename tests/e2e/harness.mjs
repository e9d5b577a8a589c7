// Shared pieces of the end-to-end tests: the real server on a free port,
// headless Chromium (never downloaded: the system's /usr/bin/chromium), the
// native engine's answers through the server binary's `query` command, and
// helpers that read the notebook's cells from the DOM.
//
// Environment:
//   GLINT_SERVER_BIN  the worker-server binary (required)
//   GLINT_DIST        the Trunk dist directory to serve (required)
//   CHROMIUM          the browser (default /usr/bin/chromium)

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileAsync = promisify(execFile);

export const SERVER_START_TIMEOUT_MS = 60_000;
export const LOAD_TIMEOUT_MS = 120_000;
export const QUERY_TIMEOUT_MS = 60_000;
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: point it at the ${name === 'GLINT_DIST' ? 'Trunk dist directory' : 'worker-server binary'}`);
  }
  return resolve(value);
}

/** Starts `serve` on a free port; resolves with its base URL once it prints it. */
export function startServer(bin, dist) {
  // Its job table and share links go to a fresh directory, not the working one.
  const state = mkdtempSync(join(tmpdir(), 'glint-server-'));
  const child = spawn(bin, [
    'serve', '--dist', dist, '--host', '127.0.0.1', '--port', '0',
    '--job-db', join(state, 'jobs.sqlite'), '--share-db', join(state, 'shares.sqlite'),
  ], {
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

export async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The native engine's answer: `query --sample --format json` prints an array of row objects. */
export async function nativeQuery(bin, sql) {
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
export function displayed(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Waits until one of the selectors is attached; returns the first that is. */
export async function waitForAny(page, selectors, timeout) {
  const handle = await page.waitForFunction(
    (list) => list.find((s) => document.querySelector(s)) ?? false,
    selectors,
    { timeout, polling: 100 },
  );
  return handle.jsonValue();
}

export async function textOf(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}


/** Starts the server and the browser; `problems` collects console and page errors of every page. */
export async function startGlint() {
  const serverBin = requiredEnv('GLINT_SERVER_BIN');
  const dist = requiredEnv('GLINT_DIST');
  const server = startServer(serverBin, dist);
  const baseUrl = await server.url;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const problems = [];
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const where = msg.worker() ? ` (worker ${msg.worker().url()})` : '';
        problems.push(`console error${where}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
    page.on('crash', () => problems.push('the page crashed'));
    return page;
  };
  return {
    serverBin,
    baseUrl,
    browser,
    problems,
    /** A page in a fresh browser context (own local storage, clipboard allowed). */
    async newPage(options = {}) {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 1000 },
        deviceScaleFactor: 2,
        acceptDownloads: true,
        ...options,
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      return watch(await context.newPage());
    },
    async close() {
      await browser.close().catch(() => {});
      await stopServer(server.child);
    },
  };
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true }).catch(() => {});
}

/** Waits until the dataset is loaded and no cell is queued or running. */
export async function waitForNotebook(page, timeout = LOAD_TIMEOUT_MS) {
  const outcome = await waitForAny(page, ['#row-count', '#load-error', '#engine-error', '#panic'], timeout);
  assert.equal(outcome, '#row-count', `the data did not load: ${await textOf(page, outcome)}`);
  await page.waitForFunction(
    () => !document.querySelector('.cell-status[data-state="running"], .cell-status[data-state="queued"]'),
    null,
    { timeout, polling: 100 },
  );
}

/** A cell's state word, result table (columns, rows) and error text. */
export async function cellResult(cell) {
  return cell.evaluate((el) => {
    const table = el.querySelector('table.result');
    return {
      state: el.querySelector('.cell-status')?.dataset.state,
      error: el.querySelector('.cell-error')?.textContent.trim() ?? null,
      total: table ? Number(table.dataset.total) : null,
      offset: table ? Number(table.dataset.offset) : null,
      columns: table ? [...table.querySelectorAll('thead th .col-name')].map((th) => th.textContent.trim()) : [],
      rows: table
        ? [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()))
        : [],
    };
  });
}

/** Waits until a cell is done or failed (after `since`, a state it must leave first, if given). */
export async function waitForCell(cell, timeout = QUERY_TIMEOUT_MS) {
  await cell.locator('.cell-status[data-state="done"], .cell-status[data-state="failed"]').waitFor({ timeout });
}

/** Adds a SQL cell at the end, types `sql`, runs it with Shift+Enter; returns its locator. */
export async function addSqlCell(page, sql) {
  const before = await page.locator('#notebook > .cell').count();
  await page.click('#add-sql');
  const cell = page.locator('#notebook > .cell').nth(before);
  const editor = cell.locator('textarea.editor');
  await editor.fill(sql);
  await editor.press('Shift+Enter');
  await waitForCell(cell);
  return cell;
}

/** The native engine's answer, shaped like `cellResult`'s rows. */
export async function nativeRows(bin, sql) {
  const native = await nativeQuery(bin, sql);
  const columns = Object.keys(native[0] ?? {});
  return { columns, rows: native.map((row) => columns.map((c) => displayed(row[c]))) };
}
