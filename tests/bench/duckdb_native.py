"""DuckDB (PyPI `duckdb`) natively over the benchmark log: load, then q1-q6 twice.

Run by `cargo xtask bench` (see BENCHMARKS.md); prints nothing but errors and
writes one JSON document:

    {"engine": "duckdb", "version": ..., "threads": ..., "load_ms": ..., "rows": ...,
     "queries": [{"name": "q1", "ms": ..., "ms_again": ..., "rows": [{col: value}, ...]}, ...],
     "peak_rss_bytes": ...}

Load = `CREATE TABLE events AS SELECT ... FROM read_json(...)` with the columns of
the sample log given explicitly (auto-detection gives up on the log's non-object
lines), `ignore_errors=true` (a malformed line becomes an all-NULL row, which the
load drops: Glint skips those lines), `userId` read as JSON so that a numeric
user id becomes NULL in `user_id` (as in Glint) instead of being coerced to text,
and timestamps parsed with their offsets and kept as UTC. The table has the flat
shape tests/bench/queries.json's DuckDB SQL expects (the same as DuckDB-WASM's).

Usage: python duckdb_native.py LOG QUERIES_JSON OUT_JSON
"""

import json
import resource
import sys
import time

import duckdb

COLUMNS = {
    "type": "VARCHAR",
    "event": "VARCHAR",
    "userId": "JSON",
    "anonymousId": "VARCHAR",
    "timestamp": "VARCHAR",
    "messageId": "VARCHAR",
    "properties": "STRUCT(experiment_id VARCHAR, variant VARCHAR, path VARCHAR, vertical VARCHAR, "
    "product_id VARCHAR, price DOUBLE, quantity BIGINT, value DOUBLE, order_id VARCHAR, "
    "revenue DOUBLE, currency VARCHAR)",
    "context": "STRUCT(device STRUCT(type VARCHAR), locale VARCHAR, session_id VARCHAR)",
}


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def load_sql(path):
    columns = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in COLUMNS.items()) + "}"
    all_null = " AND ".join(f'"{name}" IS NULL' for name in COLUMNS)
    return f"""
CREATE TABLE events AS
SELECT
  "type" AS type,
  event,
  CASE WHEN json_type(userId) = 'VARCHAR' THEN userId ->> '$' END AS user_id,
  anonymousId AS anonymous_id,
  CAST(CAST("timestamp" AS TIMESTAMPTZ) AS TIMESTAMP) AS ts,
  messageId AS message_id,
  properties.experiment_id AS experiment_id,
  properties.variant AS variant,
  properties.path AS path,
  properties.vertical AS vertical,
  properties.product_id AS product_id,
  properties.price AS price,
  properties.quantity AS quantity,
  properties.value AS value,
  properties.order_id AS order_id,
  properties.revenue AS revenue,
  properties.currency AS currency,
  context.device.type AS device_type,
  context.locale AS locale,
  context.session_id AS session_id
FROM read_json({sql_string(path)}, format = 'newline_delimited', records = true,
               ignore_errors = true, maximum_object_size = 16777216, columns = {columns})
WHERE NOT ({all_null})
"""


def plain(value):
    """A result cell as JSON: numbers stay numbers, everything else is text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def run_query(con, sql):
    started = time.perf_counter()
    cursor = con.execute(sql)
    rows = cursor.fetchall()
    elapsed = (time.perf_counter() - started) * 1e3
    names = [d[0] for d in cursor.description]
    return elapsed, [{n: plain(v) for n, v in zip(names, row)} for row in rows]


def main():
    log, queries_path, out_path = sys.argv[1:4]
    with open(queries_path, encoding="utf-8") as f:
        queries = json.load(f)["queries"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    started = time.perf_counter()
    con.execute(load_sql(log))
    load_ms = (time.perf_counter() - started) * 1e3
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    results = []
    for q in queries:
        ms, answer = run_query(con, q["duckdb"])
        ms_again, _ = run_query(con, q["duckdb"])
        results.append({"name": q["name"], "ms": ms, "ms_again": ms_again, "rows": answer})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    doc = {
        "engine": "duckdb",
        "version": duckdb.__version__,
        "threads": threads,
        "load_ms": load_ms,
        "rows": rows,
        "queries": results,
        "peak_rss_bytes": peak,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
