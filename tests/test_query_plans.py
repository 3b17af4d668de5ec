"""The generated migrations index the pages the API reads newest first: PostgreSQL's planner,
given a post with many comments and an author with many posts (bench/indexes.py's data, scaled
down), reads the statements that benchmark times from an index in order and stops at the page
size, with no sort of every row."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from bench.indexes import PAGES, seed
from tests import services
from tests.conftest import render

pytestmark = pytest.mark.xdist_group("db-tool")

SCALE = 0.15  # of bench/indexes.py's data: a post with 30,000 comments, authors with 750 posts


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, postgres_admin_url) -> tuple[str, dict]:
    project: Path = render(tmp_path_factory.mktemp("plans") / "p", minimal=True)
    url = services.create_database(postgres_admin_url, f"plans_{uuid.uuid4().hex[:12]}")
    migrate = subprocess.run([sys.executable, "tools/db.py", "migrate"], cwd=project, env={**os.environ, "DATABASE_URL": url},
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    with psycopg.connect(url, autocommit=True) as conn:
        return url, seed(conn, SCALE)


@pytest.mark.parametrize("page", [page for page, (_, index) in PAGES.items() if index])
def test_newest_first_pages_are_read_from_an_index_in_order_not_sorted(seeded, page):
    url, params = seeded
    sql, index = PAGES[page]
    with psycopg.connect(url) as conn:
        (plan,) = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
    found = list(nodes(plan["Plan"]))
    types = [node["Node Type"] for node in found]
    assert "Sort" not in types and "Incremental Sort" not in types, json.dumps(plan, indent=1)
    assert index in {node.get("Index Name") for node in found}, json.dumps(plan, indent=1)


def test_indexes_built_concurrently_beforehand_are_taken_over_by_the_migration(tmp_path, postgres_admin_url):
    """The large-table route the migration's comment describes: build the indexes by hand with
    CONCURRENTLY (its quoted statements, as written), then migrate."""
    project = render(tmp_path / "p", minimal=True)
    url = services.create_database(postgres_admin_url, f"plans_{uuid.uuid4().hex[:12]}")
    env = {**os.environ, "DATABASE_URL": url}
    later = tmp_path / "later"
    later.mkdir()
    for path in project.glob("migrations/0003_newest_first_indexes*"):
        path.rename(later / path.name)
    subprocess.run([sys.executable, "tools/db.py", "migrate"], cwd=project, env=env, check=True, capture_output=True)
    by_hand = re.findall(r"^--\s+(CREATE INDEX CONCURRENTLY .+;)$", (later / "0003_newest_first_indexes.sql").read_text(), re.MULTILINE)
    assert len(by_hand) == 2
    with psycopg.connect(url, autocommit=True) as conn:  # CONCURRENTLY cannot run inside a transaction
        for statement in by_hand:
            conn.execute(statement)
    for path in later.iterdir():
        path.rename(project / "migrations" / path.name)
    migrated = subprocess.run([sys.executable, "tools/db.py", "migrate"], cwd=project, env=env, capture_output=True, text=True)
    assert migrated.returncode == 0 and "applied  0003_newest_first_indexes" in migrated.stdout, migrated.stdout + migrated.stderr
    with psycopg.connect(url) as conn:
        indexes = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('posts', 'comments')")}
    assert {"comments_post_id_created_at_id_idx", "posts_author_id_created_at_id_idx"} <= indexes
    assert not indexes & {"comments_post_id_idx", "posts_author_id_idx"}
