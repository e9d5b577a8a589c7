// The benchmark's driver (run by `cargo xtask bench`, see BENCHMARKS.md):
//
// 1. serves dist/ (Glint's app build), tests/bench/ and its node_modules (DuckDB-WASM, Arrow)
//    and the log from a static HTTP server on 127.0.0.1;
// 2. runs Glint's engine worker and then DuckDB-WASM in one headless Chromium (Debian's, driven
//    by playwright-core, never downloaded), each in a fresh page, sampling the memory of
//    Chromium's processes meanwhile;
// 3. before that, runs the native engines one after the other: Glint's `worker-server query`
//    (one ingest, each query twice, `--timings`) and DuckDB through duckdb_native.py;
// 4. checks that every engine gives the same answer to every query (rows sorted, floats rounded
//    to 6 significant digits) and prints the times as Markdown tables (also written to --out-md)
//    and everything measured as JSON (--out-json).
//
// Exit status: 0 when all engines that ran agree (an engine that failed, e.g. out of memory, is
// a "failed: reason" cell, not an error), 1 when answers differ (each difference is named), 2 on
// a usage or harness error.
//
// Usage: node bench.mjs --log FILE --dist DIR --protocol protocol/src/lib.rs
//          --queries queries.json --server-bin worker-server --python VENV/bin/python
//          --work DIR --out-md FILE --out-json FILE [--chromium PATH] [--timeout-s N]
// (--work: where the native runs' outputs go.)

import { createReadStream, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SAMPLE_EVERY_MS = 200;

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${key}`);
    args[key.slice(2)] = argv[++i];
  }
  const required = ['log', 'dist', 'protocol', 'queries', 'server-bin', 'python', 'work', 'out-md', 'out-json'];
  for (const name of required) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  return args;
}

/** PROTOCOL_VERSION from glint-protocol's source, so the harness follows a bump. */
function protocolVersion(path) {
  const m = /pub const PROTOCOL_VERSION: u32 = (\d+);/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`no \`pub const PROTOCOL_VERSION: u32 = N;\` in ${path}`);
  return Number(m[1]);
}

// --- static server ---------------------------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.map': 'application/json',
  '.ndjson': 'application/x-ndjson',
};

function startServer(routes, logFile) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = null;
    if (path === '/data/log.ndjson') file = logFile;
    for (const [prefix, dir] of routes) {
      if (file || !path.startsWith(prefix)) continue;
      const candidate = normalize(join(dir, path.slice(prefix.length)));
      if (candidate.startsWith(dir)) file = candidate;
    }
    let size;
    try {
      const st = statSync(file ?? '');
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

// --- memory of Chromium's processes ----------------------------------------------------------

function processTree(root) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** Proportional set size (shared pages split between their users), in bytes. */
function pss(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // fall through
  }
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples the summed PSS of this script's child processes (Chromium's: playwright starts the
 * browser as our child) until stopped; returns the peak.
 */
function sampleMemory() {
  let peak = 0;
  const tick = () => {
    const children = processTree(process.pid).filter((pid) => pid !== process.pid);
    const total = children.reduce((sum, pid) => sum + pss(pid), 0);
    peak = Math.max(peak, total);
  };
  tick();
  const timer = setInterval(tick, SAMPLE_EVERY_MS);
  return () => {
    clearInterval(timer);
    tick();
    return peak;
  };
}

