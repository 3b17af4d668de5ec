"""Static checks of what users run but we cannot here: Dockerfile, compose, workflow, shell."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests import services
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, render

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed; run ./kit setup"
    return found


def check(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module", params=STACKS_REST + STACKS_GRAPHQL)
def project(request, tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp(request.param), stack=request.param)


def test_dockerfile_passes_hadolint(project):
    check([tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"], project)


def test_compose_file_matches_the_compose_schema(project):
    check([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"], project)


def test_compose_publishes_only_the_proxy_beyond_this_machine(project):
    services = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert "proxy" in published and "postgres" in published
    # The replicas and the pooler are reached through the proxy and by the API only.
    assert not {"api", "pgbouncer"} & published.keys()
    for name, ports in published.items():
        if name != "proxy":
            assert all(str(port).startswith("127.0.0.1:") for port in ports), f"{name} publishes {ports} on every interface"


def test_compose_runs_the_api_behind_the_proxy_and_the_pooler_and_migrates_past_it(project):
    services = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]
    api = services["api"]
    assert api["deploy"]["replicas"] == 2 and api["environment"]["TRUST_PROXY"] == "1"
    assert "@pgbouncer:6432/" in api["environment"]["DATABASE_URL"] and api["environment"]["DATABASE_STATEMENT_TIMEOUT_MS"] == "0"
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    mounted = {volume.split(":")[0] for service in services.values() for volume in service.get("volumes", []) if volume.startswith("./")}
    assert mounted == {f"./deploy/{path}" for path in ("nginx.conf", "pgbouncer/pgbouncer.ini", "pgbouncer/userlist.txt", "prometheus/prometheus.yml",
                                                       "prometheus/alerts.yml", "grafana/datasource.yml", "grafana/dashboards.yml", "grafana/dashboard.json")}
    assert all((project / path).is_file() for path in mounted)
    assert services["prometheus"]["profiles"] == services["grafana"]["profiles"] == ["monitoring"]
    nginx = (project / "deploy/nginx.conf").read_text()
    # The proxy's limits are the API's defaults (.env.example).
    env = dict(line.split("=", 1) for line in (project / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#"))
    assert f"client_max_body_size {int(env.get('BODY_LIMIT_BYTES', '102400')) // 1024}k;" in nginx
    assert f"server api:{api['environment']['PORT']} resolve;" in nginx


def test_compose_redis_has_bounded_memory_that_never_evicts_rate_limit_counters(project):
    redis = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--maxmemory") + 1] == "256mb"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_dockerfile_healthcheck_asks_the_port_the_server_listens_on(project, node_env):
    """The HEALTHCHECK command itself, run by Node 24 against a server on another port than the default."""
    dockerfile = (project / "Dockerfile").read_text().replace("\\\n", " ")
    command = json.loads(re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", dockerfile, re.M).group(1))

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = str(server.server_address[1])
        up = subprocess.run(command, env={**node_env, "PORT": port}, capture_output=True, timeout=30)
        assert up.returncode == 0, up.stderr
        elsewhere = subprocess.run(command, env={**node_env, "PORT": str(services.free_port())}, capture_output=True, timeout=30)
        assert elsewhere.returncode == 1
    finally:
        server.shutdown()


def test_workflow_matches_the_github_schema(project):
    check([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", ".github/workflows/ci.yml"], project)


def test_workflow_passes_actionlint(project):
    check([tool("actionlint"), "-shellcheck", tool("shellcheck"), ".github/workflows/ci.yml"], project)


def test_workflow_passes_zizmor(project):
    check([tool("zizmor"), "--offline", "--min-severity", "low", ".github/workflows/ci.yml"], project)


def test_workflow_pins_every_action_by_commit_and_reads_only(project):
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert workflow["permissions"] == {"contents": "read"}
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref) for ref in uses), uses
    assert any(step.get("run") == "npm audit --audit-level=high" for step in steps)


def test_dependabot_covers_every_ecosystem_the_project_pins(project):
    check([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"], project)
    updates = yaml.safe_load((project / ".github/dependabot.yml").read_text())["updates"]
    assert {update["package-ecosystem"] for update in updates} == {"npm", "pip", "github-actions", "docker", "docker-compose"}


def test_shell_helpers_pass_shellcheck(project):
    check([tool("shellcheck"), "-s", "sh", "tools/py"], project)
    check([tool("shellcheck"), "deploy/kubernetes/rollout.sh"], project)


def test_python_tools_compile(project):
    check([sys.executable, "-m", "py_compile", "tools/db.py", "loadtest/locustfile.py"], project)


def test_collection_scripts_pass_shellcheck():
    root = Path(__file__).resolve().parent.parent
    check([tool("shellcheck"), "kit", ".ci/run"], root)


def test_prometheus_configuration_and_alert_rules_pass_promtool(project):
    check([tool("promtool"), "check", "config", "deploy/prometheus/prometheus.yml"], project)
    check([tool("promtool"), "check", "rules", "deploy/prometheus/alerts.yml"], project)


def test_the_grafana_dashboard_is_json_with_one_query_a_panel_on_the_provisioned_data_source(project):
    import json

    dashboard = json.loads((project / "deploy/grafana/dashboard.json").read_text())
    datasource = yaml.safe_load((project / "deploy/grafana/datasource.yml").read_text())["datasources"][0]
    assert dashboard["panels"] and len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"] and len(panel["targets"]) == 1 and panel["targets"][0]["expr"]
