"""loadkit's load models and accounting, against small servers whose behaviour each test sets
(tests/known_server.py): the open model's coordinated-omission correction, the held rate,
stages, the --find-max search, error counts per status and endpoint however a run ends, and
compare's refusals and chart."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema
import pytest
import requests

from tests import services
from tests.browser import chromium_dom
from tests.conftest import render
from tests.known_server import KnownServer

pytestmark = pytest.mark.slow

# Three endpoints of known outcome: /a fails with 503 every third request, /b is always 404, /c answers.
MIXED = '''
import loadkit  # noqa: F401
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Mixed(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def a(self):
        self.client.get("/a", name="/a")

    @task
    def b(self):
        self.client.post("/b", json={}, name="/b")

    @task
    def c(self):
        self.client.get("/c", name="/c")
'''


@pytest.fixture(scope="module")
def loadtest(tmp_path_factory) -> Path:
    """A generated loadtest/ folder (rendering only: these tests need no API)."""
    project = render(tmp_path_factory.mktemp("lk") / "p", stack="fastify-typescript", project_name="Loadkit Test")
    (project / "loadtest" / "mixed.py").write_text(MIXED)
    return project / "loadtest"


def load_tester(loadtest: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(loadtest / "api_load_tester.py"), *args], cwd=loadtest.parent,
                          capture_output=True, text=True, timeout=timeout)


def report_of(path: Path, loadtest: Path) -> dict:
    report = json.loads(path.read_text())
    jsonschema.validate(report, json.loads((loadtest / "report.schema.json").read_text()))
    return report


@pytest.fixture
def server():
    running: list[KnownServer] = []

    def start(**behaviour) -> KnownServer:
        running.append(KnownServer(**behaviour))
        return running[-1]

    yield start
    for known in running:
        known.stop()


def test_the_open_model_counts_the_queue_a_stalling_server_builds(loadtest, server, tmp_path):
    """A server that stops for the last second of every four (from its first request): a closed
    model sends nothing while its users wait, so only ten requests see each stall; at a fixed rate
    the hundred due in that second all do."""
    closed = load_tester(loadtest, f"{server(stall=(4, 1)).url}/x", "--users", "10", "--run-time", "10s",
                         "--save", str(tmp_path / "closed.json"), "--output", "json")
    opened = load_tester(loadtest, f"{server(stall=(4, 1)).url}/x", "--users", "10", "--rate", "100", "--run-time", "10s",
                         "--save", str(tmp_path / "open.json"), "--output", "json")
    assert closed.returncode == 0 and opened.returncode == 0, closed.stderr[-2000:] + opened.stderr[-2000:]
    closed_report, open_report = report_of(tmp_path / "closed.json", loadtest), report_of(tmp_path / "open.json", loadtest)
    assert closed_report["model"] == "closed" and open_report["model"] == "open" and open_report["rate"] == 100
    # The server's own delays: up to 1000 ms for whatever arrives in a stall; two stalls in ten seconds.
    assert closed_report["aggregate"]["latencyMs"]["p95"] < 100  # ten requests at most wait in each stall
    assert 600 < open_report["aggregate"]["latencyMs"]["p99"] <= 1100
    assert open_report["aggregate"]["latencyMs"]["p95"] > 400  # a fifth of the requests were due in a stall (about 750 expected)
    assert open_report["late"]["requests"] > 50 and 500 < open_report["late"]["maxLagMs"] <= 1100


def test_the_rate_is_held_within_five_percent_while_the_server_keeps_up(loadtest, server, tmp_path):
    quick = server()
    result = load_tester(loadtest, f"{quick.url}/x", "--users", "20", "--rate", "300", "--run-time", "6s", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    report = report_of(tmp_path / "r.json", loadtest)
    assert abs(report["aggregate"]["rps"] - 300) <= 15, report["aggregate"]
    assert sum(quick.answered.values()) >= report["aggregate"]["requests"]
    assert "open model, 300 req/s offered" in result.stdout


PATIENT = '''
import loadkit  # noqa: F401
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Patient(FastHttpUser):
    wait_time = constant(1)  # alone, four of these send four requests a second

    @task
    def read(self):
        self.client.get("/x")
'''


def test_workers_share_the_rate_and_pace_by_the_schedule(loadtest, server, tmp_path):
    """Two worker processes given nothing but the master's address: each takes half the rate and
    drops its users' own one-second waits, or four users could not send 120 requests a second."""
    (loadtest / "patient.py").write_text(PATIENT)
    quick = server()
    result = services.locust_master_with_workers(
        [sys.executable, "-m", "locust", "-f", str(loadtest / "patient.py")],
        ["-H", quick.url, "--users", "4", "--spawn-rate", "4", "--rate", "120", "--run-time", "6s", "--report-json", str(tmp_path / "r.json")],
        cwd=loadtest.parent,
    )
    report = report_of(tmp_path / "r.json", loadtest)
    assert report["model"] == "open" and report["rate"] == 120, result.stderr[-2000:]
    assert abs(report["aggregate"]["rps"] - 120) <= 12, report["aggregate"]
    assert report["aggregate"]["latencyMs"]["p50"] < 50  # paced by the schedule, not queued behind the waits


