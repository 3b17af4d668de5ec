"""The generated migrations index the pages the API reads newest first: PostgreSQL's planner,
given a post with many comments and an author with many posts (bench/indexes.py's data, scaled
down), reads the statements that benchmark times from an index in order and stops at the page
size, with no sort of every row."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from bench.indexes import PAGES, seed
from tests.db_tool import Tool, ok

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("db-tool")]

SCALE = 0.15  # of bench/indexes.py's data: a post with 30,000 comments, authors with 750 posts


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, minimal_project, postgres_admin_url) -> tuple[str, dict]:
    tool = Tool.create(minimal_project, tmp_path_factory.mktemp("plans") / "project", postgres_admin_url)
    ok(tool.run("migrate"))
    with psycopg.connect(tool.url, autocommit=True) as conn:
        return tool.url, seed(conn, SCALE)


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


def test_an_index_migration_cut_short_is_finished_by_the_next_run(tool):
    """0003 builds its indexes CONCURRENTLY, statement by statement: when a run stops after its
    first index, the next run takes that index over (IF NOT EXISTS) and finishes the rest."""
    later = tool.migrations.parent / "later"
    later.mkdir()
    for path in tool.migrations.glob("0003_newest_first_indexes*"):
        path.rename(later / path.name)
    ok(tool.run("migrate"))
    first = re.search(r"^(CREATE INDEX CONCURRENTLY .+;)$", (later / "0003_newest_first_indexes.sql").read_text(), re.MULTILINE)
    tool.sql(first.group(1))  # Tool.sql runs outside a transaction, as CONCURRENTLY must
    for path in later.iterdir():
        path.rename(tool.migrations / path.name)
    migrated = ok(tool.run("migrate"))
    assert "applied  0003_newest_first_indexes" in migrated.stdout, migrated.stdout
    indexes = {row[0] for row in tool.sql("SELECT indexname FROM pg_indexes WHERE tablename IN ('posts', 'comments')")}
    assert {"comments_post_id_created_at_id_idx", "posts_author_id_created_at_id_idx"} <= indexes
    assert not indexes & {"comments_post_id_idx", "posts_author_id_idx"}
    assert tool.sql("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid IN ('posts'::regclass, 'comments'::regclass)") == [(True,)]
