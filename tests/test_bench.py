"""The benchmark harness runs end to end (a smoke run: one stack, one round of one second)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.mark.slow
@pytest.mark.xdist_group("bench")
def test_bench_smoke_run_measures_every_target_and_writes_its_json(tmp_path):
    report = tmp_path / "stacks.json"
    result = subprocess.run(
        [sys.executable, "bench/stacks.py", "--smoke", "--stacks", "fastify-typescript,apollo-graphql", "--json", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "health_over_bare" in result.stdout and "bare-fastify /health" in result.stdout
    data = json.loads(report.read_text())
    assert set(data["bare"]) == {
        "bare-fastify /health", "bare-express /health", "bare-apollo-fastify { hello }", "bare-apollo-standalone { hello }",
        "raw-pg posts", "raw-pg post by id", "raw-pg write (auth)", "raw-pg users>posts>comments>author (20 conns)",
    }
    assert all(reference["rps"] > 0 for reference in data["bare"].values())
    graphql = data["stacks"]["apollo-graphql"]
    assert set(graphql["endpoints"]) == {"health", "typename", "posts_warm", "posts_db", "posts_traced", "post", "write", "nested"}
    assert {"typename_over_bare_hello", "nested_over_raw_pg", "posts_warm_over_bare"} <= set(graphql["targets"])
    assert all(endpoint["rps"] > 0 for endpoint in graphql["endpoints"].values())
    stack = data["stacks"]["fastify-typescript"]
    assert set(stack["endpoints"]) == {"health", "posts_warm", "posts_db", "posts_traced", "post", "write"}
    assert all(endpoint["rps"] > 0 for endpoint in stack["endpoints"].values())
    assert 0 < stack["health_over_bare"] and 0 < stack["posts_db_over_raw_pg"] and 0 < stack["posts_warm_traced_over_untraced"]
    assert 0 < stack["startup_s"] < 30 and 0 < stack["copier_copy_s"] < 60 and stack["rss_mb"] > 0
    assert set(stack["targets"]) >= {"health_over_bare", "posts_warm_over_bare", "posts_db_over_raw_pg", "posts_db_rps", "post_over_raw_pg",
                                     "write_over_raw_pg", "health_p95_ms", "posts_warm_p95_ms", "posts_db_p95_ms", "post_p95_ms",
                                     "startup_s", "rss_over_bare", "copier_copy_s"}
    assert all(judged["target"].split()[0] in (">=", "<=", "<") for judged in stack["targets"].values())


def test_bench_refuses_an_unknown_stack_with_the_choices():
    result = subprocess.run([sys.executable, "bench/stacks.py", "--stacks", "django"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown stack(s) django" in result.stderr and "fastify-typescript" in result.stderr


def test_index_bench_smoke_run_times_every_page_before_and_after_the_migration(tmp_path):
    report = tmp_path / "indexes.json"
    result = subprocess.run([sys.executable, "bench/indexes.py", "--scale", "0.01", "--repeat", "2", "--json", str(report)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "speed-up" in result.stdout
    pages = json.loads(report.read_text())["pages"]
    assert "REST: a post's comments, first page" in pages and "GraphQL: newest 5 posts of 10 authors" in pages
    assert all(page["before_ms"] > 0 and page["after_ms"] > 0 for page in pages.values())