def test_rate_stages_ramp_the_schedule_and_end_the_run(loadtest, server, tmp_path):
    quick = server()
    result = load_tester(loadtest, f"{quick.url}/x", "--users", "20", "--stages", "2s:100/s,2s:300/s,1s:0/s", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    report = report_of(tmp_path / "r.json", loadtest)
    # The area under the ramps: 2 s rising to 100/s, 2 s rising to 300/s, 1 s falling to 0.
    assert 635 <= report["aggregate"]["requests"] <= 652  # the last slots may fall after the shape ends the run
    assert report["stageUnit"] == "requests/s" and [s["target"] for s in report["stages"]] == [100, 300, 0]
    offered = [t["offeredRps"] for t in report["timeline"] if t["offeredRps"] is not None]
    assert max(offered) > 200 and offered.index(max(offered)) > 1


def test_user_stages_ramp_the_users_of_the_closed_model(loadtest, server, tmp_path):
    quick = server()
    result = load_tester(loadtest, f"{quick.url}/x", "--stages", "2s:4,2s:8,1s:8", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    report = report_of(tmp_path / "r.json", loadtest)
    assert report["model"] == "closed" and report["stageUnit"] == "users"
    users = [t["users"] for t in report["timeline"] if t["users"] is not None]
    assert users[0] < 8 and max(users) == 8 and users.index(8) >= 2  # ramped, not started at 8


def test_find_max_converges_on_a_servers_capacity(loadtest, server, tmp_path):
    """A server that serves 250 requests a second, one at a time: past that, its queue grows
    without end and the P95 gate fails."""
    limited = server(capacity=250)
    result = load_tester(loadtest, f"{limited.url}/x", "--users", "50", "--find-max", "p95<50", "--step-time", "3s",
                    "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    search = report_of(tmp_path / "r.json", loadtest)["findMax"]
    assert 150 <= search["maxRate"] <= 262, search  # below the known capacity, and not far below it
    assert any(not step["passed"] and step["rate"] > 250 for step in search["steps"])
    assert f"highest rate {search['maxRate']:.1f} req/s meets p95<50" in result.stdout


def test_find_max_without_a_passing_rate_exits_1(loadtest, server, tmp_path):
    slow = server(capacity=4)
    result = load_tester(loadtest, f"{slow.url}/x", "--users", "5", "--find-max", "p95<1", "--step-time", "1s", "--rate", "2")
    assert result.returncode == 1
    assert "highest rate none" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--stages", "30s:50,1m:200/s"], "--stages mixes users and rates"),
    (["--stages", "soon:50"], "cannot read the duration 'soon'"),
    (["--rate", "10", "--stages", "5s:10/s"], "--rate and --stages both set the load"),
    (["--find-max", "p95<200", "--requests", "10"], "--find-max sets the rates and steps itself"),
    (["--warmup", "ten"], "--warmup: cannot read the duration 'ten'"),
])
def test_a_bad_load_option_is_refused_with_its_fix(loadtest, args, message):
    result = load_tester(loadtest, "http://127.0.0.1:9/x", *args, timeout=60)
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]


