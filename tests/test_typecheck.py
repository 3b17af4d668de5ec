"""Fast tier: the TypeScript of every stack, with every optional answer on, with all off, and
with only the demo domain off, type-checks, so an error in a template shows here and not only when a project is built.

One shared install holds every stack's dependencies (the same pins across stacks, checked),
kept between runs under ~/.cache/backend-kit. The check runs TypeScript 7's native compiler
(the same checks as the projects' TypeScript 6, about four times faster here) after the
project's own `prisma generate` and, for Apollo, GraphQL Code Generator, with three resources
from `npm run new:resource` added first; the rendered files pass the project's Prettier check.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import STACKS_GRAPHQL, STACKS_REST, render, run
from tests.projects import VARIANTS as PROJECT_VARIANTS
from tests.test_new_resource import EVERY_TYPE

STACKS = STACKS_REST + STACKS_GRAPHQL
# Every optional answer on; every one off (the demo domain too); and the demo domain alone off.
# Minimal with the demo domain is type-checked in the slow tier (tests/e2e), which builds it.
VARIANTS = {name: PROJECT_VARIANTS[name] for name in ("full", "no-demo", "minimal-no-demo")}
CHECKER = "7.0.2"  # typescript, installed beside the projects' own as `typescript-native`
CASES = [
    pytest.param(stack, variant, id=f"{stack}-{variant}", marks=pytest.mark.xdist_group(f"typecheck-{stack}"))
    for stack in STACKS
    for variant in VARIANTS
]


def union_of_dependencies(tmp_path_factory) -> tuple[dict[str, str], dict]:
    """Every stack's pins, and their npm overrides (peer ranges the projects widen)."""
    pins: dict[str, str] = {}
    overrides: dict = {}
    for stack in STACKS:
        package = json.loads((render(tmp_path_factory.mktemp(f"deps-{stack}"), stack=stack) / "package.json").read_text())
        for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
            assert pins.setdefault(name, version) == version, f"{name} is pinned to {pins[name]} in one stack and {version} in {stack}"
        overrides.update(package.get("overrides", {}))
    return pins, overrides


@pytest.fixture(scope="session")
def shared_modules(tmp_path_factory, node_env) -> Path:
    """node_modules with the dependencies of every stack, installed once and kept (locked across workers)."""
    pins, overrides = union_of_dependencies(tmp_path_factory)
    pins["typescript-native"] = f"npm:typescript@{CHECKER}"
    digest = hashlib.sha256(json.dumps([pins, overrides], sort_keys=True).encode()).hexdigest()[:16]
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backend-kit" / f"typecheck-{digest}"
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / ".complete").exists():
            (home / "package.json").write_text(json.dumps({"name": "typecheck", "private": True, "dependencies": pins, "overrides": overrides}, indent=2))
            run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], home, node_env, timeout=900)
            (home / ".complete").write_text("")
    return home / "node_modules"


# What `npm run new:resource` writes, type-checked with the project: every field type; an owned
# resource referencing it; one with only its reads.
RESOURCES = (
    ["tag", "--fields", EVERY_TYPE],
    ["task", "--fields", "label:string, done:boolean=false, tag:ref(tags), assignee:ref(users)?", "--owned"],
    ["blog-entry", "--fields", "headline:string, score:decimal", "--endpoints", "GET /blog-entries, GET /blog-entries/:id"],
)


@pytest.mark.parametrize(("stack", "variant"), CASES)
def test_the_generated_typescript_type_checks(stack, variant, shared_modules, tmp_path, node_env):
    """The template's TypeScript, and that of three resources the generator adds to it."""
    project = render(tmp_path / "p", stack=stack, **VARIANTS[variant])
    (project / "node_modules").symlink_to(shared_modules)
    # The template's output is formatted as the project's own `npm run format:check` wants it.
    formatted = subprocess.run(
        ["node", str(shared_modules / "prettier" / "bin" / "prettier.cjs"), "--check", "."],
        cwd=project, env=node_env, capture_output=True, text=True, timeout=120,
    )
    assert formatted.returncode == 0, f"{stack} ({variant}) is not formatted as its format:check wants:\n{formatted.stderr[-3000:]}"
    for args in RESOURCES:
        if VARIANTS[variant].get("demo_domain") is False:  # no posts to refer to
            args = [arg.replace("post:ref(posts), ", "") for arg in args]
        run(["node", "tools/new-resource.mjs", *args, "--skip-checks"], project, node_env)
    run(["node", str(shared_modules / "prisma" / "build" / "index.js"), "generate"], project, node_env)
    if stack in STACKS_GRAPHQL:
        run(["node", str(shared_modules / "@graphql-codegen" / "cli" / "esm" / "bin.js"), "--config", "codegen.ts"], project, node_env)
    checked = subprocess.run(
        ["node", str(shared_modules / "typescript-native" / "bin" / "tsc"), "--noEmit", "-p", "tsconfig.json"],
        cwd=project, env=node_env, capture_output=True, text=True, timeout=300,
    )
    assert checked.returncode == 0, f"{stack} ({variant}) does not type-check (with three generated resources):\n{checked.stdout[-6000:]}{checked.stderr[-2000:]}"

