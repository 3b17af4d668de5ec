"""The production topology of docker-compose.yml on real servers (Debian's nginx, PgBouncer and
Prometheus): the generated deploy/nginx.conf in front of two replicas, the generated
deploy/pgbouncer/pgbouncer.ini (transaction mode) between the API and PostgreSQL, and the generated
deploy/prometheus/ configuration scraping the API, with every panel of deploy/grafana/dashboard.json
showing data."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import subprocess
import threading
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from tests import services
from tests.conftest import STACKS_GRAPHQL
from tests.projects import entry_point, start_server
from tests.reliability.conftest import wait_until

pytestmark = pytest.mark.slow
LIMIT = 3  # AUTH_RATE_LIMIT_MAX of the replicas behind the proxy


def requests_served(base_url: str, route: str) -> int:
    """How many requests to `route` this replica answered, from its own /metrics."""
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    pattern = re.compile(r'^http_request_duration_seconds_count\{[^}]*route="' + re.escape(route) + r'"[^}]*\} (\d+)', re.M)
    return sum(int(count) for count in pattern.findall(text))


def migrate(project, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["python3", "tools/db.py", "migrate"], cwd=project.path, env={**project.env, **env},
                          capture_output=True, text=True, timeout=120)


CLIENT = "127.0.0.3"  # the test's client address: not the proxy's (127.0.0.1), not a forged one


def log_in(stack: str, base_url: str, headers: dict[str, str]) -> int:
    """A failed login from CLIENT (the credential limit counts it); the status it stands for."""
    credentials = {"email": "nobody@example.com", "password": "Wrong-pass9"}
    if stack in STACKS_GRAPHQL:
        path, body = "/graphql", {"query": "mutation ($input: LoginInput!) { login(input: $input) { accessToken } }", "variables": {"input": credentials}}
    else:
        path, body = "/api/auth/login", credentials
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(CLIENT, 0))
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        connection.close()
    if stack in STACKS_GRAPHQL:
        return 429 if answer["errors"][0]["extensions"].get("code") == "RATE_LIMITED" else 401
    return response.status


@pytest.fixture(scope="module")
def proxied(full_stack):
    project = full_stack.project
    replicas = [start_server(project, **full_stack.env, TRUST_PROXY="1", AUTH_RATE_LIMIT_MAX=str(LIMIT)) for _ in range(2)]
    proxy = services.Nginx((project.path / "deploy/nginx.conf").read_text(), [replica.base_url.removeprefix("http://") for replica in replicas])
    yield proxy, replicas
    proxy.stop()
    assert all(replica.stop() == 0 for replica in replicas)


def test_the_proxy_balances_requests_across_both_replicas(proxied):
    proxy, replicas = proxied
    before = [requests_served(replica.base_url, "/health/ready") for replica in replicas]
    for _ in range(20):
        assert requests.get(f"{proxy.url}/health/ready", timeout=10).status_code == 200
    served = [requests_served(replica.base_url, "/health/ready") - start for replica, start in zip(replicas, before)]
    assert sum(served) == 20 and min(served) >= 5, served


def test_the_api_sees_the_clients_address_so_a_forged_forwarded_for_buys_no_fresh_limit(proxied, full_stack):
    proxy, replicas = proxied
    full_stack.empty_redis(*(replica.base_url for replica in replicas))  # one limit across both replicas, from zero
    statuses = [log_in(full_stack.project.stack, proxy.url, {"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(LIMIT + 2)]
    assert statuses[:LIMIT] == [401] * LIMIT and statuses[LIMIT:] == [429, 429], statuses
    # The security events of those logins carry the client's own address: not the proxy's, not a forged one.
    def events() -> list[dict]:
        return [json.loads(line) for replica in replicas for line in list(replica.lines) if '"securityEvent":' in line]

    wait_until(lambda: sum(event["securityEvent"] == "login_failed" for event in events()) >= LIMIT, timeout=10)
    assert {event.get("clientIp") for event in events()} == {CLIENT}, events()


def test_the_proxy_compresses_large_json_and_leaves_small_answers_alone(proxied, full_stack):
    proxy, _ = proxied
    if full_stack.project.stack in STACKS_GRAPHQL:
        query = "{ " + " ".join(f"field{n}: __typename" for n in range(200)) + " }"
        large = requests.post(f"{proxy.url}/graphql", json={"query": query}, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    else:
        large = requests.get(f"{proxy.url}/docs/json", headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    body = large.raw.read(decode_content=False)
    assert large.headers["content-encoding"] == "gzip", large.headers
    assert len(json.loads(gzip.decompress(body))) > 0 and len(body) < len(gzip.decompress(body)) / 3
    small = requests.get(f"{proxy.url}/health", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert "content-encoding" not in small.headers


def test_a_body_over_the_limit_is_refused_by_the_proxy_as_problem_json(proxied, full_stack):
    proxy, _ = proxied
    path = "/graphql" if full_stack.project.stack in STACKS_GRAPHQL else "/api/auth/register"
    refused = requests.post(f"{proxy.url}{path}", data=b"{" + b" " * 200_000 + b"}", headers={"Content-Type": "application/json"}, timeout=10)
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "payload_too_large"


@pytest.fixture(scope="module")
def pooled(full_stack):
    project = full_stack.project
    bouncer = services.PgBouncer.in_front_of(project.path, full_stack.database_url)
    # twelve users register from one address
    server = start_server(project, **{**full_stack.env, **bouncer.api_env(), "AUTH_RATE_LIMIT_MAX": "1000"})
    yield bouncer, server, bouncer.database
    assert server.stop() == 0
    bouncer.stop()


def test_the_api_serves_concurrent_users_through_pgbouncer_in_transaction_mode(pooled, full_stack):
    bouncer, server, database = pooled
    api = full_stack.client(server.base_url)
    failures: list[object] = []

    def user() -> None:
        try:
            token = api.register()["accessToken"]
            for n in range(5):
                created = api.create_post(token, f"Pooled {uuid.uuid4().hex[:6]} {n}")
                if created.status not in (200, 201):
                    failures.append(created)
                if api.me(token).status != 200:
                    failures.append("me")
                api.first_page()
        except Exception as exc:  # noqa: BLE001 - every failure is reported together below
            failures.append(exc)

    threads = [threading.Thread(target=user) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures[:5]
    # The statement timeout reaches every server connection through connect_query.
    with psycopg.connect(bouncer.url(database), autocommit=True) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "5s"


def test_db_migrate_pointed_at_the_pooler_refuses_and_names_direct_database_url(pooled, full_stack):
    bouncer, _, database = pooled
    project = full_stack.project
    pooler_url = bouncer.url(database).replace(f":{bouncer.port}/", ":6432/")  # PgBouncer's port, as a deployment has it
    refused = migrate(project, DATABASE_URL=pooler_url)
    assert refused.returncode == 2 and "DIRECT_DATABASE_URL" in refused.stderr, refused.stderr
    direct = migrate(project, DATABASE_URL=pooler_url, DIRECT_DATABASE_URL=full_stack.database_url)
    assert direct.returncode == 0, direct.stderr


@pytest.fixture(scope="module")
def monitored(full_stack):
    project = full_stack.project
    server = start_server(project, **{**full_stack.env, "AUTH_RATE_LIMIT_MAX": "2"})
    full_stack.empty_redis(server.base_url)  # the credential counters of the tests above go with it
    prometheus = services.Prometheus((project.path / "deploy/prometheus/prometheus.yml").read_text(),
                                     (project.path / "deploy/prometheus/alerts.yml").read_text(), [server.base_url.removeprefix("http://")])
    yield prometheus, server
    prometheus.stop()
    assert server.stop() == 0


def test_prometheus_scrapes_the_api_and_every_dashboard_panel_shows_data_after_a_short_load(monitored, full_stack):
    prometheus, server = monitored
    wait_until(lambda: prometheus.query('up{job="api"} == 1'), timeout=30)
    api = full_stack.client(server.base_url)
    for _ in range(3):
        api.first_page()  # the first page cached: a miss, then hits
    api.register()  # a verification mail
    for _ in range(4):
        api.login("nobody@example.com", "Wrong-pass9")  # the last two refused by the limit (2)
    requests.get(f"{server.base_url}/nowhere", timeout=10)  # a 404
    dashboard = json.loads((full_stack.project.path / "deploy/grafana/dashboard.json").read_text())
    for panel in dashboard["panels"]:
        expr = panel["targets"][0]["expr"]
        try:
            wait_until(lambda expr=expr: prometheus.query(expr), timeout=30)
        except AssertionError:
            raise AssertionError(f"the panel {panel['title']!r} shows no data: {expr}") from None
    # What the load did shows as what it was, not only as a series.
    value = lambda expr: sum(float(series["value"][1]) for series in prometheus.query(expr))  # noqa: E731
    assert value('sum(db_pool_connections{job="api", state=~"in_use|idle"})') >= 1
    assert value('sum(increase(cache_lookups_total{job="api", result="hit"}[1m]))') > 0
    assert value('sum(rate_limit_refusals_total{job="api"})') > 0  # appears with its first refusal: no increase to see yet
    assert value('sum(increase(mail_deliveries_total{job="api", result="sent"}[1m]))') > 0
    assert value('sum(http_request_duration_seconds_count{job="api", status_code="404"})') > 0
    rules = requests.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"][0]["rules"]
    assert {rule["name"] for rule in rules} >= {"ApiReplicaDown", "ApiLatencyP95Above200ms", "ApiErrorRateAbove1Percent", "DatabasePoolSaturated"}
    assert all(rule["health"] in ("ok", "unknown") for rule in rules), rules
    assert not prometheus.query("ALERTS{alertstate=\"firing\"}")  # a healthy API pages nobody


@pytest.fixture
def traced(full_stack):
    receiver = services.OtlpReceiver()
    # Exports wait a minute: the spans of the test arrive only through the flush at shutdown.
    server = start_server(full_stack.project, **full_stack.env, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
                          OTEL_BSP_SCHEDULE_DELAY="60000", OTEL_SERVICE_NAME="traced-api")
    full_stack.empty_redis(server.base_url)  # the first page is not cached: PostgreSQL answers it
    yield receiver, server
    server.stop()
    receiver.stop()


def test_a_request_is_traced_with_its_postgresql_and_redis_calls_under_its_request_id(traced, full_stack):
    receiver, server = traced
    assert requests.get(f"{server.base_url}/health", timeout=10).status_code == 200
    if full_stack.project.stack in STACKS_GRAPHQL:
        response = requests.post(f"{server.base_url}/graphql", json={"query": "{ posts { nodes { id } } }"}, timeout=10)
    else:
        response = requests.get(f"{server.base_url}/api/posts", timeout=10)
    assert response.status_code == 200 and "errors" not in response.json()
    request_id = response.headers["x-request-id"]
    assert server.stop() == 0
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}

    (root,) = [span for span in receiver.spans if span["attributes"].get("request.id") == request_id]
    assert root["parent"] is None and root["scope"] == "@opentelemetry/instrumentation-http"
    assert root["attributes"]["http.response.status_code"] == 200
    children = [span for span in receiver.spans if span["trace"] == root["trace"] and span["parent"] == root["id"]]
    systems = {span["attributes"].get("db.system.name") for span in children}
    assert {"postgresql", "redis"} <= systems, [span["name"] for span in children]
    sql = [span for span in children if span["attributes"].get("db.system.name") == "postgresql" and "db.query.text" in span["attributes"]]
    assert any("SELECT" in span["attributes"]["db.query.text"] for span in sql)
    # Probes are not traced, and every request span names its own request.
    assert not any(span["attributes"].get("url.path") == "/health" for span in receiver.spans)
    assert all("request.id" in span["attributes"] for span in receiver.spans if span["parent"] is None)


def test_a_bad_collector_address_stops_the_api_with_the_variable_to_fix(full_stack):
    proc = subprocess.run(["node", entry_point(full_stack.project.stack)], cwd=full_stack.project.path, capture_output=True, text=True, timeout=30,
                          env={**full_stack.project.env, **full_stack.env, "NODE_ENV": "production", "PORT": str(services.free_port()),
                               "OTEL_EXPORTER_OTLP_ENDPOINT": "otel-collector:4318"})
    assert proc.returncode == 1
    assert "OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL" in proc.stderr
