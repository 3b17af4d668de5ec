"""Slow tier, per stack: a project made without the demo domain, with two resources added by
`npm run new:resource` (one referencing the other, one owned), type-checks, lints, migrates up,
down and up, passes its own tests with the generated ones (coverage threshold included), serves
them (in the OpenAPI document, or answering GraphQL) and nothing of the demo, and holds a short
Locust run, its own users and the resources', with no failure."""

from __future__ import annotations

import csv
import subprocess
import sys
import uuid

import pytest
import requests

from tests import services
from tests.conftest import render, run
from tests.db_tool import ok
from tests.projects import VARIANTS, Project, own_redis_database, start_server

pytestmark = pytest.mark.slow

# One project a stack, with accounts and without: the answers of a variant the other slow tests
# build (whose installed dependencies it borrows), and no demo domain.
CASES = [
    pytest.param("fastify-typescript", "full", marks=pytest.mark.xdist_group("fastify-typescript-full")),
    pytest.param("express-typescript", "minimal", marks=pytest.mark.xdist_group("express-typescript-minimal")),
    pytest.param("nestjs", "full", marks=pytest.mark.xdist_group("nestjs-full")),
    pytest.param("apollo-graphql", "full", marks=pytest.mark.xdist_group("apollo-graphql-full")),
]
CATEGORY = "title:string:unique, summary:text?, rank:int=0, kind:enum(news|howto)=news, price:decimal?, visible:boolean=true"
TASK = "label:string, done:boolean=false, due:datetime?, external:uuid?, category:ref(categories), assignee:ref(users)?"


@pytest.mark.parametrize(("stack", "variant"), CASES)
def test_two_generated_resources_migrate_pass_their_tests_are_documented_and_hold_load(stack, variant, get_project, tmp_path, postgres_admin_url):
    built = get_project(stack, variant)
    path = render(tmp_path / "own", stack=stack, project_name=f"{stack} own", **VARIANTS[variant], demo_domain=False)
    (path / "node_modules").symlink_to(built.path / "node_modules")  # the same dependencies, demo or not
    env = {**built.env, "DATABASE_URL": services.create_database(postgres_admin_url, f"own_{uuid.uuid4().hex[:10]}")}
    project = Project(stack, variant, path, env)
    bare = run(["npm", "test"], path, env)  # with nothing of its own yet: its tests pass, coverage threshold included
    assert "posts" not in bare.stdout + bare.stderr
    for args in (["category", "--fields", CATEGORY], ["task", "--fields", TASK, "--owned"]):
        out = run(["npm", "run", "new:resource", "--", *args], path, env)
        assert "Next: npm run db:migrate" in out.stdout
        assert "not linted" not in out.stdout + out.stderr  # the db command linted the migration

    run(["npm", "run", "typecheck"], path, env)
    run(["npm", "run", "lint"], path, env)
    run(["npm", "run", "format:check"], path, env)
    ok(project.db("migrate"))
    ok(project.db("rollback", "--steps", "2", "--yes"))
    ok(project.db("migrate"))

    tested = run(["npm", "test"], path, env)  # every test of the project, with the coverage threshold
    assert "tests/categories.test.ts" in tested.stdout + tested.stderr and "tests/tasks.test.ts" in tested.stdout + tested.stderr

    run(["npm", "run", "build"], path, env)
    ok(project.db("seed", "--users", "10"))  # the accounts the Locust users log in as
    server = start_server(project, **own_redis_database(project))  # as it runs: verification required, credential limits on
    try:
        if stack == "apollo-graphql":
            query = "{ categories(first: 1) { nodes { id } } tasks(first: 1) { nodes { id category { title } owner { id } } } }"
            answer = requests.post(f"{server.base_url}/graphql", json={"query": query}, timeout=10)
            assert answer.status_code == 200 and answer.json() == {"data": {"categories": {"nodes": []}, "tasks": {"nodes": []}}}, answer.text
            demo = requests.post(f"{server.base_url}/graphql", json={"query": "{ posts { nodes { id } } }"}, timeout=10).json()
            assert demo["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", demo
        else:
            paths = requests.get(f"{server.base_url}/docs/json", timeout=10).json()["paths"]
            for route in ("/api/categories", "/api/categories/{id}", "/api/tasks", "/api/tasks/{id}"):
                assert route in paths, sorted(paths)
            assert set(paths["/api/tasks/{id}"]) >= {"get", "patch", "delete"}
            assert not [route for route in paths if route.startswith("/api/posts")], sorted(paths)

        loaded = subprocess.run(
            [sys.executable, "-m", "locust", "--config", "loadtest/locust.conf", "-f", "loadtest/locustfile.py,loadtest/categories.py,loadtest/tasks.py",
             "--headless", "-H", server.base_url, "--users", "4", "--spawn-rate", "4", "--run-time", "6s", "--csv", str(tmp_path / "run")],
            cwd=path, env=env, capture_output=True, text=True, timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        rows = {row["Name"]: row for row in csv.DictReader(open(tmp_path / "run_stats.csv"))}
        for name in ("open user", "list categories", "create category", "list tasks"):
            assert int(rows[name]["Request Count"]) > 0, sorted(rows)
        assert all(int(row["Failure Count"]) == 0 for row in rows.values()), {n: r["Failure Count"] for n, r in rows.items()}
    finally:
        server.stop()
