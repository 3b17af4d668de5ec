"""The generated `db` command (tools/db.py over yoyo) against a real PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import uuid

import psycopg
import pytest

from tests.db_tool import ok

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("db-tool")]


def test_migrate_applies_pending_with_timings_and_status_exit_codes(tool):
    assert tool.run("status").returncode == 3
    applied = ok(tool.run("migrate"))
    assert "applied  0001_initial_schema" in applied.stdout and " ms)" in applied.stdout
    assert {"users", "posts", "comments", "likes"} <= tool.tables()
    status = tool.run("status", "--json")
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["state"] == "clean" and report["pending"] == []
    assert report["applied"][0]["id"] == "0001_initial_schema"
    assert isinstance(report["applied"][0]["durationMs"], int) and len(report["applied"][0]["checksum"]) == 64
    assert "up to date" in ok(tool.run("migrate")).stdout.lower()


def test_new_writes_the_migration_and_its_rollback_after_the_existing_ones(tool):
    stem = f"{max(int(p.name[:4]) for p in tool.migrations.glob('*.sql')) + 1:04d}_add_tags"
    out = ok(tool.run("new", "Add tags!")).stdout
    assert f"{stem}.sql" in out and f"{stem}.rollback.sql" in out
    assert (tool.migrations / f"{stem}.sql").exists() and (tool.migrations / f"{stem}.rollback.sql").exists()
    assert tool.run("new", "---").returncode == 2


def test_edited_applied_migration_is_refused_with_its_name_until_repaired(tool):
    ok(tool.run("migrate"))
    up = tool.migrations / "0001_initial_schema.sql"
    up.write_text(up.read_text() + "\n-- an edit after deployment\n")
    tool.write("0009_tags", "CREATE TABLE tags (id serial PRIMARY KEY);", "DROP TABLE tags;")
    refused = tool.run("migrate")
    assert refused.returncode == 4
    assert "migrations/0001_initial_schema.sql changed after 0001_initial_schema was applied" in refused.stderr
    assert "tags" not in tool.tables(), "nothing may be applied while validation fails"
    assert tool.run("status").returncode == 4
    assert json.loads(tool.run("status", "--json").stdout)["state"] == "invalid"
    assert tool.run("validate").returncode == 4
    ok(tool.run("repair", "--accept", "0001_initial_schema"))
    ok(tool.run("validate"))
    ok(tool.run("migrate"))
    assert "tags" in tool.tables()


def test_a_line_ending_change_alone_is_not_an_edit(tool):
    ok(tool.run("migrate"))
    up = tool.migrations / "0001_initial_schema.sql"
    up.write_bytes(up.read_bytes().replace(b"\n", b"\r\n"))
    ok(tool.run("validate"))


def test_deleted_applied_migration_is_refused(tool):
    ok(tool.run("migrate"))
    (tool.migrations / "0001_initial_schema.sql").unlink()
    refused = tool.run("migrate")
    assert refused.returncode == 4
    assert "0001_initial_schema is applied but migrations/0001_initial_schema.sql is missing" in refused.stderr


def test_pending_migration_ordered_before_an_applied_one_is_refused(tool):
    tool.write("0005_late", "CREATE TABLE late (id int);", "DROP TABLE late;")
    ok(tool.run("migrate"))
    tool.write("0003_early", "CREATE TABLE early (id int);", "DROP TABLE early;")
    refused = tool.run("migrate")
    assert refused.returncode == 4
    assert "0003_early is pending but sorts before 0005_late" in refused.stderr


def test_failing_migration_leaves_the_schema_as_it_was_and_names_the_statement(tool):
    ok(tool.run("migrate"))
    tool.write(
        "0009_broken",
        "CREATE TABLE half_done (id int);\nALTER TABLE posts ADD COLUMN rating int;\nALTER TABLE no_such_table ADD COLUMN x int;\n",
        "DROP TABLE half_done;",
    )
    failed = tool.run("migrate")
    assert failed.returncode == 1
    assert "0009_broken failed at statement 3 (migrations/0009_broken.sql line 3)" in failed.stderr
    assert "ALTER TABLE no_such_table ADD COLUMN x int" in failed.stderr
    assert 'relation "no_such_table" does not exist' in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "half_done" not in tool.tables()
    assert not tool.sql("SELECT 1 FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'rating'")
    assert json.loads(tool.run("status", "--json").stdout)["pending"] == ["0009_broken"]


def test_destructive_migration_is_refused_in_batch_mode_unless_allowed(tool):
    ok(tool.run("migrate"))
    tool.write("0009_drop_likes", "DROP TABLE likes;", "CREATE TABLE likes (id int);")
    refused = tool.run("migrate")
    assert refused.returncode == 5
    assert "ban-drop-table" in refused.stderr and "0009_drop_likes.sql" in refused.stderr
    assert "--allow-destructive" in refused.stderr
    assert "likes" in tool.tables()
    ok(tool.run("migrate", "--allow-destructive"))
    assert "likes" not in tool.tables()


def test_a_reviewed_directive_allows_a_destructive_migration(tool):
    ok(tool.run("migrate"))
    tool.write("0009_clear", "-- db: allow-destructive (reviewed: demo data only)\nTRUNCATE likes;", "SELECT 1;")
    ok(tool.run("migrate"))


def test_lint_flags_data_loss_that_squawk_alone_misses(tool):
    tool.write("0009_wipe", "DELETE FROM likes;\nTRUNCATE comments;\nDELETE FROM posts WHERE published = false;", "SELECT 1;")
    linted = tool.run("lint")
    assert linted.returncode == 5
    assert "0009_wipe.sql:1: destructive [delete-without-where]" in linted.stdout
    assert "0009_wipe.sql:2: destructive [truncate]" in linted.stdout
    assert "0009_wipe.sql:3:" not in linted.stdout
    (tool.migrations / "0009_wipe.sql").unlink()
    ok(tool.run("lint"))


def test_dry_run_prints_the_plan_and_changes_nothing(tool):
    plan = ok(tool.run("migrate", "--dry-run"))
    assert "0001_initial_schema" in plan.stdout and "CREATE TABLE users" in plan.stdout
    assert "nothing applied" in plan.stdout
    assert tool.tables() == set(), "a dry run must not create even the bookkeeping tables"


def test_rollback_refuses_missing_down_file(tool):
    tool.write("0009_tags", "CREATE TABLE tags (id int);", "DROP TABLE tags;")
    ok(tool.run("migrate"))
    (tool.migrations / "0009_tags.rollback.sql").unlink()
    # Validation names the missing file first; nothing is rolled back.
    refused = tool.run("rollback", "--yes")
    assert refused.returncode in (4, 5)
    assert "0009_tags.rollback.sql" in refused.stderr
    assert "tags" in tool.tables()


def test_rollback_refuses_an_empty_down_file(tool):
    tool.write("0009_tags", "CREATE TABLE tags (id int);", "-- nothing yet\n")
    ok(tool.run("migrate"))
    refused = tool.run("rollback", "--yes")
    assert refused.returncode == 5
    assert "0009_tags has no rollback SQL" in refused.stderr
    assert "tags" in tool.tables()


def test_rollback_asks_for_confirmation_and_undoes_newest_first(tool):
    tool.write("0009_tags", "CREATE TABLE tags (id int);", "DROP TABLE tags;")
    ok(tool.run("migrate"))
    unconfirmed = tool.run("rollback")
    assert unconfirmed.returncode == 5 and "--yes" in unconfirmed.stderr
    assert "tags" in tool.tables()
    done = ok(tool.run("rollback", "--steps", "4", "--yes"))
    order = [done.stdout.index(m) for m in ("0009_tags", "0003_newest_first_indexes", "0002_verification_reset_roles", "0001_initial_schema")]
    assert order == sorted(order)
    assert tool.tables() & {"users", "tags"} == set()
    assert tool.run("status").returncode == 3


def test_two_concurrent_migrates_apply_each_migration_exactly_once(tool):
    tool.write("0009_slow", "CREATE TABLE slow (id int);\nSELECT pg_sleep(1.5);", "DROP TABLE slow;")
    first, second = tool.spawn("migrate"), tool.spawn("migrate")
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    counts = dict(tool.sql("SELECT migration_id, count(*) FROM _yoyo_log WHERE operation = 'apply' GROUP BY migration_id"))
    assert counts == {"0001_initial_schema": 1, "0002_verification_reset_roles": 1, "0003_newest_first_indexes": 1, "0009_slow": 1}
    combined = "".join(out for out, _ in outputs)
    assert combined.count("applied  0009_slow") == 1


def test_sigkill_mid_migration_leaves_nothing_half_applied_and_the_next_run_succeeds(tool):
    ok(tool.run("migrate"))
    tool.write("0009_interrupted", "CREATE TABLE interrupted (id int);\nSELECT pg_sleep(20);\nCREATE TABLE after_sleep (id int);", "DROP TABLE after_sleep;\nDROP TABLE interrupted;")
    victim = tool.spawn("migrate")
    deadline = time.monotonic() + 20
    while not tool.sql("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(20)%'"):
        assert time.monotonic() < deadline, "the migration never reached its slow statement"
        time.sleep(0.1)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert tool.tables() & {"interrupted", "after_sleep"} == set()
    assert tool.run("status").returncode == 3
    # The server notices the dead client within a second and frees the lock and the half-made table.
    tool.write("0009_interrupted", "CREATE TABLE interrupted (id int);\nCREATE TABLE after_sleep (id int);", "DROP TABLE after_sleep;\nDROP TABLE interrupted;")
    ok(tool.run("repair", "--accept", "0001_initial_schema"))  # harmless: proves the lock is free
    ok(tool.run("migrate", "--lock-timeout", "15"))
    assert {"interrupted", "after_sleep"} <= tool.tables()


def test_rehearse_passes_for_reversible_migrations(tool, postgres_admin_url):
    out = ok(tool.run("rehearse")).stdout
    assert "Rehearsal passed" in out
    own = tool.url.rsplit("/", 1)[1]
    leftovers = [row[0] for row in psycopg.connect(postgres_admin_url, autocommit=True).execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (f"{own}_scratch_",))]
    assert leftovers == []
    assert tool.tables() == set(), "rehearse uses a scratch database, not DATABASE_URL's"


def test_rehearse_catches_a_rollback_that_leaves_something_behind(tool):
    tool.write("0009_tags", "CREATE TABLE tags (id int);\nCREATE INDEX tags_id ON tags (id);", "DROP INDEX tags_id;")
    failed = tool.run("rehearse")
    assert failed.returncode == 4
    assert "left behind in: tags" in failed.stderr


def test_unreachable_database_is_one_clear_paragraph(tool):
    tool.url = "postgresql://nobody:nothing@127.0.0.1:1/none"
    failed = tool.run("migrate")
    assert failed.returncode == 1
    assert failed.stderr.startswith("db migrate: ") and "Traceback" not in failed.stderr


def test_create_is_an_alias_of_new(tool):
    out = ok(tool.run("create", "add_tags")).stdout
    assert "_add_tags.sql" in out and "_add_tags.rollback.sql" in out


def test_status_records_the_duration_migrate_printed(tool):
    tool.write("0009_slow", "CREATE TABLE slow (id int);\nSELECT pg_sleep(0.3);", "DROP TABLE slow;")
    printed = ok(tool.run("migrate")).stdout
    shown = {line.split()[1]: int(line.split("(")[1].split(" ms")[0]) for line in printed.splitlines() if line.startswith("applied  ")}
    recorded = {a["id"]: a["durationMs"] for a in json.loads(tool.run("status", "--json").stdout)["applied"]}
    assert shown == recorded
    assert recorded["0009_slow"] >= 300


def test_a_no_transaction_migration_builds_an_index_while_writes_go_on(tool):
    """CREATE INDEX CONCURRENTLY on a large table, while another connection inserts without pause:
    no insert waits anywhere near the index build (a plain CREATE INDEX would block them all)."""
    ok(tool.run("migrate"))
    tool.sql("CREATE TABLE events (id bigserial PRIMARY KEY, payload text NOT NULL)")
    tool.sql("INSERT INTO events (payload) SELECT md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 600000) AS i")
    tool.write(
        "0009_events_payload",
        "-- db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS events_payload_idx ON events (payload);\n",
        "-- db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS events_payload_idx;\n",
    )
    waits, stop = [], threading.Event()

    def writer():
        with psycopg.connect(tool.url, autocommit=True) as conn:
            while not stop.is_set():
                started = time.perf_counter()
                conn.execute("INSERT INTO events (payload) VALUES ('written during the build')")
                waits.append(time.perf_counter() - started)
                time.sleep(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        applied = ok(tool.run("migrate"))
    finally:
        stop.set()
        thread.join()
    assert "applied  0009_events_payload" in applied.stdout
    valid = tool.sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'events_payload_idx'")
    assert valid == [(True,)]
    # The build's own time, as recorded: a blocking CREATE INDEX would hold one insert for about all of it.
    build_ms = {a["id"]: a["durationMs"] for a in json.loads(tool.run("status", "--json").stdout)["applied"]}["0009_events_payload"]
    print(f"index build {build_ms} ms, {len(waits)} inserts meanwhile, longest {max(waits) * 1000:.0f} ms")
    assert build_ms > 300, "the table is large enough for a build that a blocked insert would notice"
    assert len(waits) > 20, "the writer kept inserting during the build"
    assert max(waits) * 1000 < build_ms / 4, f"an insert waited {max(waits) * 1000:.0f} ms during a {build_ms} ms build"
    plan = ok(tool.run("rollback", "--yes"))
    assert "rolled back  0009_events_payload" in plan.stdout
    assert not tool.sql("SELECT 1 FROM pg_class WHERE relname = 'events_payload_idx'")


def test_a_failed_no_transaction_migration_names_the_invalid_index_and_its_fix(tool):
    ok(tool.run("migrate"))
    tool.sql("CREATE TABLE codes (code text NOT NULL)")
    tool.sql("INSERT INTO codes VALUES ('a'), ('b'), ('a')")
    tool.write(
        "0009_unique_codes",
        "-- db: no-transaction\nCREATE TABLE code_notes (id int);\nCREATE UNIQUE INDEX CONCURRENTLY codes_code_key ON codes (code);\n",
        "-- db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS codes_code_key;\nDROP TABLE IF EXISTS code_notes;\n",
    )
    failed = tool.run("migrate")
    assert failed.returncode == 1
    assert "0009_unique_codes failed at statement 2 (migrations/0009_unique_codes.sql line 3)" in failed.stderr
    assert "the 1 statement(s) before this one stay done" in failed.stderr
    assert "INVALID index(es) left behind: codes_code_key" in failed.stderr
    assert "DROP INDEX CONCURRENTLY IF EXISTS codes_code_key;" in failed.stderr
    assert json.loads(tool.run("status", "--json").stdout)["pending"] == ["0009_unique_codes"]
    # The named fix, the data repaired, and the same file finishes the job.
    tool.sql("DROP INDEX CONCURRENTLY IF EXISTS codes_code_key")
    tool.sql("DELETE FROM codes WHERE ctid = (SELECT max(ctid) FROM codes WHERE code = 'a')")
    tool.write(
        "0009_unique_codes",
        "-- db: no-transaction\nCREATE TABLE IF NOT EXISTS code_notes (id int);\nCREATE UNIQUE INDEX CONCURRENTLY codes_code_key ON codes (code);\n",
        "-- db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS codes_code_key;\nDROP TABLE IF EXISTS code_notes;\n",
    )
    ok(tool.run("migrate"))
    assert json.loads(tool.run("status", "--json").stdout)["state"] == "clean"


def test_the_templates_index_migration_runs_concurrently_and_lints_clean(tool):
    assert "-- db: no-transaction" in (tool.migrations / "0003_newest_first_indexes.sql").read_text()
    plan = ok(tool.run("migrate", "--dry-run")).stdout
    assert "0003_newest_first_indexes.sql, no-transaction" in plan
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS comments_post_id_created_at_id_idx" in plan
    linted = ok(tool.run("lint", "migrations/0003_newest_first_indexes.sql", "migrations/0003_newest_first_indexes.rollback.sql"))
    assert "0 destructive finding(s) not allowed, 0 other" in linted.stdout


def test_rollback_files_are_linted_and_only_drops_beyond_their_migration_are_refused(tool):
    ok(tool.run("migrate"))
    tool.write("0009_tags", "CREATE TABLE tags (id int);\nALTER TABLE posts ADD COLUMN tag_id int;", "ALTER TABLE posts DROP COLUMN tag_id;\nDROP TABLE tags;")
    linted = ok(tool.run("lint"))
    assert "0009_tags.rollback.sql:1: destructive (undoes its migration) [ban-drop-column]" in linted.stdout
    assert "0009_tags.rollback.sql:2: destructive (undoes its migration) [ban-drop-table]" in linted.stdout
    plan = ok(tool.run("migrate", "--dry-run")).stdout
    assert "Rolling these back later would run" in plan and "0009_tags.rollback.sql:2" in plan
    ok(tool.run("migrate"))
    # A rollback that also drops what its migration did not make is refused in batch mode.
    tool.write("0010_flag", "ALTER TABLE posts ADD COLUMN flagged boolean;", "ALTER TABLE posts DROP COLUMN flagged;\nDROP TABLE likes;")
    assert tool.run("lint").returncode == 5
    ok(tool.run("migrate"))
    refused = tool.run("rollback", "--yes")
    assert refused.returncode == 5
    assert "lose data their migration did not bring" in refused.stderr and "0010_flag.rollback.sql:2" in refused.stderr
    assert "likes" in tool.tables()
    ok(tool.run("rollback", "--yes", "--allow-destructive"))
    assert "likes" not in tool.tables()
    ok(tool.run("rollback", "--yes"))
    assert "tags" not in tool.tables()


def test_seed_fills_the_schema_at_two_sizes_and_replace_makes_it_repeatable(tool):
    ok(tool.run("migrate"))
    small = ok(tool.run("seed", "--users", "50", "--posts", "4", "--comments", "2", "--likes", "3")).stdout
    assert "seeded 50 users, 200 posts, 400 comments, 150 likes (800 rows)" in small
    assert tool.sql("SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL AND password_hash LIKE '$argon2id$%'") == [(50,)]
    again = ok(tool.run("seed", "--users", "10", "--posts", "1")).stdout
    assert "seeded 10 users" in again
    assert tool.sql("SELECT min(email), count(*) FROM users WHERE email LIKE 'seed-5_@example.com'")[0][1] == 10, "a second run adds the next numbers"
    large = ok(tool.run("seed", "--users", "1000", "--posts", "10", "--comments", "5", "--likes", "40", "--replace")).stdout
    assert "removed the earlier seed (60 users and their rows)" in large
    assert tool.sql("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM posts), (SELECT count(*) FROM comments), (SELECT count(*) FROM likes)") == [(1000, 10000, 50000, 40000)]
    rate = float(large.split("rows/s")[0].rsplit("(", 1)[1].replace(",", ""))
    print(f"seed rates: small {small.split('rows/s')[0].rsplit('(', 1)[1]} rows/s, large {rate:,.0f} rows/s")
    assert tool.sql("SELECT count(*) FROM posts WHERE NOT published") == [(1000,)]


def test_seed_refuses_a_database_that_looks_like_production_unless_forced(tool, postgres_admin_url):
    from tests import services

    tool.url = services.create_database(postgres_admin_url, f"shop_production_{uuid.uuid4().hex[:6]}")
    ok(tool.run("migrate"))
    refused = tool.run("seed", "--users", "5")
    assert refused.returncode == 5
    assert "database name 'shop_production_" in refused.stderr and "--force" in refused.stderr
    assert tool.sql("SELECT count(*) FROM users") == [(0,)]
    ok(tool.run("seed", "--users", "5", "--force"))
    unmigrated = tool.run("seed", "--url", services.create_database(postgres_admin_url, f"empty_{uuid.uuid4().hex[:6]}"))
    assert unmigrated.returncode == 2 and "npm run db:migrate" in unmigrated.stderr


def test_backup_before_migrating_is_a_dump_that_restores_the_data(tool, tmp_path, postgres_admin_url):
    from tests import services

    ok(tool.run("migrate"))
    ok(tool.run("seed", "--users", "20", "--posts", "2"))
    likes = tool.sql("SELECT count(*) FROM likes")[0][0]
    tool.write("0009_drop_likes", "-- db: allow-destructive (reviewed)\nDROP TABLE likes;", "CREATE TABLE likes (id int);")
    dump = tmp_path / "backups" / "before.dump"
    out = ok(tool.run("migrate", "--backup", str(dump))).stdout
    assert f"backup   {dump}" in out and "pg_restore --no-owner --dbname" in out
    assert out.index("backup") < out.index("applied  0009_drop_likes")
    assert "likes" not in tool.tables() and not dump.with_name("before.dump.partial").exists()
    # The printed command brings the data back into an empty database.
    restored = services.create_database(postgres_admin_url, f"restored_{uuid.uuid4().hex[:8]}")
    subprocess.run(["pg_restore", "--no-owner", "--dbname", restored, str(dump)], capture_output=True, text=True, check=True)
    with psycopg.connect(restored) as conn:
        assert conn.execute("SELECT count(*) FROM likes").fetchone()[0] == likes > 0


def test_backup_is_refused_when_pg_dump_is_missing_or_of_another_major(tool, tmp_path):
    tool.write("0009_tags", "CREATE TABLE tags (id int);", "DROP TABLE tags;")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n")
    (fake / "pg_dump").chmod(0o755)
    older = tool.run("migrate", "--backup", "x.dump", env={"PATH": f"{fake}:/usr/bin:/bin"})
    assert older.returncode == 2 and "PostgreSQL 11's pg_dump and the server is PostgreSQL" in older.stderr
    (fake / "pg_dump").unlink()
    missing = tool.run("migrate", "--backup", "x.dump", env={"PATH": str(fake)})
    assert missing.returncode == 2 and "--backup needs pg_dump on PATH" in missing.stderr
    assert "tags" not in tool.tables()


def test_an_index_build_cancelled_earlier_is_named_and_refused_until_dropped(tool):
    """A CONCURRENTLY build that was cancelled leaves an INVALID index under the migration's own
    name; IF NOT EXISTS would keep it. The run refuses (keeping the old index) and names the fix."""
    for stem in ("0003_newest_first_indexes",):
        (tool.migrations / f"{stem}.sql").rename(tool.root / f"{stem}.sql")
        (tool.migrations / f"{stem}.rollback.sql").rename(tool.root / f"{stem}.rollback.sql")
    ok(tool.run("migrate"))
    user = tool.sql("INSERT INTO users (email, name) VALUES ('a@example.com', 'A') RETURNING id")[0][0]
    post = tool.sql("INSERT INTO posts (title, content, author_id) VALUES ('t', 'c', %s) RETURNING id", (user,))[0][0]
    tool.sql("INSERT INTO comments (content, post_id, author_id) VALUES ('one', %s, %s), ('two', %s, %s)", (post, user, post, user))
    with pytest.raises(psycopg.errors.UniqueViolation):  # a build that fails half-way, as a cancelled one does
        tool.sql("CREATE UNIQUE INDEX CONCURRENTLY comments_post_id_created_at_id_idx ON comments (post_id)")
    for name in ("0003_newest_first_indexes.sql", "0003_newest_first_indexes.rollback.sql"):
        (tool.root / name).rename(tool.migrations / name)
    refused = tool.run("migrate")
    assert refused.returncode == 1
    assert "names INVALID index(es) comments_post_id_created_at_id_idx" in refused.stderr
    assert "DROP INDEX CONCURRENTLY IF EXISTS comments_post_id_created_at_id_idx;" in refused.stderr
    assert tool.sql("SELECT 1 FROM pg_class WHERE relname = 'comments_post_id_idx'"), "the old index is still there"
    tool.sql("DROP INDEX CONCURRENTLY IF EXISTS comments_post_id_created_at_id_idx")
    ok(tool.run("migrate"))
    assert tool.sql("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'comments'::regclass") == [(True,)]