def test_warmup_requests_are_left_out_of_the_figures_and_the_budget(loadtest, server, tmp_path):
    quick = server()
    result = load_tester(loadtest, f"{quick.url}/x", "--users", "2", "--rate", "50", "--warmup", "1s", "--requests", "100",
                    "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    report = report_of(tmp_path / "r.json", loadtest)
    assert report["aggregate"]["requests"] == 100
    assert 40 <= report["warmup"]["requests"] <= 60
    assert sum(quick.answered.values()) == 100 + report["warmup"]["requests"]


def test_a_request_past_its_timeout_fails_as_a_timeout(loadtest, server, tmp_path):
    slow = server(delay=3)
    result = load_tester(loadtest, f"{slow.url}/x", "--users", "2", "--requests", "2", "--timeout", "0.5", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 1, result.stderr[-2000:]  # Locust's exit code when a request failed
    report = report_of(tmp_path / "r.json", loadtest)
    assert report["aggregate"]["failures"] == 2 and report["timeoutSeconds"] == 0.5, result.stderr[-2000:]
    assert report["errors"][0]["status"] is None and "Timeout" in report["errors"][0]["exception"]


RAISING = '''
import loadkit  # noqa: F401
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Raising(FastHttpUser):
    wait_time = constant(0)

    @task
    def read(self):
        with self.client.get("/x", catch_response=True) as response:
            response.json()["data"]  # a 404's body has no data: the block raises, and Locust fires no event
'''


def test_a_request_budget_ends_even_when_a_locustfile_loses_request_events(loadtest, server, tmp_path):
    (loadtest / "raising.py").write_text(RAISING)
    missing = server(statuses={"/x": 404})
    result = subprocess.run([sys.executable, "-m", "locust", "-f", str(loadtest / "raising.py"), "-H", missing.url, "--headless",
                             "--users", "3", "--requests", "20", "--report-json", str(tmp_path / "r.json")],
                            cwd=loadtest.parent, capture_output=True, text=True, timeout=60)
    assert (tmp_path / "r.json").exists(), result.stderr[-2000:]
    assert sum(missing.answered.values()) == 20


def locust_figures(stdout: str) -> tuple[dict[str, tuple[int, int]], dict[tuple[str, str, int], int]]:
    """Locust's own final figures, as it prints them when it shuts down: requests and failures per
    endpoint (its last stats table), and its error report ((method, name, status) -> occurrences)."""
    requests_by_name: dict[str, tuple[int, int]] = {}
    errors: dict[tuple[str, str, int], int] = {}
    lines = stdout.splitlines()
    for line in lines:
        match = re.match(r"^(GET|POST)\s+(/\w+)\s+(\d+)\s+(\d+)\(", line)
        if match:
            requests_by_name[f"{match[1]} {match[2]}"] = (int(match[3]), int(match[4]))
    if "Error report" in lines:
        for line in lines[lines.index("Error report") + 3:]:
            match = re.match(r"^(\d+)\s+(GET|POST) (/\w+): .*?\b([45]\d\d)\b", line)
            if not match:
                break
            errors[(match[2], match[3], int(match[4]))] = int(match[1])
    return requests_by_name, errors


def run_mixed(loadtest: Path, url: str, tmp_path: Path, *args: str, end=None) -> tuple[dict, str]:
    command = [sys.executable, "-m", "locust", "-f", str(loadtest / "mixed.py"), "-H", url, "--report-json", str(tmp_path / "r.json"), *args]
    proc = subprocess.Popen(command, cwd=loadtest.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if end is not None:
            end(proc)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (tmp_path / "r.json").exists(), out[-2000:] + err[-3000:]
    return report_of(tmp_path / "r.json", loadtest), out + err


def sigterm_after(seconds: float):
    def end(proc: subprocess.Popen) -> None:
        time.sleep(seconds)
        proc.send_signal(signal.SIGTERM)
    return end


def web_ui_stop(port: int):
    """Starts a run from the web UI, stops it there, then ends Locust with SIGTERM."""
    def end(proc: subprocess.Popen) -> None:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the web UI did not start"
                time.sleep(0.2)
        assert requests.post(f"{base}/swarm", data={"user_count": 6, "spawn_rate": 6}, timeout=5).ok
        time.sleep(3)
        assert requests.post(f"{base}/stop", timeout=30).ok
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
    return end


@pytest.mark.parametrize("ending", ["budget", "run time", "SIGTERM", "web UI stop", "SIGTERM to a master of two workers"])
def test_errors_are_counted_by_status_and_endpoint_exactly_as_locust_counts_them(loadtest, server, tmp_path, ending):
    known = server(statuses={"/a": (503, 3), "/b": 404})
    headless = ["--headless", "--users", "6", "--spawn-rate", "6"]
    port = services.free_port()
    args, end = {
        "budget": ([*headless, "--requests", "300"], None),
        "run time": ([*headless, "--run-time", "3s"], None),
        "SIGTERM": ([*headless], sigterm_after(3)),
        "web UI stop": (["--web-host", "127.0.0.1", "--web-port", str(port)], web_ui_stop(port)),
        "SIGTERM to a master of two workers": ([*headless, "--processes", "2"], sigterm_after(4)),
    }[ending]
    report, output = run_mixed(loadtest, known.url, tmp_path, *args, end=end)
    ours = {(e["endpoint"].split()[0], e["endpoint"].split()[1], e["status"]): e["count"] for e in report["errors"]}
    locust_requests, locust_errors = locust_figures(output)
    assert ours == locust_errors
    assert {e["name"]: (e["requests"], e["failures"]) for e in report["endpoints"]} == locust_requests
    assert {e["category"] for e in report["errors"]} == {"HTTP 503 on GET /a", "HTTP 404 on POST /b"}
    # Each failure was one the server gave: /b every time, /a every third time.
    assert ours[("POST", "/b", 404)] <= known.answered[("POST", "/b", 404)]
    assert ours[("GET", "/a", 503)] <= known.answered[("GET", "/a", 503)]
    if ending == "budget":
        assert report["aggregate"]["requests"] == 300 == sum(known.answered.values())


def test_compare_refuses_runs_that_measured_different_things_and_charts_comparable_ones(loadtest, server, tmp_path):
    quick = server()
    for name, args in (("get", []), ("get2", []), ("post", ["--method", "POST"]), ("open", ["--rate", "100"])):
        result = load_tester(loadtest, f"{quick.url}/x", "--users", "4", "--requests", "200", *args, "--report-json", str(tmp_path / f"{name}.json"))
        assert result.returncode == 0, result.stderr[-2000:]

    def compare(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(loadtest / "compare.py"), *args], capture_output=True, text=True, timeout=60)

    refused = compare(str(tmp_path / "get.json"), str(tmp_path / "post.json"))
    assert refused.returncode == 2
    assert "not comparable: they called different endpoints: only the baseline GET /x; only the current run POST /x" in refused.stderr
    assert "--force" in refused.stderr
    model = compare(str(tmp_path / "get.json"), str(tmp_path / "open.json"))
    assert model.returncode == 2 and "the baseline ran the closed model, the current run the open model at 100 req/s" in model.stderr
    forced = compare(str(tmp_path / "get.json"), str(tmp_path / "post.json"), "--force", "--target", "p95<10000")
    assert forced.returncode == 0 and "WARNING, compared anyway" in forced.stderr

    html_file = tmp_path / "comparison.html"
    same = compare(str(tmp_path / "get.json"), str(tmp_path / "get2.json"), "--target", "p95<10000", "--html", str(html_file))
    assert same.returncode == 0, same.stderr
    dom = chromium_dom(html_file.as_uri())
    assert "Latency by percentile, both runs" in dom and "baseline (get.json)" in dom and "current (get2.json)" in dom
    assert dom.count("<polyline") == 2
    for tick in ("P50", "P90", "P99", "P99.9", "latency (ms)"):
        assert tick in dom


def test_the_html_report_has_labelled_axes_and_the_open_models_offered_rate(loadtest, server, tmp_path):
    quick = server()
    result = load_tester(loadtest, f"{quick.url}/x", "--users", "5", "--rate", "100", "--run-time", "4s", "--output", "html",
                    "--save", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr[-2000:]
    dom = chromium_dom((tmp_path / "r.html").as_uri())
    for text in ("Latency over time", "Throughput over time", "Users over time", "Latency by percentile", "requests per second",
                 "time since the first request (s)", "simulated users", "offered", "open model, 100 req/s offered"):
        assert text in dom, text
    assert dom.count('text-anchor="end">') >= 12  # y-axis tick labels on every chart



class PerRowServer(KnownServer):
    """GET /lists/1: ten item ids in one statement, then each item's name in a statement of its
    own (the N+1 pattern), over a table of 5,000 rows."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)
        self.conn.execute("CREATE TABLE items (id serial PRIMARY KEY, list_id int NOT NULL, name text NOT NULL)")
        self.conn.execute("INSERT INTO items (list_id, name) SELECT n % 50, 'item ' || n FROM generate_series(1, 5000) AS n")
        self.conn.execute("CREATE INDEX items_list_id_idx ON items (list_id)")
        self.conn.execute("ANALYZE items")
        self.query_lock = threading.Lock()
        super().__init__()

    def serve(self, method: str, path: str) -> int:
        if not path.startswith("/lists/"):
            return 404  # the analyzer looks for /metrics: this server has none
        with self.query_lock:
            ids = [row[0] for row in self.conn.execute("SELECT id FROM items WHERE list_id = %s ORDER BY id LIMIT 10", (1,))]
            for item in ids:
                self.conn.execute("SELECT name FROM items WHERE id = %s", (item,)).fetchone()
        return super().serve(method, path)


def analyze(loadtest: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(loadtest / "analyze.py"), *args], cwd=loadtest.parent, capture_output=True, text=True,
                          timeout=180, env={**os.environ, **(env or {})})


def test_analyze_finds_a_query_per_row_and_the_compare_table_shows_the_fix(loadtest, postgres_admin_url, tmp_path):
    url = services.create_database(postgres_admin_url, "analyze_n_plus_one")
    per_row = PerRowServer(url)
    try:
        result = analyze(loadtest, f"{per_row.url}/lists/1", "--requests", "200", "--users", "4", "--database-url", url,
                         "--save", str(tmp_path / "before.json"))
    finally:
        per_row.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "before.json").read_text())
    jsonschema.validate(report, json.loads((loadtest / "analysis.schema.json").read_text()))
    assert report["pgStatStatements"] and report["load"]["requests"] == 200
    assert 10.9 <= report["statementsPerRequest"] <= 11.1  # one list statement and ten per-row ones
    n_plus_one = [r for r in report["recommendations"] if r["kind"] == "n+1"]
    assert len(n_plus_one) == 1 and "SELECT name FROM items WHERE id = $1" in n_plus_one[0]["statement"]
    assert "runs 10.0 times per request" in n_plus_one[0]["why"] and "ANY($1)" in n_plus_one[0]["fix"]
    assert "[n+1] the same statement runs 10.0 times per request" in result.stdout
    assert "/metrics      not read" in result.stdout  # this server has no metrics: said, and the rest analysed

    fixed = KnownServer()  # the same endpoint without a statement at all
    try:
        again = analyze(loadtest, f"{fixed.url}/lists/1", "--requests", "200", "--users", "4", "--database-url", url,
                        "--save", str(tmp_path / "after.json"), "--compare", str(tmp_path / "before.json"))
    finally:
        fixed.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"statements per request\s+11\.00\s+0\.00\s+-100\.0%  better", again.stdout), again.stdout


def test_analyze_without_pg_stat_statements_says_how_to_enable_it(loadtest, tmp_path):
    server = services.PostgresServer()  # started without shared_preload_libraries
    subprocess.run([*services._as_postgres_user(), "pg_ctl", "-D", str(server.data), "-o",
                    f"-p {server.port} -k {server.base} -c listen_addresses=127.0.0.1 -c fsync=off", "-l", str(server.base / "log"), "-w", "start"],
                   check=True, capture_output=True)
    quick = KnownServer()
    try:
        result = analyze(loadtest, f"{quick.url}/x", "--requests", "50", "--database-url", server.admin_url, "--save", str(tmp_path / "a.json"))
    finally:
        quick.stop()
        server.remove()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pg_stat_statements is not enabled on this server" in result.stdout
    assert "shared_preload_libraries = 'pg_stat_statements'" in result.stdout and "CREATE EXTENSION pg_stat_statements" in result.stdout
    report = json.loads((tmp_path / "a.json").read_text())
    jsonschema.validate(report, json.loads((loadtest / "analysis.schema.json").read_text()))
    assert report["load"]["requests"] == 50 and not report["pgStatStatements"] and report["statements"] == []


def test_analyze_refuses_an_endpoint_nobody_answers(loadtest, postgres_admin_url):
    result = analyze(loadtest, f"http://127.0.0.1:{services.free_port()}/x", "--requests", "5", "--database-url", postgres_admin_url)
    assert result.returncode == 2
    assert "every request to" in result.stderr and "ConnectionRefusedError" in result.stderr and "is the API running there?" in result.stderr
