"""Why is an endpoint slow? Loads it for a bounded number of requests while PostgreSQL counts
what the endpoint made it do, then says what to fix.

  npm run analyze -- ENDPOINT [--requests 1000] [--users 10] [--method M --data FILE --headers FILE]
      [--save FILE] [--compare BASELINE.json]

ENDPOINT is a URL or a path (on loadtest/locust.conf's host). The database is DIRECT_DATABASE_URL
or DATABASE_URL (the environment, then .env): run this against a database that only this load
test uses, since every statement that runs during the test is counted as the endpoint's.

What it reads: the load test's latency and throughput (loadtest/loadkit.py); pg_stat_statements
(the statements per request, their time and rows, and plans of the slowest); the tables'
sequential scans; the buffer cache hit ratio; and the API's /metrics (database pool waits, cache
hits). Without pg_stat_statements it says how to enable it and analyses the rest.
The report prints and is saved as JSON (loadtest/reports/analysis.json unless --save says
otherwise; format: loadtest/analysis.schema.json); --compare BASELINE.json adds the before-and-after table of an earlier analysis.
Exit codes: 0 analysed, 2 bad input or nothing to connect to.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.error import URLError
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import urlopen

from charts import percent

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA = "backend-kit/analysis"
LARGE_TABLE_ROWS = 1000  # a sequential scan of a table this size, per request, is worth an index
N_PLUS_ONE_CALLS = 2.0  # the same statement this many times per request is a loop over rows
TOP_PLANS = 3
ENABLE = (
    "pg_stat_statements is not enabled on this server. Enable it, then run the analysis again:\n"
    "  - docker-compose.yml's postgres service already starts with it "
    "(command: postgres -c shared_preload_libraries=pg_stat_statements);\n"
    "  - elsewhere, set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf "
    "(on a managed database: its parameter group or flags), restart PostgreSQL,\n"
    "  - then run CREATE EXTENSION pg_stat_statements; in the database (this tool does it when it may)."
)


class UsageError(Exception):
    pass


# --- the database ------------------------------------------------------------------------


def database_url(given: str | None) -> str:
    """The URL as the db command reads it (tools/db.py: the environment, then .env), for psycopg."""
    sys.path.insert(0, str(ROOT / "tools"))
    from db import _env_file_value, libpq_url

    url = given or next((value for read in (os.environ.get, _env_file_value) for name in ("DIRECT_DATABASE_URL", "DATABASE_URL")
                         if (value := read(name))), None)
    if not url:
        raise UsageError("DATABASE_URL is not set: set it (or DIRECT_DATABASE_URL) in the environment or .env, or pass --database-url")
    schema = dict(parse_qsl(urlsplit(url).query)).get("schema")
    if not schema:
        return libpq_url(url)
    parts = urlsplit(libpq_url(url))  # Prisma's schema parameter: the tables live there
    return urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query), ("options", f"-c search_path={schema}")])))


class Database:
    def __init__(self, url: str) -> None:
        import psycopg

        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise UsageError(f"cannot connect to the database: {str(exc).strip()}") from None
        self.statements = self._enable_statements()

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def _enable_statements(self) -> str | None:
        """None when pg_stat_statements can be read; otherwise why not, with the fix."""
        preload = self.rows("SHOW shared_preload_libraries")[0][0]
        if "pg_stat_statements" not in preload:
            return ENABLE
        try:
            if not self.rows("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"):
                self.rows("CREATE EXTENSION pg_stat_statements")
        except Exception as exc:  # noqa: BLE001 (any refusal: say what to run)
            return f"pg_stat_statements is loaded but not created in this database ({str(exc).strip()}): run CREATE EXTENSION pg_stat_statements; as its owner"
        return None

    def snapshot(self) -> dict:
        self.rows("SELECT pg_stat_clear_snapshot()")
        statements = {}
        if self.statements is None:
            for queryid, query, calls, total, rows, hit, read in self.rows(
                "SELECT queryid, query, calls, total_exec_time, rows, shared_blks_hit, shared_blks_read FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + (" AND toplevel" if self.conn.info.server_version >= 140000 else "")  # nested statements: PostgreSQL 14 on
            ):
                statements[str(queryid)] = {"query": query, "calls": calls, "ms": total, "rows": rows, "hit": hit, "read": read}
        tables = {
            name: {"seqScan": seq or 0, "seqRows": seq_rows or 0, "idxScan": idx or 0, "rows": live or 0}
            for name, seq, seq_rows, idx, live in self.rows(
                "SELECT relname, seq_scan, seq_tup_read, idx_scan, n_live_tup FROM pg_stat_user_tables")
        }
        hit, read = self.rows("SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")[0]
        blocks = {"hit": hit, "read": read}
        return {"statements": statements, "tables": tables, "blocks": blocks}

    def index_names(self) -> dict[str, set[str]]:
        names: dict[str, set[str]] = {}
        for table, index in self.rows("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = ANY (current_schemas(false))"):
            names.setdefault(table, set()).add(index)
        return names

    def plan(self, query: str) -> dict | None:
        """The generic plan of a normalised statement ($1, $2… for its constants), as the API's
        prepared statements run it: PREPARE, then EXPLAIN EXECUTE with the parameters left NULL
        under plan_cache_mode = force_generic_plan, so the values cannot shape the plan."""
        if not re.match(r"^\s*(SELECT|WITH|UPDATE|DELETE)\b", query, re.IGNORECASE):
            return None
        count = max((int(n) for n in re.findall(r"\$(\d+)", query)), default=0)
        try:
            with self.conn.transaction():
                self.rows("SET LOCAL plan_cache_mode = force_generic_plan")
                self.rows("DEALLOCATE ALL")
                with self.conn.cursor() as cur:
                    cur.execute(f"PREPARE analyse_plan AS {query}")
                    args = ", ".join(["NULL"] * count)
                    cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE analyse_plan{f'({args})' if count else ''}")
                    plan = cur.fetchone()[0][0]["Plan"]
                    cur.execute("DEALLOCATE analyse_plan")
            return plan
        except Exception:  # noqa: BLE001 (a statement that cannot be planned alone is shown without a plan)
            return None


OWN = re.compile(r"pg_stat_|pg_extension|plan_cache_mode|DEALLOCATE|analyse_plan|shared_preload_libraries", re.IGNORECASE)  # this tool's


def delta(before: dict, after: dict) -> dict:
    statements = []
    for queryid, now in after["statements"].items():
        then = before["statements"].get(queryid, {"calls": 0, "ms": 0.0, "rows": 0, "hit": 0, "read": 0})
        calls = now["calls"] - then["calls"]
        if calls > 0 and not OWN.search(now["query"]):
            statements.append({"queryid": queryid, "query": now["query"], "calls": calls, "totalMs": now["ms"] - then["ms"],
                               "rows": now["rows"] - then["rows"], "blocksHit": now["hit"] - then["hit"], "blocksRead": now["read"] - then["read"]})
    tables = []
    for name, now in after["tables"].items():
        then = before["tables"].get(name, {"seqScan": 0, "seqRows": 0, "idxScan": 0})
        tables.append({"table": name, "rows": now["rows"], "seqScans": now["seqScan"] - then["seqScan"],
                       "seqRowsRead": now["seqRows"] - then["seqRows"], "indexScans": now["idxScan"] - then["idxScan"]})
    # The endpoint's own statements when pg_stat_statements counts them (exact, at once); else the database's.
    hit = sum(s["blocksHit"] for s in statements) if statements else after["blocks"]["hit"] - before["blocks"]["hit"]
    read = sum(s["blocksRead"] for s in statements) if statements else after["blocks"]["read"] - before["blocks"]["read"]
    return {"statements": statements, "tables": tables, "cacheHitRatio": hit / (hit + read) if hit + read else None, "blocksRead": read}


# --- plans ---------------------------------------------------------------------------------


def walk(node: dict, parent: dict | None = None):
    yield node, parent
    for child in node.get("Plans", []):
        yield from walk(child, node)


COMPARED_COLUMN = re.compile(r'(?:(\w+)\.)?"?([A-Za-z_]\w*)"?\)?(?:::[\w ]+)?\s*(<=|>=|=|<(?!>)|>)\s')


def filter_columns(condition: str) -> list[str]:
    """Columns a plan's Filter compares with a value (=, <, >, <=, >=), in order: what a btree
    index serves. None for a filter an index on plain columns would not serve: OR, or a column
    inside a function such as lower(email)."""
    if re.search(r"\bOR\b", condition):
        return []
    found = []
    for match in COMPARED_COLUMN.finditer(condition):
        before = condition[: match.start()]
        if re.search(r"\w\($", before) or match[2].upper() in ("NULL", "TRUE", "FALSE"):
            return []  # lower(email) = $1 and the like want an expression index: leave them to a person
        if match[2] not in found:
            found.append(match[2])
    return found


def sort_columns(keys: list[str], alias: str | None, only_scan: bool) -> list[str]:
    """The Sort's keys that are plain columns of the scanned table (by its alias, or any
    unprefixed key when that table is the only one under the Sort)."""
    columns = []
    for key in keys:
        match = re.match(r'^(?:(\w+)\.)?"?([A-Za-z_]\w*)"?( DESC)?$', key.strip())
        if not match or (match[1] and match[1] != alias) or (not match[1] and not only_scan):
            break  # an expression or another table's column: the index can serve the keys before it only
        columns.append(match[2] + (" DESC" if match[3] else ""))
    return columns


def quoted(name: str) -> str:
    return name if re.match(r"^[a-z_][a-z0-9_]*$", name) else '"' + name.replace('"', '""') + '"'


def index_advice(plan: dict, tables: dict[str, dict], indexes: dict[str, set[str]] | None = None) -> list[dict]:
    """Sequential scans of large tables that a filter narrows: the index that would serve them
    (the filter's columns, then the keys of a sort above the scan that orders the same table)."""
    advice = []
    for node, _parent in walk(plan):
        if node.get("Node Type") != "Seq Scan" or "Filter" not in node:
            continue
        table = node["Relation Name"]
        rows = tables.get(table, {}).get("rows", 0)
        columns = filter_columns(node["Filter"])
        if rows < LARGE_TABLE_ROWS or not columns:
            continue
        sort = next((n for n, _ in walk(plan) if n.get("Node Type") == "Sort" and node in list(_descendants(n))), None)
        extra = []
        if sort is not None:
            scans = [n for n in _descendants(sort) if "Relation Name" in n]
            extra = [c for c in sort_columns(sort.get("Sort Key", []), node.get("Alias"), len(scans) == 1) if c.split()[0] not in columns]
        every = columns + extra
        name = f"{table}_{'_'.join(c.split()[0] for c in every)}_idx".lower()[:63]
        taken = (indexes or {}).get(table, set())
        while name in taken:
            name = name[:60] + "_2" if not name.endswith("_2") else name[:-2] + "_3"
        listed = ", ".join(quoted(c.split()[0]) + (" DESC" if c.endswith(" DESC") else "") for c in every)
        advice.append({
            "table": table, "rows": rows, "columns": every, "filter": node["Filter"],
            "statement": f"CREATE INDEX CONCURRENTLY {quoted(name)} ON {quoted(table)} ({listed});",
        })
    return advice


def _descendants(node: dict):
    for child in node.get("Plans", []):
        yield child
        yield from _descendants(child)


def plan_text(node: dict, depth: int = 0) -> list[str]:
    line = f"{'  ' * depth}{node['Node Type']}" + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
    line += f"  (rows≈{node.get('Plan Rows')}, cost {node.get('Total Cost')})"
    for key in ("Index Name", "Index Cond", "Filter", "Sort Key", "Hash Cond", "Join Filter"):
        if key in node:
            value = ", ".join(node[key]) if isinstance(node[key], list) else node[key]
            line += f"  {key}: {value}"
    return [line] + [text for child in node.get("Plans", []) for text in plan_text(child, depth + 1)]


# --- the run -------------------------------------------------------------------------------


class MetricsSampler(threading.Thread):
    """Reads the API's /metrics twice a second while the load runs: pool waits and cache lookups."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.samples, self.stop, self.error = url, [], threading.Event(), None

    def read(self) -> dict | None:
        try:
            with urlopen(self.url, timeout=2) as response:
                text = response.read().decode()
        except (URLError, OSError) as exc:
            self.error = str(exc)
            return None
        values = {}
        for name, labels, value in re.findall(r"^(db_pool_connections|cache_lookups_total)\{([^}]*)\} ([\d.e+-]+)$", text, re.MULTILINE):
            label = re.search(r'(?:state|result)="(\w+)"', labels)
            if label:
                values[f"{name}:{label[1]}"] = float(value)
        return values

    def run(self) -> None:
        while not self.stop.is_set():
            sample = self.read()
            if sample is not None and "db_pool_connections:waiting" in sample:
                self.samples.append(sample)
            elif sample is not None:
                self.error = f"no db_pool_connections in {self.url}"
            self.stop.wait(0.5)


def default_host() -> str:
    conf = HERE / "locust.conf"
    for line in conf.read_text().splitlines() if conf.exists() else []:
        key, _, value = line.partition("=")
        if key.strip() == "host":
            return value.strip()
    return "http://localhost:3000"


def run_load(args, url: str, report_path: Path) -> dict:
    # Its own report only: the run leaves loadtest/reports/latest.* (the last load test) alone.
    command = [sys.executable, str(HERE / "api_load_tester.py"), url, "--requests", str(args.requests), "--users", str(args.users),
               "--method", args.method, "--report-json", str(report_path), "--report-html", ""]
    for flag in ("data", "headers"):
        if getattr(args, flag):
            command += [f"--{flag}", getattr(args, flag)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=args.time_limit)
    except subprocess.TimeoutExpired:
        raise UsageError(f"the load test did not finish within {args.time_limit:g} s: send fewer --requests, "
                         "or raise --time-limit if the endpoint is that slow") from None
    if result.returncode == 2 or not report_path.exists():
        raise UsageError(f"the load test could not run:\n{result.stderr.strip()[-2000:]}")
    load = json.loads(report_path.read_text())
    total = load["aggregate"]
    if total["requests"] and total["failures"] == total["requests"]:
        first = load["errors"][0]
        raise UsageError(f"every request to {url} failed ({first['count']}× {first['category']}: {first['example']}); "
                         "is the API running there? Name its URL in full (or set host in loadtest/locust.conf)")
    return load


def analyse(args) -> dict:
    target = urlsplit(args.endpoint)
    url = args.endpoint if target.scheme else default_host().rstrip("/") + "/" + args.endpoint.lstrip("/")
    base = urlsplit(url)
    metrics_url = args.metrics or urlunsplit((base.scheme, base.netloc, "/metrics", "", ""))
    db = Database(database_url(args.database_url))
    sampler = MetricsSampler(metrics_url)
    before_metrics = sampler.read()
    before = db.snapshot()
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        load = run_load(args, url, Path(tmp) / "load.json")
    sampler.stop.set()
    sampler.join()
    # pg_stat_statements counts at once; table statistics reach the views when a backend goes idle,
    # at most once a second, or 10 s later when it flushed less than a second before.
    time.sleep(11)
    after_metrics = sampler.read()
    after = db.snapshot()
    changes = delta(before, after)
    requests = max(load["aggregate"]["requests"], 1)
    statements = sorted(changes["statements"], key=lambda s: -s["totalMs"])
    for statement in statements:
        statement.update(perRequest=statement["calls"] / requests, meanMs=statement["totalMs"] / statement["calls"],
                         rowsPerCall=statement["rows"] / statement["calls"])
    tables = {t["table"]: t for t in changes["tables"]}
    indexes = db.index_names()
    for statement in statements[:TOP_PLANS]:
        plan = db.plan(statement["query"])
        if plan is not None:
            statement["plan"] = plan
            statement["indexAdvice"] = index_advice(plan, tables, indexes)
    pool = [s.get("db_pool_connections:waiting", 0.0) for s in sampler.samples]
    cache = None
    if before_metrics and after_metrics and "cache_lookups_total:hit" in after_metrics:
        cache = {result: after_metrics.get(f"cache_lookups_total:{result}", 0) - before_metrics.get(f"cache_lookups_total:{result}", 0)
                 for result in ("hit", "miss", "error")}
    report = {
        "schema": SCHEMA,
        "version": 1,
        "analysedAt": datetime.now(timezone.utc).isoformat(),
        "endpoint": f"{args.method.upper()} {base.path or '/'}",
        "url": url,
        "load": {"requests": load["aggregate"]["requests"], "failures": load["aggregate"]["failures"], "rps": load["aggregate"]["rps"],
                 "latencyMs": load["aggregate"]["latencyMs"], "users": args.users},
        "pgStatStatements": db.statements is None,
        "pgStatStatementsHelp": db.statements,
        "statements": [{k: v for k, v in s.items()} for s in statements],
        "statementsPerRequest": sum(s["calls"] for s in statements) / requests,
        "dbMsPerRequest": sum(s["totalMs"] for s in statements) / requests,
        "sequentialScans": [t for t in changes["tables"] if t["seqScans"] > 0 and t["rows"] >= LARGE_TABLE_ROWS],
        "cacheHitRatio": changes["cacheHitRatio"],
        "blocksRead": changes["blocksRead"],
        "pool": {"maxWaiting": max(pool, default=None), "samples": len(pool)} if pool else None,
        "apiCache": cache,
        "metricsError": None if pool else (sampler.error or f"no db_pool_connections in {metrics_url}"),
    }
    report["recommendations"] = recommend(report, args.method.upper())
    return report


def short(query: str, width: int = 110) -> str:
    text = " ".join(query.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def covered(advice: dict, others: list[dict]) -> bool:
    """Whether a wider index recommended on the same table starts with this one's columns (and serves it too)."""
    mine = [c.split()[0] for c in advice["columns"]]
    return any(o is not advice and o["table"] == advice["table"] and len(o["columns"]) > len(mine)
               and [c.split()[0] for c in o["columns"][:len(mine)]] == mine for o in others)


def recommend(report: dict, method: str) -> list[dict]:
    found = []
    every = [advice for statement in report["statements"] for advice in statement.get("indexAdvice", [])]
    given = set()
    for statement in report["statements"]:
        for advice in statement.get("indexAdvice", []):
            if covered(advice, every) or advice["statement"] in given:
                continue
            given.add(advice["statement"])
            found.append({
                "kind": "index",
                "why": f"{statement['perRequest']:.1f}× per request, {statement['meanMs']:.2f} ms each: a sequential scan of "
                       f"{advice['table']} ({advice['rows']} rows) filtered by {advice['filter']}",
                "fix": advice["statement"] + " (in a new migration: npm run db:new -- add_index; CONCURRENTLY keeps writes going)",
                "statement": statement["query"],
            })
    for statement in report["statements"]:
        if statement["perRequest"] >= N_PLUS_ONE_CALLS and re.match(r"^\s*SELECT\b", statement["query"], re.IGNORECASE) \
                and re.search(r"=\s*\$\d+", statement["query"]):
            found.append({
                "kind": "n+1",
                "why": f"the same statement runs {statement['perRequest']:.1f} times per request ({statement['rowsPerCall']:.1f} rows each): "
                       "a query per row of an earlier result",
                "fix": "fetch the rows in one statement: WHERE column = ANY($1) over the collected ids, a join, or in Prisma "
                       "findMany({ where: { column: { in: ids } } }) / include; in GraphQL, a DataLoader",
                "statement": statement["query"],
            })
    seen = {r["statement"] for r in found if r["kind"] == "index"}
    for table in report["sequentialScans"]:
        per_request = table["seqScans"] / max(report["load"]["requests"], 1)
        if per_request >= 0.5 and not any(table["table"] in s for s in seen):
            found.append({"kind": "sequential-scan",
                          "why": f"{table['table']} ({table['rows']} rows) was read whole {per_request:.2f} times per request "
                                 f"({table['seqRowsRead'] // max(table['seqScans'], 1)} rows a scan)",
                          "fix": "index the columns its queries filter on (see the plans above); "
                                 "run with pg_stat_statements for the exact statement" if not report["pgStatStatements"] else
                                 "index the columns its queries filter on (see the plans above)",
                          "statement": ""})
    cache = report["apiCache"]
    if method == "GET" and report["statementsPerRequest"] >= 1 and (cache is None or cache["hit"] == 0):
        from_cache = "the API's cache figures could not be read" if cache is None else "none came from the cache"
        found.append({"kind": "cacheable-read",
                      "why": f"every GET went to PostgreSQL ({report['statementsPerRequest']:.1f} statements, "
                             f"{report['dbMsPerRequest']:.2f} ms of database time per request) and {from_cache}",
                      "fix": "if clients may see this answer a little late, cache it (src/core/cache.ts: a key per page or id, "
                             "a TTL, and invalidation in the writes that change it), as the template's cached reads are",
                      "statement": ""})
    ratio = report["cacheHitRatio"]
    if ratio is not None and ratio < 0.95 and report["blocksRead"] >= 100:
        found.append({"kind": "buffer-cache", "why": f"PostgreSQL found {percent(ratio, 1)} of the pages it needed in memory ({report['blocksRead']} read from disk; aim for 99%)",
                      "fix": "the working set is larger than shared_buffers: add the indexes above, or give PostgreSQL more memory "
                             "(shared_buffers about a quarter of RAM)", "statement": ""})
    pool = report["pool"]
    if pool and pool["maxWaiting"]:
        found.append({"kind": "pool", "why": f"up to {pool['maxWaiting']:.0f} queries waited for a free database connection",
                      "fix": "make the statements above cheaper first; then raise DATABASE_POOL_MAX (per process; keep the sum "
                             "over every replica under PostgreSQL's max_connections, or put PgBouncer between them)", "statement": ""})
    return found


# --- output --------------------------------------------------------------------------------


def render(report: dict) -> str:
    load = report["load"]
    lat = load["latencyMs"]
    lines = [
        f"Analysis of {report['endpoint']} ({report['url']})",
        f"  load          {load['requests']} requests by {load['users']} users, {load['failures']} failed; {load['rps']:.1f} req/s",
        f"  latency ms    p50 {lat['p50']:.1f}  p95 {lat['p95']:.1f}  p99 {lat['p99']:.1f}  max {lat['max']:.1f}"
        f"   (targets: p95 under 200 ms, over 1,000 req/s)",
    ]
    if report["pgStatStatements"]:
        lines.append(f"  database      {report['statementsPerRequest']:.2f} statements and {report['dbMsPerRequest']:.3f} ms per request")
        for s in report["statements"][:8]:
            lines.append(f"    {s['perRequest']:6.2f}/req  {s['meanMs']:8.3f} ms mean  {s['totalMs']:9.1f} ms total  "
                         f"{s['rowsPerCall']:7.1f} rows  {short(s['query'], 90)}")
        for s in report["statements"][:TOP_PLANS]:
            if "plan" in s:
                lines.append(f"  plan of       {short(s['query'], 100)}")
                lines += [f"    {line}" for line in plan_text(s["plan"])]
    else:
        lines.append("  statements    not measured: " + report["pgStatStatementsHelp"].replace("\n", "\n                "))
    for table in report["sequentialScans"]:
        lines.append(f"  seq scans     {table['table']} ({table['rows']} rows): {table['seqScans']} scans, {table['seqRowsRead']} rows read")
    if report["cacheHitRatio"] is not None:
        lines.append(f"  buffer cache  {percent(report['cacheHitRatio'], 2)} of pages found in memory")
    if report["pool"]:
        lines.append(f"  pool          at most {report['pool']['maxWaiting']:.0f} queries waiting for a connection")
    elif report["metricsError"]:
        lines.append(f"  /metrics      not read ({report['metricsError']}): pool waits and cache hits unknown")
    if report["apiCache"]:
        c = report["apiCache"]
        lines.append(f"  API cache     {c['hit']:.0f} hits, {c['miss']:.0f} misses, {c['error']:.0f} errors")
    lines.append("  recommendations" if report["recommendations"] else "  recommendations  none: nothing here stands out")
    for number, rec in enumerate(report["recommendations"], 1):
        lines.append(f"    {number}. [{rec['kind']}] {rec['why']}")
        lines.append(f"       fix: {rec['fix']}")
        if rec["statement"]:
            lines.append(f"       statement: {short(rec['statement'])}")
    return "\n".join(lines)


COMPARED = (
    ("p50 latency (ms)", lambda r: r["load"]["latencyMs"]["p50"], -1),
    ("p95 latency (ms)", lambda r: r["load"]["latencyMs"]["p95"], -1),
    ("p99 latency (ms)", lambda r: r["load"]["latencyMs"]["p99"], -1),
    ("throughput (req/s)", lambda r: r["load"]["rps"], 1),
    ("statements per request", lambda r: r["statementsPerRequest"], -1),
    ("database ms per request", lambda r: r["dbMsPerRequest"], -1),
    ("recommendations", lambda r: len(r["recommendations"]), -1),
)


def compare(baseline: dict, current: dict) -> str:
    lines = [f"Before and after: {baseline['endpoint']}", f"  {'':26}{'before':>12}{'after':>12}{'change':>10}"]
    for label, get, better in COMPARED:
        before, after = get(baseline), get(current)
        if not before:
            shown = "n/a" if after else "0.0%"
            verdict = "" if not after else ("  better" if after * better > 0 else "  worse")
        else:
            change = (after - before) / before
            shown = f"{change * 100:+.1f}%"
            verdict = "" if abs(change) < 0.05 else ("  better" if change * better > 0 else "  worse")
        lines.append(f"  {label:26}{before:12.2f}{after:12.2f}{shown:>10}{verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="npm run analyze --", description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", help="URL, or path on loadtest/locust.conf's host")
    parser.add_argument("--requests", type=int, default=1000, help="requests to send (default 1000)")
    parser.add_argument("--users", type=int, default=10, help="concurrent users (default 10)")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--data", default="", help="file of the JSON request body")
    parser.add_argument("--headers", default="", help="JSON file of extra request headers")
    parser.add_argument("--database-url", default="", help="default: DIRECT_DATABASE_URL or DATABASE_URL")
    parser.add_argument("--metrics", default="", help="the API's metrics URL (default: the endpoint's host /metrics)")
    parser.add_argument("--save", default=str(ROOT / "loadtest" / "reports" / "analysis.json"), help="where the JSON report goes")
    parser.add_argument("--compare", default="", help="an earlier analysis (JSON) to compare with")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds the load test may take (default 600)")
    args = parser.parse_args(argv)
    try:
        if args.requests < 1 or args.users < 1:
            raise UsageError("--requests and --users must be 1 or more")
        baseline = None
        if args.compare:
            try:
                baseline = json.loads(Path(args.compare).read_text())
            except (OSError, ValueError) as exc:
                raise UsageError(f"--compare {args.compare}: {exc}") from None
            if baseline.get("schema") != SCHEMA:
                raise UsageError(f"--compare {args.compare} is not an analysis saved by npm run analyze")
        report = analyse(args)
    except UsageError as exc:
        print(f"analyze: {exc}", file=sys.stderr)
        return 2
    print(render(report))
    if baseline is not None:
        if baseline["endpoint"] != report["endpoint"]:
            print(f"\nanalyze: the baseline analysed {baseline['endpoint']}, not {report['endpoint']}: no before-and-after table", file=sys.stderr)
        else:
            print("\n" + compare(baseline, report))
            report["comparedWith"] = args.compare
    Path(args.save).parent.mkdir(parents=True, exist_ok=True)
    Path(args.save).write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nsaved to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
