"""Static checks of what users run but we cannot here: Dockerfile, compose, workflow, shell."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


def test_python_tools_compile(project):
    check([sys.executable, "-m", "py_compile", "tools/db.py", "loadtest/locustfile.py"], project)


def test_collection_scripts_pass_shellcheck():
    root = Path(__file__).resolve().parent.parent
    check([tool("shellcheck"), "kit", ".ci/run"], root)