// --- browser runs ----------------------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((done) => {
    timer = setTimeout(() => done({ error: `timed out after ${ms / 1000} s (${what})`, queries: [] }), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function inFreshPage(browser, base, timeoutMs, label, run) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('crash', () => problems.push('the page crashed'));
  await page.goto(`${base}bench/bench.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const stop = sampleMemory();
  const started = Date.now();
  let result;
  try {
    result = await withTimeout(run(page), timeoutMs, label);
  } catch (error) {
    result = { error: `${error.message}${problems.length ? ` (${problems.join('; ')})` : ''}`, queries: [] };
  }
  result.peak_memory_bytes = stop();
  result.wall_s = (Date.now() - started) / 1000;
  await page.close().catch(() => {});
  console.log(`  ${label}: ${result.error ? `FAILED: ${result.error}` : 'done'} (${result.wall_s.toFixed(1)} s)`);
  return result;
}

async function idleBaseline(browser, base) {
  const page = await browser.newPage();
  await page.goto(`${base}bench/bench.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const stop = sampleMemory();
  await new Promise((done) => setTimeout(done, 1000));
  const peak = stop();
  await page.close();
  return peak;
}

// --- native runs -----------------------------------------------------------------------------

/** Runs `program args` with stdout to `stdoutFile` (if any); rejects with stderr's tail on failure. */
function runTo(program, args, stdoutFile, timeoutMs) {
  return new Promise((done, fail) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => {
      err = (err + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(new Error(`cannot start ${program}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stdoutFile) writeFileSync(stdoutFile, Buffer.concat(out));
      if (code === 0) done(err);
      else fail(new Error(`${program} exited with ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

async function runNativeGlint(args, queries, timeoutMs) {
  const results = join(args.work, 'glint-native-results.jsonl');
  const timings = join(args.work, 'glint-native-timings.json');
  const argv = ['query', resolve(args.log), '--format', 'json', '--timings', timings];
  for (const q of queries) argv.push('--sql', q.glint, '--sql', q.glint);
  const started = Date.now();
  try {
    await runTo(args['server-bin'], argv, results, timeoutMs);
  } catch (error) {
    console.log(`  Glint (native): FAILED: ${error.message}`);
    return { error: error.message, queries: [] };
  }
  console.log(`  Glint (native): done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return nativeGlint(results, timings, queries);
}

async function runNativeDuckdb(args, timeoutMs) {
  const out = join(args.work, 'duckdb-native.json');
  const started = Date.now();
  try {
    await runTo(args.python, [join(HERE, 'duckdb_native.py'), resolve(args.log), resolve(args.queries), out], null, timeoutMs);
  } catch (error) {
    console.log(`  DuckDB (native): FAILED: ${error.message}`);
    return { error: error.message, queries: [] };
  }
  console.log(`  DuckDB (native): done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return nativeDuckdb(out);
}

/** `worker-server query --format json` prints one JSON array per statement: q1,q1,q2,q2,... */
function nativeGlint(resultsFile, timingsFile, queries) {
  try {
    const lines = readFileSync(resultsFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const timings = JSON.parse(readFileSync(timingsFile, 'utf8'));
    if (lines.length !== queries.length * 2 || timings.queries.length !== queries.length * 2) {
      throw new Error(`expected ${queries.length * 2} results, got ${lines.length}`);
    }
    return {
      load_ms: timings.read_ms + timings.ingest_ms + timings.session_ms,
      load_detail: timings,
      rows: timings.rows,
      partitions: timings.partitions,
      peak_memory_bytes: timings.peak_rss_bytes,
      queries: queries.map((q, i) => ({
        name: q.name,
        ms: timings.queries[2 * i].ms,
        ms_again: timings.queries[2 * i + 1].ms,
        rows: JSON.parse(lines[2 * i]),
      })),
    };
  } catch (error) {
    return { error: `cannot read the native Glint run: ${error.message}`, queries: [] };
  }
}

function nativeDuckdb(file) {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    if (doc.error) return { error: doc.error, queries: [] };
    return { ...doc, peak_memory_bytes: doc.peak_rss_bytes };
  } catch (error) {
    return { error: `cannot read the native DuckDB run: ${error.message}`, queries: [] };
  }
}

// --- comparison ------------------------------------------------------------------------------

function canonicalValue(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  }
  return JSON.stringify(v);
}

/** Rows as sorted canonical lines (columns by name; a missing key is NULL). */
function canonical(rows) {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort();
  return rows.map((r) => names.map((n) => `${n}=${canonicalValue(r[n])}`).join(' | ')).sort();
}

function compare(engines, queries) {
  const problems = [];
  for (const q of queries) {
    let reference = null;
    for (const engine of engines) {
      const result = engine.result.queries.find((r) => r.name === q.name);
      if (!result) continue;
      const rows = canonical(result.rows);
      if (!reference) {
        reference = { engine: engine.label, rows };
        continue;
      }
      const a = reference.rows.join('\n');
      const b = rows.join('\n');
      if (a !== b) {
        const only = (x, y) => x.filter((row) => !y.includes(row)).slice(0, 5);
        problems.push(
          `${q.name} (${q.title}): ${engine.label} differs from ${reference.engine}\n` +
            `    only in ${reference.engine}: ${JSON.stringify(only(reference.rows, rows))}\n` +
            `    only in ${engine.label}: ${JSON.stringify(only(rows, reference.rows))}`,
        );
      }
    }
  }
  return problems;
}

function duckdbWasmVersion() {
  try {
    return JSON.parse(readFileSync(join(HERE, 'node_modules/@duckdb/duckdb-wasm/package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

// --- report ----------------------------------------------------------------------------------

function time(ms) {
  if (ms === undefined || ms === null) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

function bytes(n) {
  if (!n) return '–';
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(0)} MiB`;
}

function ratio(a, b) {
  if (!a || !b) return '–';
  return `${(a / b).toFixed(2)}×`;
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function totals(result, queries, key) {
  if (result.error) return undefined;
  let sum = key === 'ms' ? result.load_ms : 0;
  for (const q of queries) {
    const r = result.queries.find((x) => x.name === q.name);
    if (!r) return undefined;
    sum += r[key];
  }
  return sum;
}

function row(label, result, queries, key, withLoad) {
  if (result.error) {
    const width = queries.length + (withLoad ? 3 : 1);
    return `| ${label} | failed: ${cell(result.error)} |${' |'.repeat(width - 1)}`;
  }
  const qs = queries.map((q) => time(result.queries.find((r) => r.name === q.name)?.[key]));
  const cells = withLoad
    ? [time(result.load_ms), ...qs, time(totals(result, queries, key)), bytes(result.peak_memory_bytes)]
    : [...qs, time(totals(result, queries, key))];
  return `| ${label} | ${cells.join(' | ')} |`;
}

function ratioRow(label, a, b, queries, key, withLoad) {
  if (a.error || b.error) {
    const width = queries.length + (withLoad ? 3 : 1);
    return `| ${label} | –${' | –'.repeat(width - 1)} |`;
  }
  const q = (r, name) => r.queries.find((x) => x.name === name)?.[key];
  const qs = queries.map((x) => ratio(q(a, x.name), q(b, x.name)));
  const cells = withLoad
    ? [ratio(a.load_ms, b.load_ms), ...qs, ratio(totals(a, queries, key), totals(b, queries, key)),
      ratio(a.peak_memory_bytes, b.peak_memory_bytes)]
    : [...qs, ratio(totals(a, queries, key), totals(b, queries, key))];
  return `| ${label} | ${cells.join(' | ')} |`;
}

function report(engines, queries, baseline) {
  const [glintWeb, duckWeb, glintNative, duckNative] = engines.map((e) => e.result);
  const names = queries.map((q) => q.name);
  const lines = [];
  lines.push(`| engine | load | ${names.join(' | ')} | total | peak memory |`);
  lines.push(`|---|${'---:|'.repeat(names.length + 3)}`);
  for (const e of engines) lines.push(row(e.label, e.result, queries, 'ms', true));
  lines.push(ratioRow('**Glint / DuckDB-WASM** (browser)', glintWeb, duckWeb, queries, 'ms', true));
  lines.push(ratioRow('**Glint / DuckDB** (native)', glintNative, duckNative, queries, 'ms', true));
  lines.push('');
  lines.push('Cached re-query (each query run again right after its first run; total = q1–q6):');
  lines.push('');
  lines.push(`| engine | ${names.join(' | ')} | total |`);
  lines.push(`|---|${'---:|'.repeat(names.length + 1)}`);
  for (const e of engines) lines.push(row(e.label, e.result, queries, 'ms_again', false));
  lines.push(ratioRow('**Glint / DuckDB-WASM** (browser)', glintWeb, duckWeb, queries, 'ms_again', false));
  lines.push(ratioRow('**Glint / DuckDB** (native)', glintNative, duckNative, queries, 'ms_again', false));
  lines.push('');
  const details = [];
  if (!glintWeb.error) {
    const engineMs = glintWeb.queries.map((q) => `${q.name} ${time(q.engine_ms)}`).join(', ');
    details.push(
      `Glint (browser): engine worker start ${time(glintWeb.start_ms)} (not in the total); load = LoadUrl → Loaded ` +
        `(fetch + ingest; the engine reports ingest ${time(glintWeb.load_engine_ms)} over ` +
        `${glintWeb.partitions} partition(s)); ${glintWeb.rows} rows, ${glintWeb.malformed} malformed lines skipped; ` +
        `engine-reported query times: ${engineMs}.`,
    );
  }
  if (!duckWeb.error) {
    details.push(
      `DuckDB-WASM ${duckdbWasmVersion()} (DuckDB ${duckWeb.version ?? '?'}; eh bundle, one thread): start ${time(duckWeb.start_ms)} (not in the total); ` +
        `load = fetch + JS line splitting + JSON.parse + Arrow chunks of 100k rows → insertArrowTable ` +
        `(its JSON extension cannot be downloaded here); ${duckWeb.rows} rows, ${duckWeb.malformed} malformed lines skipped.`,
    );
  }
  if (!glintNative.error) {
    const d = glintNative.load_detail;
    details.push(
      `Glint (native): load = read ${time(d.read_ms)} + ingest ${time(d.ingest_ms)} + session ${time(d.session_ms)} ` +
        `over ${d.partitions} partitions; ${glintNative.rows} rows.`,
    );
  }
  if (!duckNative.error) {
    details.push(
      `DuckDB ${duckNative.version} (native, ${duckNative.threads} threads): load = CREATE TABLE AS … read_json(…); ` +
        `${duckNative.rows} rows.`,
    );
  }
  details.push(
    `Peak memory: browser rows = peak of the summed PSS of all Chromium processes (browser, renderer with its ` +
      `workers, utility) sampled every ${SAMPLE_EVERY_MS} ms from /proc/PID/smaps_rollup while that engine ran ` +
      `(idle browser with the page open: ${bytes(baseline)}); native rows = the process's peak RSS ` +
      `(Glint: VmHWM from /proc/self/status; DuckDB: getrusage ru_maxrss).`,
  );
  for (const d of details) lines.push(`- ${d}`);
  return lines.join('\n');
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const queries = JSON.parse(readFileSync(args.queries, 'utf8')).queries;
  const version = protocolVersion(args.protocol);
  const timeoutMs = Number(args['timeout-s'] ?? 3600) * 1000;
  const dist = resolve(args.dist);
  const routes = [
    ['/dist/', dist],
    ['/bench/', resolve(HERE)],
    ['/node_modules/', resolve(HERE, 'node_modules')],
  ];
  console.log('native runs:');
  const glintNative = await runNativeGlint(args, queries, timeoutMs);
  const duckNative = await runNativeDuckdb(args, timeoutMs);

  const server = await startServer(routes, resolve(args.log));
  const base = `http://127.0.0.1:${server.address().port}/`;
  console.log(`browser runs: serving dist/, tests/bench/ and the log at ${base} (protocol version ${version})`);

  const browser = await chromium.launch({
    executablePath: args.chromium || process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  let browserRuns;
  let baseline;
  try {
    baseline = await idleBaseline(browser, base);
    const logUrl = `${base}data/log.ndjson`;
    const glint = await inFreshPage(browser, base, timeoutMs, 'Glint in Chromium', (page) =>
      page.evaluate((cfg) => window.bench.runGlint(cfg), {
        workerUrl: `${base}dist/worker_loader.js`,
        protocolVersion: version,
        logUrl,
        queries,
      }),
    );
    const duck = await inFreshPage(browser, base, timeoutMs, 'DuckDB-WASM in Chromium', (page) =>
      page.evaluate((cfg) => window.bench.runDuckdbWasm(cfg), {
        distUrl: `${base}node_modules/@duckdb/duckdb-wasm/dist/`,
        logUrl,
        queries,
      }),
    );
    if (glint.error?.includes('protocol version')) {
      glint.error += ` (dist/ does not speak the protocol of ${args.protocol}: rebuild it, e.g. cargo xtask bench --build-app)`;
    }
    browserRuns = [glint, duck];
  } finally {
    await browser.close();
    server.close();
  }

  const engines = [
    { label: 'Glint (Chromium, wasm)', result: browserRuns[0] },
    { label: 'DuckDB-WASM (Chromium)', result: browserRuns[1] },
    { label: 'Glint (native)', result: glintNative },
    { label: 'DuckDB (native)', result: duckNative },
  ];
  const problems = compare(engines, queries);
  const markdown = report(engines, queries, baseline);
  writeFileSync(args['out-md'], `${markdown}\n`);
  writeFileSync(
    args['out-json'],
    JSON.stringify({ protocol_version: version, baseline_browser_bytes: baseline, engines, problems }, null, 1),
  );
  console.log(`\n${markdown}\n`);
  const failed = engines.filter((e) => e.result.error);
  for (const e of failed) console.log(`note: ${e.label} failed: ${e.result.error}`);
  if (problems.length) {
    console.log(`RESULTS DIFFER (${problems.length}):`);
    for (const p of problems) console.log(`  ${p}`);
    process.exit(1);
  }
  const agreeing = engines.filter((e) => !e.result.error).map((e) => e.label);
  console.log(`all engines that ran agree on ${queries.map((q) => q.name).join(', ')}: ${agreeing.join(', ')}`);
}

main().catch((error) => {
  console.error(`bench.mjs: ${error.stack || error}`);
  process.exit(2);
});
