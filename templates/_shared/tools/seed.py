"""Realistic data for a development, test or load-test database: `db seed` (see tools/db.py).

Every row is made by PostgreSQL itself (INSERT ... SELECT over generate_series), so 100,000
rows take a second or two rather than minutes of round trips. Seeded users are
`seed-N@example.com`, verified, with the password SEED_PASSWORD; a later run adds the next
numbers, and `--replace` deletes the earlier seed (their posts, comments and likes go with
them) so the same command always leaves the same data.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

SEED_PASSWORD = "seed-password"
# argon2id of SEED_PASSWORD with the API's own parameters (m=19456, t=2, p=1): the API verifies it
# like any stored password. Seeded accounts are for development and load tests only.
SEED_PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$1W4D2pVPsu2RMzI+S744Kw$0Q+FtxAYTA+uTxY4rgKbpH4Fkvw4+BZOCMVBDxq68s0"
SEED_EMAIL = r"^seed-([0-9]+)@example\.com$"
PRODUCTION_HINT = re.compile(r"(?i)(^|[^a-z])(prod|production)([^a-z]|$)")

FIRST_NAMES = "Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Edsger Radia Guido Anita Donald Hedy John Sophie Tim Katherine Bjarne".split()
LAST_NAMES = "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Dijkstra Perlman Rossum Borg Knuth Lamarr Backus Wilson Berners-Lee Johnson Stroustrup".split()
TOPICS = "caching indexes queues retries migrations tracing pagination schemas replicas backups timeouts pooling".split()
SENTENCES = [
    "Measure before changing anything, then measure again.",
    "The slow query was missing an index on the foreign key.",
    "Keyset pagination kept the page time flat as the table grew.",
    "We moved the retry into the queue consumer and the duplicates stopped.",
    "A read replica took the reporting load off the primary.",
    "The cache hit rate rose once the keys stopped including the timestamp.",
    "Connection pooling halved the time spent opening connections.",
    "Every migration now has a rollback that the CI rehearses.",
]


def looks_like_production(url: str) -> str | None:
    """The part of the URL that reads like a production database, if any."""
    parts = urlsplit(url)
    for label, value in (("database name", parts.path.lstrip("/")), ("host", parts.hostname or "")):
        if PRODUCTION_HINT.search(value):
            return f"{label} {value!r}"
    return None


def _columns(conn, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s", (table,)
    ).fetchall()
    return {row[0] for row in rows}


def _text_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def seed(conn, users: int, posts: int, comments: int, likes: int, replace: bool) -> dict[str, int]:
    """Inserts `users` users, `posts` posts per user, `comments` comments per post and `likes`
    likes per user (the demo domain's tables; skipped when the project does not have them), in one
    transaction.
    Returns the rows inserted per table."""
    user_columns = _columns(conn, "users")
    if not user_columns:
        raise LookupError("the database has no users table; run `npm run db:migrate` first")
    # The demo domain's tables, known by their columns: a resource of your own named posts,
    # comments or likes is left alone.
    has_posts = {"title", "content", "published", "author_id"} <= _columns(conn, "posts")
    has_comments = has_posts and {"content", "post_id", "author_id"} <= _columns(conn, "comments")
    has_likes = has_posts and {"user_id", "post_id"} <= _columns(conn, "likes")
    counts: dict[str, int] = {}
    with conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = off")  # a seed can be made again; no need to wait for the disk per row
        if replace:
            removed = conn.execute("DELETE FROM users WHERE email ~ %s", (SEED_EMAIL,)).rowcount
            counts["users removed"] = removed
        first = conn.execute(
            "SELECT coalesce(max(substring(email from %s)::int), 0) + 1 FROM users WHERE email ~ %s", (SEED_EMAIL, SEED_EMAIL)
        ).fetchone()[0]
        extra_columns, extra_values = [], []
        if "password_hash" in user_columns:
            extra_columns.append("password_hash")
            extra_values.append("%(hash)s")
        if "email_verified_at" in user_columns:
            extra_columns.append("email_verified_at")
            extra_values.append("now()")
        conn.execute("CREATE TEMP TABLE seed_users ON COMMIT DROP AS SELECT NULL::uuid AS id, 0 AS n WITH NO DATA")
        counts["users"] = conn.execute(
            f"""
            WITH made AS (
              INSERT INTO users (email, name, created_at, updated_at{''.join(', ' + c for c in extra_columns)})
              SELECT format('seed-%%s@example.com', n),
                     ({_text_array(FIRST_NAMES)})[1 + n %% {len(FIRST_NAMES)}] || ' ' || ({_text_array(LAST_NAMES)})[1 + (n / {len(FIRST_NAMES)}) %% {len(LAST_NAMES)}],
                     now() - make_interval(mins => n), now() - make_interval(mins => n)
                     {''.join(', ' + v for v in extra_values)}
                FROM generate_series(%(first)s::int, %(last)s::int) AS n
              RETURNING id, substring(email from '{SEED_EMAIL}')::int AS n
            )
            INSERT INTO seed_users SELECT id, n FROM made
            """,
            {"first": first, "last": first + users - 1, "hash": SEED_PASSWORD_HASH},
        ).rowcount
        if has_posts and posts:
            conn.execute("CREATE TEMP TABLE seed_posts ON COMMIT DROP AS SELECT NULL::uuid AS id, 0 AS k WITH NO DATA")
            counts["posts"] = conn.execute(
                f"""
                WITH made AS (
                  INSERT INTO posts (title, content, published, author_id, created_at, updated_at)
                  SELECT 'Notes on ' || ({_text_array(TOPICS)})[1 + (u.n * 7 + j) %% {len(TOPICS)}] || ', part ' || (j + 1),
                         ({_text_array(SENTENCES)})[1 + (u.n + j) %% {len(SENTENCES)}] || ' ' || ({_text_array(SENTENCES)})[1 + (u.n * 3 + j) %% {len(SENTENCES)}],
                         (u.n + j) %% 10 <> 0, u.id,
                         now() - make_interval(secs => u.n * %(posts)s + j), now() - make_interval(secs => u.n * %(posts)s + j)
                    FROM seed_users u, generate_series(0, %(posts)s - 1) AS j
                  RETURNING id
                )
                INSERT INTO seed_posts SELECT id, row_number() OVER () - 1 FROM made
                """,
                {"posts": posts},
            ).rowcount
            if has_comments and comments:
                counts["comments"] = conn.execute(
                    f"""
                    WITH u AS (SELECT array_agg(id ORDER BY n) AS ids, count(*) AS total FROM seed_users)
                    INSERT INTO comments (content, post_id, author_id, created_at)
                    SELECT ({_text_array(SENTENCES)})[1 + (p.k + c) %% {len(SENTENCES)}], p.id, u.ids[1 + (p.k * 31 + c * 7) %% u.total],
                           now() - make_interval(secs => p.k * %(comments)s + c)
                      FROM seed_posts p, u, generate_series(0, %(comments)s - 1) AS c
                    """,
                    {"comments": comments},
                ).rowcount
            if has_likes and likes:
                counts["likes"] = conn.execute(
                    """
                    WITH p AS (SELECT array_agg(id ORDER BY k) AS ids, count(*) AS total FROM seed_posts)
                    INSERT INTO likes (user_id, post_id)
                    SELECT DISTINCT u.id, p.ids[1 + (u.n * 53 + j * 997) %% p.total]
                      FROM seed_users u, p, generate_series(0, least(%(likes)s, p.total) - 1) AS j
                    ON CONFLICT DO NOTHING
                    """,
                    {"likes": likes},
                ).rowcount
    conn.execute("ANALYZE")
    return counts


def run(url: str, users: int, posts: int, comments: int, likes: int, replace: bool) -> str:
    """Seeds the database at `url` and returns the report line."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        counts = seed(conn, users, posts, comments, likes, replace)
        logins = "password_hash" in _columns(conn, "users")
    seconds = time.perf_counter() - started
    removed = counts.pop("users removed", None)
    inserted = sum(counts.values())
    parts = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    report = (f"removed the earlier seed ({removed:,} users and their rows); " if removed is not None else "") + (
        f"seeded {parts} ({inserted:,} rows) in {seconds:.2f} s ({inserted / max(seconds, 1e-6):,.0f} rows/s)."
    )
    if logins:
        report += f" Seeded users log in as seed-N@example.com with the password {SEED_PASSWORD!r}."
    return report
