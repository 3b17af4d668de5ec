"""Slow tier: a generated project installs, checks, migrates, tests, boots, serves and load-tests itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.browser import chromium_dom
from tests import services
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, run
from tests.projects import own_redis_database, start_server

CASES = [(stack, variant) for stack in STACKS_REST + STACKS_GRAPHQL for variant in ("full", "minimal")]
REST_CASES = [case for case in CASES if case[0] in STACKS_REST]

pytestmark = pytest.mark.slow


@pytest.fixture(params=CASES, ids=[f"{s}-{v}" for s, v in CASES])
def project(request, get_project):
    stack, variant = request.param
    return get_project(stack, variant)


def test_typecheck_lint_and_format_check_pass(project):
    project.npm("run", "typecheck")
    project.npm("run", "lint")
    project.npm("run", "format:check")


def test_npm_audit_finds_no_high_or_critical_vulnerability(project):
    proc = subprocess.run(["npm", "audit", "--audit-level=high"], cwd=project.path, env=project.env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 and re.search(r"audit endpoint returned an error|E405|ENOTFOUND|EAI_AGAIN|ECONNREFUSED", proc.stderr + proc.stdout):
        pytest.skip("npm's audit service cannot be reached from this machine; the generated CI runs `npm audit` on every push")
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_migrations_lint_rehearse_and_go_up_down_and_up_again(project):
    assert "0 destructive finding(s) not allowed" in project.npm("run", "db:lint").stdout
    assert "Rehearsal passed" in project.npm("run", "db:rehearse").stdout
    project.db("migrate")
    status = subprocess.run(["python3", "tools/db.py", "status"], cwd=project.path, env=project.env, capture_output=True, text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    project.db("rollback", "--steps", "1000", "--yes")
    pending = subprocess.run(["python3", "tools/db.py", "status"], cwd=project.path, env=project.env, capture_output=True, text=True)
    assert pending.returncode == 3 and "pending" in pending.stdout
    project.db("migrate")


def test_rollback_without_confirmation_is_refused_in_batch_mode(project):
    proc = subprocess.run(["python3", "tools/db.py", "rollback"], cwd=project.path, env=project.env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 5 and "--yes" in proc.stderr


def test_the_projects_schema_test_catches_prisma_drifting_from_the_migrations(project):
    schema = project.path / "prisma" / "schema.prisma"
    original = schema.read_text()
    jest = ["node", "--experimental-vm-modules", "node_modules/jest/bin/jest.js", "tests/schema.test.ts"]
    try:
        schema.write_text(re.sub(r"^(  name\s+)String$", r"\1String?", original, count=1, flags=re.MULTILINE))
        assert schema.read_text() != original
        drifted = subprocess.run(jest, cwd=project.path, env=project.env, capture_output=True, text=True, timeout=300)
        assert drifted.returncode != 0
        assert "Changed the `users` table" in drifted.stderr + drifted.stdout
        assert "Altered column `name` (changed from Required to Nullable)" in drifted.stderr + drifted.stdout
    finally:
        schema.write_text(original)
    subprocess.run(jest, cwd=project.path, env=project.env, capture_output=True, text=True, timeout=300, check=True)


def test_the_projects_own_test_suite_passes_with_coverage(project):
    result = project.npm("test", timeout=900)
    assert "Tests:" in result.stdout + result.stderr


def test_built_server_serves_health_and_shuts_down_cleanly_on_sigterm(project):
    server = start_server(project)
    try:
        assert requests.get(f"{server.base_url}/health", timeout=5).json()["status"] == "ok"
        ready = requests.get(f"{server.base_url}/health/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        if project.stack in STACKS_GRAPHQL:
            answer = requests.post(f"{server.base_url}/graphql", json={"query": "{ posts(first: 1) { nodes { id } } }"}, timeout=5)
            # Other tests of this project may have written posts already: the shape is what is checked.
            body = answer.json()
            assert "errors" not in body, body
            assert isinstance(body["data"]["posts"]["nodes"], list) and all(set(node) == {"id"} for node in body["data"]["posts"]["nodes"])
            # Production: no sandbox page, no introspection.
            page = requests.get(f"{server.base_url}/graphql", headers={"accept": "text/html"}, timeout=5)
            assert "apollographql" not in page.text
            schema = requests.post(f"{server.base_url}/graphql", json={"query": "{ __schema { types { name } } }"}, timeout=5)
            assert schema.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        else:
            docs = requests.get(f"{server.base_url}/docs", timeout=5, allow_redirects=True)
            assert docs.status_code == 200 and "swagger" in docs.text.lower()
    finally:
        assert server.stop() == 0


def test_the_images_compile_cache_step_loads_the_app_without_configuration_and_fills_the_cache(project, tmp_path):
    """The Dockerfile's RUN that puts V8's compiled code in the image, run as the image runs it (no
    .env, no services), into a folder made as the image makes it; and its check that fails the build
    when nothing could be written (a folder the user may not write)."""
    dockerfile = project.path / "Dockerfile"
    if not dockerfile.exists():
        pytest.skip("this variant has no Dockerfile")
    runtime = dockerfile.read_text().split(" AS runtime", 1)[1]
    assert "NODE_COMPILE_CACHE=/app/.compile-cache" in runtime
    assert "RUN mkdir /app/.compile-cache && chown node:node /app/.compile-cache" in runtime
    step = next(line for line in runtime.splitlines() if line.startswith("RUN node "))
    app = tmp_path / "app"
    shutil.copytree(project.path / "dist", app / "dist")
    (app / "node_modules").symlink_to(project.path / "node_modules")
    shutil.copy(project.path / "package.json", app)

    def build_step(cache: Path) -> subprocess.CompletedProcess:
        env = {"PATH": project.env["PATH"], "NODE_ENV": "production", "NODE_COMPILE_CACHE": str(cache), "HOME": str(tmp_path)}
        return subprocess.run(["sh", "-c", step.removeprefix("RUN ")], cwd=app, env=env, capture_output=True, text=True, timeout=120)

    cache = tmp_path / "compile-cache"
    cache.mkdir()
    loaded = build_step(cache)
    assert loaded.returncode == 0, loaded.stderr
    written = [file for file in cache.rglob("*") if file.is_file()]
    assert written and sum(file.stat().st_size for file in written) > 1_000_000  # the dependencies, not only the app

    # A cache folder that cannot be made (below a file; the image's user below a root-owned folder).
    (tmp_path / "a-file").write_text("")
    assert build_step(tmp_path / "a-file" / "compile-cache").returncode != 0


def test_a_request_in_flight_at_sigterm_is_answered_before_exit(project):
    # Rate-limit counters live in the Redis the other suites share: keep the limit out of the way.
    server = start_server(project, AUTH_RATE_LIMIT_MAX="100000", AUTH_ACCOUNT_RATE_LIMIT_MAX="100000")
    host, port = server.base_url.removeprefix("http://").split(":")
    auth = (project.path / "src" / "core" / "auth").exists()
    if project.stack in STACKS_GRAPHQL:
        path, expected = "/graphql", b"HTTP/1.1 200"
        mutation = 'register(input: {email: "not-an-email", name: "In flight", password: "x"}) { user { id } }' if auth else (
            'createUser(input: {email: "not-an-email", name: "In flight"}) { id }')
        body = json.dumps({"query": f"mutation {{ {mutation} }}"}).encode()
    else:
        path, expected = ("/api/auth/register" if auth else "/api/users"), b"HTTP/1.1 400"
        body = b'{"email": "not-an-email", "name": "In flight", "password": "x"}'
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        sock.sendall(head.encode() + body[:12])  # the request has started: half its body is on the wire
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None, "the server exited with a request still in flight"
        sock.sendall(body[12:])
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    assert response.startswith(expected), response[:300]
    assert b"validation_failed" in response
    assert server.stop() == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.base_url}/health", timeout=2)


def test_headless_locust_run_against_the_apis_defaults_has_no_failure_and_writes_reports(project, tmp_path):
    """The API as it runs (verification required, credential limits on): 20 simulated users log in
    as seeded accounts, and not one request fails."""
    project.db("seed", "--users", "20", "--posts", "5", "--comments", "1", "--likes", "1", "--replace")
    server = start_server(project, **own_redis_database(project))
    try:
        result = run(
            ["python3", "-m", "locust", "--config", "loadtest/locust.conf", "--headless", "--host", server.base_url,
             "--users", "20", "--spawn-rate", "20", "--run-time", "10s", "--gates", "error_rate<1%,p99<5s,requests>20",
             "--report-json", str(tmp_path / "report.json"), "--report-html", str(tmp_path / "report.html")],
            project.path, project.env, timeout=120,
        )
        assert "all gates passed" in result.stdout
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["passed"] and report["aggregate"]["failures"] == 0
        names = {endpoint["name"] for endpoint in report["endpoints"]}
        # Every action of the simulated users, as the answers shape them.
        auth = (project.path / "src" / "core" / "auth").exists()
        if project.stack in STACKS_GRAPHQL:  # every operation is a POST to /graphql
            actions = {"POST list posts", "POST open post", "POST create post", "POST comment", "POST like"}
            actions |= {"POST log in", "POST me"} if auth else {"POST create user"}
        else:
            actions = {"GET list posts", "GET open post", "POST create post", "POST comment", "PUT like"}
            actions |= {"POST log in", "GET me"} if auth else {"POST create user"}
        assert actions <= names
        if auth:  # four logins shared by the 20 users: inside the default 10 a minute per client
            assert [e["requests"] for e in report["endpoints"] if e["name"] == "POST log in"] == [4]
        assert "<svg" in (tmp_path / "report.html").read_text()
    finally:
        server.stop()


@pytest.mark.parametrize("project", REST_CASES, ids=[f"{s}-{v}" for s, v in REST_CASES], indirect=True)
def test_swagger_ui_renders_in_a_browser(project):
    server = start_server(project)
    try:
        dom = chromium_dom(f"{server.base_url}/docs")
        assert "swagger-ui" in dom
        assert 'data-path="/api/posts/{id}"' in dom, "the operations of the OpenAPI document are listed"
    finally:
        server.stop()


FULL_CASES = [case for case in CASES if case[1] == "full"]


@pytest.mark.parametrize("project", FULL_CASES, ids=[f"{s}-{v}" for s, v in FULL_CASES], indirect=True)
def test_npm_run_dev_serves_and_pretty_prints_its_log(project):
    port = services.free_port()
    env = {**project.env, "NODE_ENV": "development", "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "info",
           "JWT_SECRET": "dev-" + "x" * 60}
    # A process group of its own: npm, the shell, the watcher (tsx, or Nest's CLI) and the server all stop together.
    proc = subprocess.Popen(["npm", "run", "dev"], cwd=project.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        services.wait_for_port(port, timeout=60)
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=5).status_code == 200
        if project.stack in STACKS_REST:
            # Development documents what production does (NestJS's Swagger needs the compiler's decorator metadata).
            document = requests.get(f"http://127.0.0.1:{port}/docs/json", timeout=5).json()
            user = next(item for path, item in document["paths"].items() if path.endswith("/users/{id}") and "/admin/" not in path)
            assert [(p["name"], p["in"]) for p in user["get"]["parameters"]] == [("id", "path")], user
        time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=20)[0]
    lines = output.splitlines()
    # pino-pretty's lines (time, level, message, then the fields on the same line), no raw JSON.
    assert any(re.match(r"^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed \{.*\"url\":\"/health/ready\"", line) for line in lines), output[-3000:]
    assert not any(line.startswith('{"level"') for line in lines), output[-3000:]


REST_CLIENT_SMOKE = """\
import {{ createApiClient }} from './index';

