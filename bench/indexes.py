"""What migration 0003 (newest-first indexes) saves on the pages the API reads newest first.

Seeds a throwaway PostgreSQL with 0001 and 0002 applied (by default 2,000 users, 40 of them
with 5,000 posts each and the rest with 10, one post with 200,000 comments and 2,000 posts with
100), times each page statement, applies 0003, times them again, and prints both medians and
the ratio. Run it with DATABASE_URL unset: it starts and removes its own server.

  .venv/bin/python bench/indexes.py [--scale 1.0] [--repeat 30] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import jinja2
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import services  # noqa: E402

MIGRATIONS = ROOT / "templates" / "_shared" / "migrations"

# The statements of the core (comments.repository.ts, posts.repository.ts), with page sizes of a
# REST page (20 + 1) and of the nested GraphQL query (5 + 1), and the index 0003 gives each
# (tests/test_query_plans.py checks PostgreSQL's plans use it).
PAGES = {
    "REST: a post's comments, first page": (
        "SELECT id FROM comments WHERE post_id = %(big)s ORDER BY created_at DESC, id DESC LIMIT 21",
        "comments_post_id_created_at_id_idx"),
    "REST: a post's comments, page 50": (
        "SELECT id FROM comments WHERE post_id = %(big)s AND (created_at < %(at)s OR (created_at = %(at)s AND id < %(id)s))"
        " ORDER BY created_at DESC, id DESC LIMIT 21",
        "comments_post_id_created_at_id_idx"),
    "GraphQL: newest 5 posts of 10 authors": (
        "SELECT p.id FROM unnest(%(authors)s::uuid[]) AS a(author_id) CROSS JOIN LATERAL ("
        " SELECT * FROM posts q WHERE q.author_id = a.author_id AND q.published ORDER BY q.created_at DESC, q.id DESC LIMIT 6) p",
        "posts_author_id_created_at_id_idx"),
    "GraphQL: newest 5 comments of 50 posts": (
        "SELECT c.id FROM unnest(%(posts)s::uuid[]) AS a(post_id) CROSS JOIN LATERAL ("
        " SELECT * FROM comments q WHERE q.post_id = a.post_id ORDER BY q.created_at DESC, q.id DESC LIMIT 6) c",
        "comments_post_id_created_at_id_idx"),
    # The control: a count reads every comment of the post, index or not.
    "a post's comment count": ("SELECT count(*) FROM comments WHERE post_id = %(big)s", None),
}


def seed(conn: psycopg.Connection, scale: float) -> dict:
    """Users, posts and comments as the module's docstring says, times `scale`; returns the statements' parameters."""
    users, prolific, posts_each, comments_big, commented, comments_each = (
        max(20, int(2000 * scale)), max(10, int(40 * scale)), max(50, int(5000 * scale)),
        max(500, int(200_000 * scale)), max(50, int(2000 * scale)), 100)
    conn.execute("INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'U' || g FROM generate_series(1, %s) g", (users,))
    conn.execute("""
        INSERT INTO posts (author_id, title, content, published, created_at)
        SELECT u.id, 't', 'c', random() < 0.9, now() - g * interval '1 minute' * random()
          FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users) u, generate_series(1, %s) g
         WHERE u.n <= %s OR g <= 10""", (posts_each, prolific))
    big = conn.execute("SELECT id FROM posts ORDER BY random() LIMIT 1").fetchone()[0]
    conn.execute("""
        INSERT INTO comments (post_id, author_id, content, created_at)
        SELECT %s, (SELECT id FROM users ORDER BY random() LIMIT 1), 'c', now() - g * interval '1 second'
          FROM generate_series(1, %s) g""", (big, comments_big))
    conn.execute("""
        INSERT INTO comments (post_id, author_id, content, created_at)
        SELECT p.id, p.author_id, 'c', now() - g * interval '1 minute'
          FROM (SELECT id, author_id FROM posts WHERE id <> %s ORDER BY random() LIMIT %s) p, generate_series(1, %s) g""",
                 (big, commented, comments_each))
    conn.execute("VACUUM ANALYZE")
    at, id_ = conn.execute("SELECT created_at, id FROM comments WHERE post_id = %s ORDER BY created_at DESC, id DESC OFFSET 1000 LIMIT 1",
                           (big,)).fetchone()
    authors = [row[0] for row in conn.execute("SELECT author_id FROM posts GROUP BY author_id ORDER BY count(*) DESC LIMIT 10")]
    posts = [big] + [row[0] for row in conn.execute(
        "SELECT post_id FROM comments WHERE post_id <> %s GROUP BY post_id ORDER BY count(*) DESC LIMIT 49", (big,))]
    counts = conn.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM comments)").fetchone()
    print(f"seeded: {users:,} users, {counts[0]:,} posts, {counts[1]:,} comments ({comments_big:,} on one post)")
    return {"big": big, "at": at, "id": id_, "authors": authors, "posts": posts}


def median_ms(conn: psycopg.Connection, sql: str, params: dict, repeat: int) -> float:
    conn.execute(sql, params).fetchall()  # warm the cache: both sides are measured warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the seeded rows (default 1.0)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each statement (default 30)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with services.postgres_server(own=True) as server:
        url = services.create_database(server.admin_url, "bench_indexes")
        with psycopg.connect(url, autocommit=True) as conn:
            for name in ("0001_initial_schema.sql.jinja", "0002_verification_reset_roles.sql"):
                # The demo domain's tables are what this measures (0001 carries them when it is on).
                conn.execute(jinja2.Template((MIGRATIONS / name).read_text()).render(demo_domain=True))
            params = seed(conn, args.scale)
            before = {page: median_ms(conn, sql, params, args.repeat) for page, (sql, _) in PAGES.items()}
            started = time.perf_counter()
            # A no-transaction migration: each statement on its own, as `db migrate` runs it.
            for statement in (MIGRATIONS / "0003_newest_first_indexes.sql").read_text().split(";"):
                if re.sub(r"--[^\n]*", "", statement).strip():
                    conn.execute(statement)
            built_s = time.perf_counter() - started
            conn.execute("ANALYZE")
            after = {page: median_ms(conn, sql, params, args.repeat) for page, (sql, _) in PAGES.items()}
    print(f"0003_newest_first_indexes applied in {built_s:.2f} s\n")
    print(f"{'page (median of ' + str(args.repeat) + ')':48s} {'before ms':>10s} {'after ms':>10s} {'speed-up':>9s}")
    results = {}
    for page in PAGES:
        ratio = before[page] / after[page]
        results[page] = {"before_ms": round(before[page], 3), "after_ms": round(after[page], 3), "speedup": round(ratio, 1)}
        print(f"{page:48s} {before[page]:10.3f} {after[page]:10.3f} {ratio:8.1f}x")
    if args.json:
        args.json.write_text(json.dumps({"migration_s": round(built_s, 3), "pages": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
