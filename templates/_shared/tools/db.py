"""Database migrations for this project: yoyo SQL files in migrations/, plus safety glue.

  db.py migrate             apply pending migrations, one transaction each, timed
  db.py rollback [--steps N] [--yes]
                            undo the last N applied migrations (default 1)
  db.py status              list applied and pending migrations
  db.py new NAME            write NNNN_NAME.sql and NNNN_NAME.rollback.sql

Exit codes: 0 done / up to date, 1 failed, 2 bad usage or configuration,
3 (status) migrations are pending.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PENDING = 0, 1, 2, 3


class DbError(Exception):
    """A failure explained in one paragraph; printed without a traceback."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def load_yoyo():
    try:
        import yoyo  # noqa: F401
    except ImportError:
        raise DbError(
            "yoyo-migrations is not installed for this Python. Run `npm run setup:python` "
            "(creates .venv from requirements.txt) or `pip install -r requirements.txt`.",
            EXIT_USAGE,
        ) from None
    return yoyo


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    env_file = ROOT / ".env"
    if not url and env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "DATABASE_URL":
                url = value.strip().strip('"').strip("'")
    if not url:
        raise DbError("DATABASE_URL is not set; set it in the environment or in .env (see .env.example).", EXIT_USAGE)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise DbError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme}://.", EXIT_USAGE)
    # yoyo speaks psycopg 3 through the postgresql+psycopg scheme; drop Prisma-only parameters.
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("schema", "connection_limit", "pool_timeout")]
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, urlencode(query), ""))


def open_backend():
    yoyo = load_yoyo()
    try:
        return yoyo.get_backend(database_url())
    except Exception as exc:  # the driver's own message says what is wrong
        raise DbError(f"Cannot connect to the database: {exc}".strip(), EXIT_FAILED) from None


def read_all():
    yoyo = load_yoyo()
    return yoyo.read_migrations(str(MIGRATIONS))


def cmd_migrate(args) -> int:
    backend = open_backend()
    migrations = read_all()
    with backend.lock():
        pending = backend.to_apply(migrations)
        if not pending:
            print("Database is up to date.")
            return EXIT_OK
        for migration in pending:
            started = time.perf_counter()
            try:
                backend.apply_one(migration)
            except Exception as exc:
                raise DbError(
                    f"Migration {migration.id} failed and was rolled back: {exc}".strip()
                    + "\nFix the SQL in migrations/, then run `npm run db:migrate` again."
                ) from None
            print(f"applied  {migration.id}  ({(time.perf_counter() - started) * 1000:.0f} ms)")
    print(f"{len(pending)} migration(s) applied.")
    return EXIT_OK


def cmd_rollback(args) -> int:
    backend = open_backend()
    migrations = read_all()
    with backend.lock():
        targets = list(backend.to_rollback(migrations))[: args.steps]
        if not targets:
            print("Nothing to roll back.")
            return EXIT_OK
        for migration in targets:
            down = MIGRATIONS / f"{migration.id}.rollback.sql"
            if not down.exists() or not down.read_text().strip():
                raise DbError(
                    f"Migration {migration.id} has no rollback SQL ({down.relative_to(ROOT)} is missing or empty); "
                    "nothing was rolled back. Write the rollback file first."
                )
        print("Will roll back: " + ", ".join(m.id for m in targets))
        if not args.yes:
            if not sys.stdin.isatty():
                raise DbError("Rollback needs confirmation; pass --yes when running without a terminal.", EXIT_USAGE)
            if input("Proceed? [y/N] ").strip().lower() not in ("y", "yes"):
                print("Cancelled.")
                return EXIT_FAILED
        for migration in targets:
            started = time.perf_counter()
            backend.rollback_one(migration)
            print(f"rolled back  {migration.id}  ({(time.perf_counter() - started) * 1000:.0f} ms)")
    return EXIT_OK


def cmd_status(args) -> int:
    backend = open_backend()
    migrations = read_all()
    pending = {m.id for m in backend.to_apply(migrations)}
    for migration in migrations:
        print(f"{'pending' if migration.id in pending else 'applied'}  {migration.id}")
    if pending:
        print(f"{len(pending)} pending; run `npm run db:migrate`.")
        return EXIT_PENDING
    print("Up to date.")
    return EXIT_OK


def cmd_new(args) -> int:
    slug = re.sub(r"[^a-z0-9]+", "_", args.name.lower()).strip("_")
    if not slug:
        raise DbError("Name the migration with letters or digits, e.g. `npm run db:new -- add_tags`.", EXIT_USAGE)
    numbers = [int(m.group(1)) for p in MIGRATIONS.glob("*.sql") if (m := re.match(r"(\d+)_", p.name))]
    stem = f"{(max(numbers) if numbers else 0) + 1:04d}_{slug}"
    up, down = MIGRATIONS / f"{stem}.sql", MIGRATIONS / f"{stem}.rollback.sql"
    up.write_text(f"-- {stem}: describe the change.\n")
    down.write_text(f"-- Undo {stem}.sql exactly.\n")
    print(f"created  {up.relative_to(ROOT)}\ncreated  {down.relative_to(ROOT)}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="db", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=cmd_migrate)
    rollback = sub.add_parser("rollback", help="undo applied migrations")
    rollback.add_argument("--steps", type=int, default=1)
    rollback.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rollback.set_defaults(run=cmd_rollback)
    sub.add_parser("status", help="applied and pending migrations").set_defaults(run=cmd_status)
    new = sub.add_parser("new", help="create a migration and its rollback file")
    new.add_argument("name")
    new.set_defaults(run=cmd_new)
    args = parser.parse_args(argv)
    if getattr(args, "steps", 1) < 1:
        parser.error("--steps must be 1 or more")
    try:
        return args.run(args)
    except DbError as exc:
        print(f"db {args.command}: {exc}", file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
