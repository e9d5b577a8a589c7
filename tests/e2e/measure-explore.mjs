// A measurement, not a test: how soon the explorer's overview appears after a
// large log is ingested in the browser. Writes a sample log of USERS users
// (35,000 ≈ 1M events), serves it next to the app, loads it by URL with the
// explorer open, and prints the ingest time, the overview's engine time and
// the wall time from "loaded" to the overview on screen, plus the field
// statistics' time.
//
//   GLINT_SERVER_BIN=… GLINT_DIST=… node tests/e2e/measure-explore.mjs [USERS]

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, requiredEnv, startServer, stopServer } from './harness.mjs';

const users = Number(process.argv[2] ?? 35_000);
const bin = requiredEnv('GLINT_SERVER_BIN');
const dist = requiredEnv('GLINT_DIST');
const dir = await mkdtemp(join(tmpdir(), 'glint-measure-'));
for (const name of await readdir(dist)) await symlink(join(dist, name), join(dir, name));
const { stderr } = await promisify(execFile)(bin, ['sample', '--out', join(dir, 'big.ndjson'), '--users', String(users)]);
console.log(stderr.trim());

const server = startServer(bin, dir);
const base = await server.url;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(base);
  await page.locator('#row-count').waitFor({ timeout: 120_000 });
  await page.click('#toggle-explore');
  await page.fill('#url-input', `${base}big.ndjson`);
  await page.click('#load-url');
  // Wait for the new dataset, then time until its overview is on screen.
  await page.waitForFunction((src) => document.querySelector('#dataset code.source')?.textContent === src, `${base}big.ndjson`, { timeout: 600_000, polling: 20 });
  const loadedAt = Date.now();
  await page.waitForFunction(() => document.querySelector('#ov-rows'), null, { timeout: 600_000, polling: 20 });
  const shownAfter = Date.now() - loadedAt;
  const rows = await page.textContent('#row-count');
  const ingest = await page.textContent('#ingest-ms');
  const overviewMs = await page.textContent('#ov-ms');
  const profileStart = Date.now();
  await page.locator('#profile').waitFor({ timeout: 600_000 });
  const profileMs = Date.now() - profileStart + shownAfter;
  console.log(`rows ${rows}; ingest ${ingest}; overview engine ${overviewMs} ms; overview on screen ${shownAfter} ms after the load finished; field statistics on screen ${profileMs} ms after`);
} finally {
  await browser.close();
  await stopServer(server.child);
}