declare const process: {{ argv: string[] }};

async function main(baseUrl: string): Promise<void> {{
  const api = createApiClient({{ baseUrl }});
  // @ts-expect-error: not a path of this API (were the paths untyped, this line would not be an error)
  void api.GET('/no-such-path');
  // @ts-expect-error: the path parameter is `id`
  void api.GET('{user_path}', {{ params: {{ path: {{ userId: 'x' }} }} }});
  const health = await api.GET('/health');
  const user = await api.GET('{user_path}', {{ params: {{ path: {{ id: '00000000-0000-4000-8000-000000000000' }} }} }});
  console.log(JSON.stringify({{ health: health.data?.status, userStatus: user.response.status, userError: user.error }}));
}}

void main(process.argv[2] ?? '');
"""

GRAPHQL_CLIENT_SMOKE = """\
import { request, UserById } from './index';

declare const process: { argv: string[] };

async function main(url: string): Promise<void> {
  // @ts-expect-error: the variable is `id` (were the documents untyped, this line would not be an error)
  void request(url, UserById, { userId: '1' }).catch(() => undefined);
  const data = await request(url, UserById, { id: '00000000-0000-4000-8000-000000000000' });
  const name: string | undefined = data.user?.name;
  // @ts-expect-error: the operation did not ask for the user's email
  void data.user?.email;
  console.log(JSON.stringify({ user: data.user, name: name ?? null }));
}

