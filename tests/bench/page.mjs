// The in-page half of the benchmark (bench.mjs drives it through playwright-core):
// `runGlint` talks to Glint's engine worker exactly as the app does, `runDuckdbWasm` loads
// the same log into DuckDB-WASM through its Arrow insert. Both time everything with
// performance.now() in the page and return plain JSON (times in ms, result rows as objects).

/** Results are compared as plain JSON: BigInt counts become numbers, Dates ISO text. */
function plain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}

function describe(error) {
  if (error instanceof Error) return error.message || String(error);
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Glint: the engine worker (Trunk's `worker_loader.js`) and the versioned JSON protocol of
// glint-protocol: `Envelope { v, id, body }` with internally tagged `ToWorker` / `FromWorker`
// bodies (`{"type": "load_url", ...}`); replies carry the request's id.

class GlintWorker {
  constructor(url, protocolVersion) {
    this.version = protocolVersion;
    this.nextId = 1;
    this.pending = new Map();
    this.worker = new Worker(url);
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => this.failAll(`the engine worker failed: ${ev.message || 'error event'}`);
    this.worker.onmessageerror = () => this.failAll('the engine worker sent a message that cannot be read');
  }

  receive(data) {
    const text = typeof data === 'string' ? data : data?.text;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (error) {
      this.failAll(`unreadable message from the engine worker: ${describe(error)}`);
      return;
    }
    const body = msg.body ?? {};
    if (body.type === 'ready') {
      this.readyResolve();
      return;
    }
    if (body.type === 'progress') return;
    const waiter = this.pending.get(msg.id);
    if (!waiter) {
      if (body.type === 'error') this.failAll(`engine worker error (${body.kind}): ${body.message}`);
      return;
    }
    this.pending.delete(msg.id);
    if (body.type === 'error') waiter.reject(new Error(`${body.kind}: ${body.message}`));
    else waiter.resolve(body);
  }

  failAll(message) {
    this.readyReject(new Error(message));
    for (const waiter of this.pending.values()) waiter.reject(new Error(message));
    this.pending.clear();
  }

  /** Posts `body` in an envelope; resolves with the reply body and the wall time in ms. */
  request(body, expected) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const started = performance.now();
      this.pending.set(id, {
        resolve: (reply) => {
          const ms = performance.now() - started;
          if (reply.type !== expected) reject(new Error(`expected a ${expected} reply, got ${reply.type}`));
          else resolve({ reply, ms });
        },
        reject,
      });
      this.worker.postMessage(JSON.stringify({ v: this.version, id, body }));
    });
  }

  terminate() {
    this.worker.terminate();
  }
}

function glintRows(table) {
  const names = table.columns.map((c) => c.name);
  if (table.rows.length < table.total_rows) {
    throw new Error(`only ${table.rows.length} of ${table.total_rows} rows came back: raise page_rows`);
  }
  return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, plain(row[i])])));
}

/**
 * Glint in this page: start the engine worker, LoadUrl the log, then each query twice with
 * RunSql. Returns {start_ms, load_ms, load_engine_ms, rows, malformed, queries: [...]} or
 * {error} (with whatever was measured before the failure).
 */
