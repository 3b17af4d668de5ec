"""The generated loadtest/ folder (Locust + loadkit.py) against a generated Fastify API on loopback."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import requests

from tests import services
from tests.browser import chromium_dom, chromium_screenshot, png_colours
from tests.projects import start_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fastify-typescript-full")]

# Records every response time exactly, to check the report's HDR percentiles against.
RAW_RECORDER = '''
import json, os
from locust import events
TIMES = []

@events.request.add_listener
def _raw(response_time, **_kw):
    TIMES.append(response_time)

@events.quitting.add_listener
def _dump(environment, **_kw):
    with open(os.environ["RAW_TIMES_FILE"], "w") as handle:
        json.dump(TIMES, handle)
'''


@pytest.fixture(scope="module")
def project(get_project):
    return get_project("fastify-typescript", "full")


@pytest.fixture(scope="module")
def server(project):
    project.db("seed", "--users", "10", "--posts", "2", "--comments", "1", "--likes", "1", "--replace")  # the accounts locustfile.py logs in as
    running = start_server(project, AUTH_RATE_LIMIT_MAX="1000000", AUTH_ACCOUNT_RATE_LIMIT_MAX="1000000", UNVERIFIED_USER_ACCESS="full")
    yield running
    running.stop()


def locust(project, *args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "locust", "--config", "loadtest/locust.conf", *args],
        cwd=project.path, env={**project.env, **(env or {})}, capture_output=True, text=True, timeout=timeout,
    )


def served(server, route: str) -> int:
    """How many requests the API itself counted for a route (from its Prometheus metrics)."""
    text = requests.get(f"{server.base_url}/metrics", timeout=5).text
    pattern = re.compile(r'http_request_duration_seconds_count\{[^}]*route="' + re.escape(route) + r'"[^}]*\} (\d+)')
    return sum(int(n) for n in pattern.findall(text))


def test_an_impossible_gate_fails_the_run_and_says_by_how_much(project, server, tmp_path):
    result = locust(project, "-f", "loadtest/endpoint.py", "--headless", "--endpoint", f"{server.base_url}/health",
                    "--users", "2", "--spawn-rate", "2", "--requests", "50", "--gates", "p95<0.001,error_rate<1%")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"FAIL  p95<0\.001: p95 is [\d.]+ ms, [\d.]+ ms \(\d+%\) over the limit of 0\.001 ms", result.stdout)
    assert "PASS  error_rate<1%" in result.stdout


def test_an_unreadable_gate_is_refused_before_the_run(project, server):
    result = locust(project, "-f", "loadtest/endpoint.py", "--headless", "--endpoint", f"{server.base_url}/health", "--gates", "p95 under 200")
    assert result.returncode == 2
    assert "cannot read the gate 'p95 under 200'" in result.stderr


def test_the_request_budget_sends_exactly_n_requests(project, server, tmp_path):
    before = served(server, "/api/posts")
    result = locust(project, "-f", "loadtest/endpoint.py", "--headless", "--endpoint", f"{server.base_url}/api/posts?limit=5",
                    "--users", "7", "--spawn-rate", "7", "--requests", "253", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((tmp_path / "r.json").read_text())["aggregate"]["requests"] == 253
    assert served(server, "/api/posts") - before == 253, "the server saw a different number of requests"


def test_generic_mode_sends_the_body_and_headers_files(project, server, tmp_path):
    account = requests.post(f"{server.base_url}/api/auth/register", json={"email": f"gen-{time.time_ns()}@example.com", "password": "Generic-pass1", "name": "G"}, timeout=10).json()
    (tmp_path / "body.json").write_text(json.dumps({"title": "From a file", "content": "Posted by the generic mode"}))
    (tmp_path / "headers.json").write_text(json.dumps({"Authorization": f"Bearer {account['tokens']['accessToken']}"}))
    result = locust(project, "-f", "loadtest/endpoint.py", "--headless", "--endpoint", f"{server.base_url}/api/posts", "--method", "POST",
                    "--data", str(tmp_path / "body.json"), "--headers", str(tmp_path / "headers.json"), "--users", "2", "--requests", "12",
                    "--gates", "error_rate<1%", "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert json.loads((tmp_path / "r.json").read_text())["endpoints"][0]["name"] == "POST /api/posts"


def test_json_report_follows_its_schema_and_its_p95_is_the_exact_one(project, server, tmp_path):
    (tmp_path / "raw.py").write_text(RAW_RECORDER)
    result = locust(project, "-f", f"loadtest/endpoint.py,{tmp_path / 'raw.py'}", "--headless", "--endpoint", f"{server.base_url}/api/posts",
                    "--users", "8", "--spawn-rate", "8", "--requests", "600", "--report-json", str(tmp_path / "r.json"),
                    env={"RAW_TIMES_FILE": str(tmp_path / "raw.json")})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text())
    schema = json.loads((project.path / "loadtest" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    times = sorted(json.loads((tmp_path / "raw.json").read_text()))
    assert len(times) == 600
    exact_p95 = times[int(0.95 * len(times)) - 1]  # nearest rank
    reported = report["aggregate"]["latencyMs"]["p95"]
    # HDR keeps 3 significant digits: within 0.1% (and the microsecond the histogram counts in).
    assert abs(reported - exact_p95) <= exact_p95 * 0.001 + 0.002, (reported, exact_p95)
    broken = copy.deepcopy(report)
    del broken["aggregate"]["latencyMs"]["p95"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_compare_passes_an_improvement_and_flags_a_regression(project, server, tmp_path):
    result = locust(project, "-f", "loadtest/endpoint.py", "--headless", "--endpoint", f"{server.base_url}/api/posts",
                    "--users", "4", "--requests", "300", "--report-json", str(tmp_path / "baseline.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    baseline = json.loads((tmp_path / "baseline.json").read_text())

    def variant(name: str, latency: float, throughput: float) -> str:
        report = copy.deepcopy(baseline)
        for key in report["aggregate"]["latencyMs"]:
            report["aggregate"]["latencyMs"][key] *= latency
        report["aggregate"]["rps"] *= throughput
        (tmp_path / name).write_text(json.dumps(report))
        return str(tmp_path / name)

    def compare(current: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "loadtest/compare.py", str(tmp_path / "baseline.json"), current],
                              cwd=project.path, capture_output=True, text=True, timeout=30)

    better = compare(variant("better.json", latency=0.5, throughput=2.0))
    assert better.returncode == 0, better.stdout
    assert "All targets met." in better.stdout
    worse = compare(variant("worse.json", latency=1.8, throughput=0.7))
    assert worse.returncode == 1
    assert re.search(r"MISSED  average latency: .* \(\+80\.0%\); wanted lower by 30% or more", worse.stdout)
    assert "MISSED  throughput" in worse.stdout
    unreadable = compare(str(tmp_path / "missing.json"))
    assert unreadable.returncode == 2 and "cannot read" in unreadable.stderr


def test_html_report_renders_in_a_browser(project, server, tmp_path):
    result = locust(project, "--headless", "-H", server.base_url, "--users", "4", "--spawn-rate", "4", "--run-time", "5s",
                    "--gates", "error_rate<1%", "--report-html", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr[-2000:]
    url = (tmp_path / "r.html").as_uri()
    dom = chromium_dom(url)
    for expected in ("Load test report", "Latency over time", "Latency by percentile", "GET list posts", "All gates passed."):
        assert expected in dom
    assert dom.count("<polyline") >= 5
    shot = chromium_screenshot(url, tmp_path / "report.png")
    assert png_colours(shot) >= 8, "the screenshot is blank"


def test_locust_web_ui_renders_in_a_browser(project, server, tmp_path):
    port = services.free_port()
    ui = subprocess.Popen([sys.executable, "-m", "locust", "--config", "loadtest/locust.conf", "-H", server.base_url,
                           "--web-host", "127.0.0.1", "--web-port", str(port)], cwd=project.path, env=project.env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the Locust web UI did not start"
            time.sleep(0.3)
        dom = chromium_dom(f"http://127.0.0.1:{port}/")
        assert "Number of users" in dom and server.base_url in dom
        shot = chromium_screenshot(f"http://127.0.0.1:{port}/", tmp_path / "ui.png")
        assert png_colours(shot) >= 8
    finally:
        ui.terminate()
        ui.wait(timeout=20)


def test_a_master_with_two_workers_completes_and_merges_percentiles(project, server, tmp_path):
    locust = [sys.executable, "-m", "locust", "--config", "loadtest/locust.conf", "-f", "loadtest/endpoint.py", "--endpoint", f"{server.base_url}/api/posts"]
    result = services.locust_master_with_workers(locust, ["--users", "6", "--spawn-rate", "6", "--requests", "400", "--report-json", str(tmp_path / "r.json")],
                                                 cwd=project.path, env=project.env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["aggregate"]["requests"] == 400
    latency = report["aggregate"]["latencyMs"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert sum(t["requests"] for t in report["timeline"]) == 400


def test_the_original_products_command_line_positional_endpoint_output_and_save(project, server, tmp_path):
    def tester(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "loadtest/api_load_tester.py", *args], cwd=project.path, env=project.env,
                              capture_output=True, text=True, timeout=120)

    result = tester(f"{server.base_url}/api/posts?limit=5", "--users", "3", "--requests", "40", "--output", "json", "--save", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["aggregate"]["requests"] == 40 and saved["endpoints"][0]["name"] == "GET /api/posts"
    assert json.loads(result.stdout[result.stdout.index("{"):])["aggregate"]["requests"] == 40  # --output json also prints it

    result = tester(f"{server.base_url}/health", "--users", "2", "--requests", "10", "--output", "text", "--save", str(tmp_path / "r.txt"))
    assert result.returncode == 0 and "10 requests in" in (tmp_path / "r.txt").read_text()
    assert " 0.0 s" not in (tmp_path / "r.txt").read_text()  # a short run reads in milliseconds

    refused = tester(f"{server.base_url}/health", "--output", "html")
    assert refused.returncode == 2 and "--output html writes a file: add --save FILE" in refused.stderr


def test_analyze_finds_the_index_the_database_lacks_and_recommends_it(project, server, tmp_path):
    """The template's index on comments (post_id, created_at DESC, id DESC), dropped in this test's
    database over 1,200 comments: the analyzer sees the sequential scan under the post's comments
    page and gives the index back as a statement to run."""
    import psycopg

    with psycopg.connect(project.env["DATABASE_URL"], autocommit=True) as conn:
        post_id = conn.execute("SELECT id FROM posts WHERE published ORDER BY id LIMIT 1").fetchone()[0]  # a draft is a 404
        conn.execute("INSERT INTO comments (content, post_id, author_id) SELECT 'filler ' || n, p.id, p.author_id "
                     "FROM posts p, generate_series(1, 60) AS n")
        conn.execute("DROP INDEX comments_post_id_created_at_id_idx")
        conn.execute("ANALYZE comments")
        try:
            result = subprocess.run(
                [sys.executable, "loadtest/analyze.py", f"{server.base_url}/api/posts/{post_id}/comments", "--requests", "300",
                 "--save", str(tmp_path / "analysis.json")],
                cwd=project.path, env=project.env, capture_output=True, text=True, timeout=180,
            )
        finally:
            conn.execute("CREATE INDEX comments_post_id_created_at_id_idx ON comments (post_id, created_at DESC, id DESC)")
            conn.execute("DELETE FROM comments WHERE content LIKE 'filler %'")
            conn.execute("DROP EXTENSION IF EXISTS pg_stat_statements")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wanted = "CREATE INDEX CONCURRENTLY comments_post_id_created_at_id_idx ON comments (post_id, created_at DESC, id DESC);"
    assert wanted in result.stdout
    report = json.loads((tmp_path / "analysis.json").read_text())
    index = [r for r in report["recommendations"] if r["kind"] == "index"]
    assert index[0]["fix"].startswith(wanted) and "sequential scan of comments" in index[0]["why"]
    assert "Seq Scan on comments" in result.stdout  # the plan it read
    assert report["pool"] is not None and report["apiCache"] is not None  # the API's /metrics were read