void main(process.argv[2] ?? '');
"""


def test_npm_run_client_types_a_client_that_calls_the_running_api(project):
    """The front-end path: export the API's description, generate a typed client, call the API with it."""
    project.npm("run", "client")
    smoke = project.path / "client" / "smoke.ts"
    try:
        if project.stack in STACKS_GRAPHQL:
            assert (project.path / "client" / "generated" / "graphql.ts").is_file()
            smoke.write_text(GRAPHQL_CLIENT_SMOKE)
        else:
            document = json.loads((project.path / "openapi.json").read_text())
            assert document["openapi"].startswith("3.")
            user_path = next(path for path in document["paths"] if path.endswith("/users/{id}") and "/admin/" not in path)
            assert (project.path / "client" / "schema.d.ts").is_file()
            # The saved document is what the code describes, and a stale one is named with the fix.
            assert "openapi.json is current" in project.npm("run", "openapi", "--", "--check").stdout
            saved = (project.path / "openapi.json").read_text()
            (project.path / "openapi.json").write_text(saved.replace(user_path, user_path + "/old"))
            stale = subprocess.run(["npm", "run", "openapi", "--", "--check"], cwd=project.path, env=project.env, capture_output=True, text=True, timeout=120)
            (project.path / "openapi.json").write_text(saved)
            assert stale.returncode == 1 and "run `npm run openapi` and commit it" in stale.stderr, stale.stderr[-2000:]
            smoke.write_text(REST_CLIENT_SMOKE.format(user_path=user_path))
        # The expected type errors above must be errors, and nothing else may be.
        typed = subprocess.run(["npx", "tsc", "-p", "client"], cwd=project.path, env=project.env, capture_output=True, text=True, timeout=120)
        assert typed.returncode == 0, typed.stdout[-3000:]
        server = start_server(project)
        try:
            url = f"{server.base_url}/graphql" if project.stack in STACKS_GRAPHQL else server.base_url
            called = subprocess.run(["npx", "tsx", "client/smoke.ts", url], cwd=project.path, env=project.env, capture_output=True, text=True, timeout=60)
        finally:
            assert server.stop() == 0
        assert called.returncode == 0, called.stderr[-2000:]
        answer = json.loads(called.stdout.strip().splitlines()[-1])
        if project.stack in STACKS_GRAPHQL:
            assert answer == {"user": None, "name": None}
        else:
            assert answer["health"] == "ok"
            assert answer["userStatus"] == 404 and answer["userError"]["status"] == 404, answer
    finally:
        smoke.unlink(missing_ok=True)