export async function runGlint({ workerUrl, protocolVersion, logUrl, queries }) {
  const out = { queries: [] };
  let worker;
  try {
    const started = performance.now();
    worker = new GlintWorker(workerUrl, protocolVersion);
    await worker.ready;
    out.start_ms = performance.now() - started;
    const { reply: loaded, ms } = await worker.request({ type: 'load_url', url: logUrl }, 'loaded');
    out.load_ms = ms;
    out.load_engine_ms = loaded.summary.ingest_ms;
    out.rows = loaded.summary.report.rows;
    out.malformed = loaded.summary.report.malformed;
    out.partitions = loaded.summary.partitions;
    for (const q of queries) {
      const run = () =>
        worker.request(
          { type: 'run_sql', key: `bench_${q.name}`, table: null, sql: q.glint, params: [], page_rows: 100000 },
          'sql_result',
        );
      const first = await run();
      const again = await run();
      out.queries.push({
        name: q.name,
        ms: first.ms,
        engine_ms: first.reply.elapsed_ms,
        ms_again: again.ms,
        engine_ms_again: again.reply.elapsed_ms,
        rows: glintRows(first.reply.table),
      });
    }
  } catch (error) {
    out.error = describe(error);
  } finally {
    worker?.terminate();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DuckDB-WASM: its JSON extension cannot be downloaded here (no internet), so the page reads
// the log itself — streamed, decoded, split into lines, JSON.parse'd — and inserts the rows
// through DuckDB-WASM's Arrow insert (`insertArrowTable`) in chunks. That work is DuckDB-WASM's
// load time: it is what a page using it has to do. The table has the flat shape of
// tests/bench/queries.json's DuckDB SQL, with Glint's semantics: lines that are not JSON
// objects are skipped, a non-string `userId` is NULL in `user_id`, timestamps are UTC.

const CHUNK_ROWS = 100_000;

/** Flat columns: name, arrow type, how to read it from a parsed line. */
function duckdbColumns(arrow) {
  const str = (v) => (typeof v === 'string' ? v : null);
  const num = (v) => (typeof v === 'number' ? v : null);
  const int = (v) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  const time = (v) => {
    if (typeof v !== 'string') return null;
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? null : ms;
  };
  const p = (o) => (o.properties && typeof o.properties === 'object' ? o.properties : {});
  const c = (o) => (o.context && typeof o.context === 'object' ? o.context : {});
  return [
    ['type', new arrow.Utf8(), (o) => str(o.type)],
    ['event', new arrow.Utf8(), (o) => str(o.event)],
    ['user_id', new arrow.Utf8(), (o) => str(o.userId)],
    ['anonymous_id', new arrow.Utf8(), (o) => str(o.anonymousId)],
    ['ts', new arrow.TimestampMillisecond(), (o) => time(o.timestamp)],
    ['message_id', new arrow.Utf8(), (o) => str(o.messageId)],
    ['experiment_id', new arrow.Utf8(), (o) => str(p(o).experiment_id)],
    ['variant', new arrow.Utf8(), (o) => str(p(o).variant)],
    ['path', new arrow.Utf8(), (o) => str(p(o).path)],
    ['vertical', new arrow.Utf8(), (o) => str(p(o).vertical)],
    ['product_id', new arrow.Utf8(), (o) => str(p(o).product_id)],
    ['price', new arrow.Float64(), (o) => num(p(o).price)],
    ['quantity', new arrow.Int32(), (o) => int(p(o).quantity)],
    ['value', new arrow.Float64(), (o) => num(p(o).value)],
    ['order_id', new arrow.Utf8(), (o) => str(p(o).order_id)],
    ['revenue', new arrow.Float64(), (o) => num(p(o).revenue)],
    ['currency', new arrow.Utf8(), (o) => str(p(o).currency)],
    ['device_type', new arrow.Utf8(), (o) => str(c(o).device?.type)],
    ['locale', new arrow.Utf8(), (o) => str(c(o).locale)],
    ['session_id', new arrow.Utf8(), (o) => str(c(o).session_id)],
  ];
}

/** Streams the log, parses it and inserts it into `events` in Arrow chunks. */
async function loadIntoDuckdb(arrow, conn, logUrl) {
  const columns = duckdbColumns(arrow);
  let values = columns.map(() => []);
  let chunkRows = 0;
  let created = false;
  const stats = { rows: 0, malformed: 0 };
  const flush = async () => {
    if (chunkRows === 0 && created) return;
    const vectors = {};
    columns.forEach(([name, type], i) => {
      vectors[name] = arrow.vectorFromArray(values[i], type);
    });
    await conn.insertArrowTable(new arrow.Table(vectors), { name: 'events', create: !created });
    created = true;
    values = columns.map(() => []);
    chunkRows = 0;
  };
  // Returns true when a chunk is full and must be flushed (kept synchronous: one await per
  // chunk, not per line).
  const line = (text) => {
    if (text.trim() === '') return false;
    let o;
    try {
      o = JSON.parse(text);
    } catch {
      stats.malformed++;
      return false;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      stats.malformed++;
      return false;
    }
    for (let i = 0; i < columns.length; i++) values[i].push(columns[i][2](o));
    chunkRows++;
    stats.rows++;
    return chunkRows >= CHUNK_ROWS;
  };
  const response = await fetch(logUrl);
  if (!response.ok) throw new Error(`GET ${logUrl}: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let carry = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = carry + value;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (line(text.slice(start, nl))) await flush();
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  line(carry);
  await flush();
  return stats;
}

function duckdbRows(table) {
  return table.toArray().map((row) => {
    const obj = row.toJSON();
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
  });
}

/**
 * DuckDB-WASM (eh bundle, served from node_modules) in this page: instantiate, load the log
 * (JS parse + Arrow insert), then each query twice. Same result shape as `runGlint`.
 */
export async function runDuckdbWasm({ distUrl, logUrl, queries }) {
  const out = { queries: [] };
  let db;
  let worker;
  try {
    const started = performance.now();
    const duckdb = await import('/node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs');
    const arrow = await import('apache-arrow');
    worker = new Worker(`${distUrl}duckdb-browser-eh.worker.js`);
    db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(`${distUrl}duckdb-eh.wasm`);
    out.version = await db.getVersion();
    const conn = await db.connect();
    await conn.query("SET TimeZone = 'UTC'").catch(() => {});
    out.start_ms = performance.now() - started;
    const loadStarted = performance.now();
    const stats = await loadIntoDuckdb(arrow, conn, logUrl);
    out.load_ms = performance.now() - loadStarted;
    out.rows = stats.rows;
    out.malformed = stats.malformed;
    for (const q of queries) {
      const run = async () => {
        const t = performance.now();
        const table = await conn.query(q.duckdb);
        return { ms: performance.now() - t, table };
      };
      const first = await run();
      const again = await run();
      out.queries.push({ name: q.name, ms: first.ms, ms_again: again.ms, rows: duckdbRows(first.table) });
    }
    await conn.close();
  } catch (error) {
    out.error = describe(error);
  } finally {
    await db?.terminate().catch(() => {});
    worker?.terminate();
  }
  return out;
}
