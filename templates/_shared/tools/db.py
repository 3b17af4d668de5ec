"""Database migrations for this project: yoyo SQL files in migrations/, plus safety glue.

  db.py new NAME [--from-schema]
                              write NNNN_NAME.sql and NNNN_NAME.rollback.sql together (`create` too);
                              --from-schema writes both from prisma/schema.prisma's difference
  db.py migrate [--dry-run] [--allow-destructive] [--lock-timeout S] [--backup FILE]
                              validate, then apply pending migrations one transaction each, timed
  db.py rollback [--steps N] [--yes] [--allow-destructive]
                              undo the last N applied migrations (default 1), after confirmation
  db.py seed [--users N] [--posts N] [--comments N] [--likes N] [--replace] [--force]
                              realistic data, made by PostgreSQL itself (see tools/seed.py)
  db.py status [--json]       applied (when, how long), pending, and validation problems
  db.py validate              applied files unchanged, none missing, nothing pending out of order
  db.py repair --accept ID    accept an intentional edit of an applied migration (new checksums)
  db.py lint [FILE ...]       squawk's PostgreSQL rules plus data-loss checks on migrations
  db.py rehearse [--url URL]  on a scratch database: apply all, roll all back, apply all again

yoyo applies the SQL and keeps its own records; this glue adds content checksums, a
PostgreSQL advisory lock (released by the server if the process dies), apply-and-record in
one transaction, a dry-run plan, destructive-statement protection, timings and exit codes.
A file with the line `-- db: no-transaction` runs statement by statement outside a
transaction (CREATE INDEX CONCURRENTLY), still under the lock, and is recorded once all ran.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"

EXIT_OK = 0  # done; status: clean
EXIT_FAILED = 1  # a migration or the database failed
EXIT_USAGE = 2  # bad arguments or configuration
EXIT_PENDING = 3  # status: migrations are pending
EXIT_INVALID = 4  # validation failed: edited, missing or out-of-order migrations
EXIT_REFUSED = 5  # refused: destructive change, no confirmation, or lock not obtained

META_TABLE = "_db_migration_meta"
LOCK_KEY = zlib.crc32(b"backend-kit:db migrate")  # one advisory lock per database
# Rules whose findings mean data can be lost or clients break; refused unless allowed.
DESTRUCTIVE_RULES = {
    "ban-drop-table",
    "ban-drop-column",
    "ban-drop-database",
    "ban-drop-schema",
    "ban-truncate-cascade",
    "changing-column-type",
    "renaming-column",
    "renaming-table",
    "truncate",
    "delete-without-where",
}
SQUAWK_EXCLUDED = "require-lock-timeout,require-statement-timeout"
ALLOW_DIRECTIVE = re.compile(r"^--\s*db:\s*allow-destructive\b", re.MULTILINE)
# A file whose statements must run one by one outside a transaction (CREATE INDEX CONCURRENTLY).
NO_TRANSACTION_DIRECTIVE = re.compile(r"^--\s*db:\s*no-transaction\b", re.MULTILINE)
LOCK_TIMEOUT = "10s"  # a statement waiting longer than this for a lock fails instead of queueing every query
BOOKKEEPING = ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock", META_TABLE)


class DbError(Exception):
    """A failure explained in one paragraph; printed without a traceback."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# --- configuration ---------------------------------------------------------------------


def load_yoyo():
    try:
        import yoyo  # noqa: F401
    except ImportError:
        raise DbError(
            "yoyo-migrations is not installed for this Python. Run the command through npm (`npm run db:migrate` "
            "and the like make .venv by themselves) or `pip install -r requirements/db.txt`.",
            EXIT_USAGE,
        ) from None
    return yoyo


def _env_file_value(name: str) -> str | None:
    """A variable of .env (its last line, as a shell would read it), if the file sets it."""
    env_file = ROOT / ".env"
    found = None
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == name:
                found = value.strip().strip('"').strip("'")
    return found or None


PGBOUNCER_PORT = 6432


def raw_database_url() -> str:
    """DIRECT_DATABASE_URL when set (PostgreSQL itself, where the API goes through a pooler), else
    DATABASE_URL. A pooler's address is refused: migrations hold a session-level advisory lock,
    and a transaction pooler hands the session to someone else after each statement."""
    # The environment first, .env after: a DATABASE_URL given on the command line is never
    # overridden by a DIRECT_DATABASE_URL left in .env.
    name, url = next(
        ((name, value) for read in (os.environ.get, _env_file_value) for name in ("DIRECT_DATABASE_URL", "DATABASE_URL") if (value := read(name))),
        ("DATABASE_URL", None),
    )
    if not url:
        raise DbError("DATABASE_URL is not set; set it in the environment or in .env (see .env.example).", EXIT_USAGE)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise DbError(f"{name} must be a postgresql:// URL, not {parts.scheme}://.", EXIT_USAGE)
    if parts.port == PGBOUNCER_PORT or dict(parse_qsl(parts.query)).get("pgbouncer") == "true":
        raise DbError(
            f"{name} points at a connection pooler (port {parts.port or 5432}, or pgbouncer=true): "
            "migrations hold a session-level advisory lock, which a transaction pooler cannot keep. "
            "Set DIRECT_DATABASE_URL to PostgreSQL itself (as docker-compose.yml's migrate service connects) and run again.",
            EXIT_USAGE,
        )
    return url


def libpq_url(url: str) -> str:
    """The URL without Prisma-only parameters, as psycopg reads it."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("schema", "pgbouncer", "connection_limit", "pool_timeout")]
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))


def yoyo_url(url: str) -> str:
    # yoyo speaks psycopg 3 through the postgresql+psycopg scheme.
    return "postgresql+psycopg" + libpq_url(url)[len("postgresql") :]


# --- migration files -------------------------------------------------------------------


def checksum(path: Path) -> str | None:
    """SHA-256 of the file with line endings normalised, so a Windows checkout matches."""
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def down_path(migration_id: str) -> Path:
    return MIGRATIONS / f"{migration_id}.rollback.sql"


def up_path(migration_id: str) -> Path:
    return MIGRATIONS / f"{migration_id}.sql"


def statements(path: Path) -> list[str]:
    from yoyo.migrations import read_sql_migration

    return read_sql_migration(str(path))[2]


def is_blank(path: Path) -> bool:
    """True when the file is missing or holds nothing but comments and whitespace."""
    if not path.exists():
        return True
    return not any(_strip_comments(s).strip() for s in statements(path))


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", re.sub(r"/\*.*?\*/", "", sql, flags=re.S))


def locate(text: str, statement: str, offset: int = 0) -> tuple[int | None, int]:
    """The 1-based line where `statement` starts in `text` (searching from `offset`), and the offset after it."""
    start = text.find(statement.strip(), offset)
    if start < 0:
        return None, offset
    return text.count("\n", 0, start) + 1, start + len(statement.strip())


def read_migrations():
    yoyo = load_yoyo()
    if not MIGRATIONS.is_dir():
        raise DbError(f"No migrations folder at {MIGRATIONS}.", EXIT_USAGE)
    return sorted(yoyo.read_migrations(str(MIGRATIONS)), key=lambda m: m.id)


# --- database access -------------------------------------------------------------------


class ReadOnlyBackend:
    """Enough of yoyo's backend interface for reading, without creating yoyo's tables."""

    def __init__(self, url: str):
        import psycopg

        try:
            self.connection = psycopg.connect(libpq_url(url), autocommit=True)
        except psycopg.Error as exc:
            raise DbError(f"Cannot connect to the database: {str(exc).strip()}", EXIT_FAILED) from None

    def execute(self, sql: str, params: dict | None = None):
        from yoyo.utils import change_param_style

        sql, bound = change_param_style("pyformat", sql, params)
        cursor = self.connection.cursor()
        cursor.execute(sql, bound or None)
        return cursor


def open_backend(url: str, create: bool = True):
    """yoyo's backend on `url`, its bookkeeping tables and ours made if missing; or, without
    `create` (status, validate, dry run), a read-only connection that creates nothing."""
    if not create:
        load_yoyo()
        return ReadOnlyBackend(url)
    yoyo = load_yoyo()
    try:
        backend = yoyo.get_backend(yoyo_url(url))
        backend.ensure_internal_schema_updated()
    except Exception as exc:  # the driver's own message says what is wrong
        raise DbError(f"Cannot connect to the database: {exc}".strip(), EXIT_FAILED) from None
    if create:
        with backend.transaction():
            backend.execute(
                f"CREATE TABLE IF NOT EXISTS {META_TABLE} ("
                " migration_id text PRIMARY KEY,"
                " up_sha256 text NOT NULL,"
                " down_sha256 text,"
                " applied_at timestamptz NOT NULL DEFAULT now(),"
                " duration_ms integer NOT NULL DEFAULT 0)"
            )
    return backend


def table_exists(backend, name: str) -> bool:
    return query(backend, "SELECT to_regclass(:name) IS NOT NULL", {"name": name})[0][0]


def query(backend, sql: str, params: dict | None = None) -> list[tuple]:
    cursor = backend.execute(sql, params or {})
    rows = cursor.fetchall() if cursor.description else []
    cursor.close()
    return rows


@dataclass
class Applied:
    id: str
    applied_at: datetime
    up_sha256: str | None = None
    down_sha256: str | None = None
    duration_ms: int | None = None


def applied_migrations(backend) -> dict[str, Applied]:
    if not table_exists(backend, "_yoyo_migration"):
        return {}  # a database nothing was ever applied to (read-only commands create nothing)
    rows = query(backend, "SELECT migration_id, applied_at_utc FROM _yoyo_migration ORDER BY applied_at_utc, migration_id")
    applied = {row[0]: Applied(row[0], row[1].replace(tzinfo=timezone.utc)) for row in rows}
    meta = query(backend, f"SELECT migration_id, up_sha256, down_sha256, applied_at, duration_ms FROM {META_TABLE}") if table_exists(backend, META_TABLE) else []
    for mid, up, down, at, ms in meta:
        if mid in applied:
            applied[mid].up_sha256, applied[mid].down_sha256, applied[mid].duration_ms = up, down, ms
            applied[mid].applied_at = at
    return applied


class AdvisoryLock:
    """A session-level PostgreSQL advisory lock on its own connection: if this process
    dies, the server ends the session and the lock with it, so nothing stale is left."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout

    def __enter__(self):
        import psycopg

        try:
            self.conn = psycopg.connect(libpq_url(self.url), autocommit=True)
        except psycopg.Error as exc:
            raise DbError(f"Cannot connect to the database: {str(exc).strip()}", EXIT_FAILED) from None
        deadline = time.monotonic() + self.timeout
        announced = False
        while not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                self.conn.close()
                raise DbError(
                    f"Another `db` process held the migration lock for {self.timeout:g} s; nothing was applied. "
                    "Wait for it to finish (or raise --lock-timeout) and run the command again.",
                    EXIT_REFUSED,
                )
            if not announced:
                print("waiting for another db process to finish…", file=sys.stderr)
                announced = True
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        try:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        finally:
            self.conn.close()


# --- validation ------------------------------------------------------------------------


@dataclass
class Report:
    files: list = field(default_factory=list)
    applied: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    unverified: list = field(default_factory=list)  # applied before checksums were kept


def inspect(backend) -> Report:
    files = read_migrations()
    applied = applied_migrations(backend)
    report = Report(files=files, applied=applied)
    by_id = {m.id: m for m in files}
    for mid, record in applied.items():
        up, down = up_path(mid), down_path(mid)
        if mid not in by_id or not up.exists():
            report.problems.append(
                f"{mid} is applied but {up.relative_to(ROOT)} is missing (deleted or renamed). "
                "Restore the file from version control; to undo the change, add a new migration instead."
            )
            continue
        if not down.exists():
            report.problems.append(f"{mid} is applied but its rollback file {down.relative_to(ROOT)} is missing; restore it.")
        if record.up_sha256 is None:
            report.unverified.append(mid)
            continue
        for path, recorded in ((up, record.up_sha256), (down, record.down_sha256)):
            actual = checksum(path)
            if recorded is not None and actual is not None and actual != recorded:
                report.problems.append(
                    f"{path.relative_to(ROOT)} changed after {mid} was applied (checksum {recorded[:12]} is now {actual[:12]}). "
                    f"Revert the edit and put the change in a new migration (`npm run db:new -- NAME`), "
                    f"or, if the edit is intended and the database already matches it, run `npm run db:repair -- --accept {mid}`."
                )
    report.pending = [m for m in files if m.id not in applied]
    newest_applied = max(applied, default="")
    for migration in report.pending:
        if migration.id < newest_applied:
            report.problems.append(
                f"{migration.id} is pending but sorts before {newest_applied}, which is already applied; "
                "databases that ran the newer one would apply it out of order. Rename it after the newest migration "
                "(or recreate it with `npm run db:new -- NAME`)."
            )
        if not down_path(migration.id).exists():
            report.problems.append(
                f"{migration.id} has no rollback file {down_path(migration.id).relative_to(ROOT)}; write it before migrating."
            )
    return report


def require_valid(report: Report) -> None:
    if report.problems:
        raise DbError("Validation failed; nothing was changed.\n- " + "\n- ".join(report.problems), EXIT_INVALID)


# --- lint ------------------------------------------------------------------------------


@dataclass
class Finding:
    file: Path
    line: int
    rule: str
    message: str

    @property
    def destructive(self) -> bool:
        return self.rule in DESTRUCTIVE_RULES

    def __str__(self) -> str:
        kind = ("destructive (undoes its migration)" if undoes_its_migration(self) else "destructive") if self.destructive else "warning"
        try:
            shown = self.file.resolve().relative_to(ROOT)
        except ValueError:
            shown = self.file
        return f"{shown}:{self.line}: {kind} [{self.rule}] {self.message}"


def squawk_binary() -> str:
    here = Path(sys.executable).parent / "squawk"
    found = str(here) if here.exists() else shutil.which("squawk")
    if not found:
        raise DbError(
            "squawk (the PostgreSQL migration linter) is not installed for this Python. "
            "Run the command through npm (`npm run db:lint`), which installs it into .venv, or `pip install -r requirements/db.txt`.",
            EXIT_USAGE,
        )
    return found


def lint_files(paths: list[Path]) -> list[Finding]:
    """squawk's rules, plus the two data-loss statements it does not flag (TRUNCATE, DELETE without WHERE)."""
    if not paths:
        return []
    raw = []
    # A file runs in one transaction unless it says otherwise; lock_timeout is set by this tool,
    # statement_timeout is the server's.
    for in_transaction in (True, False):
        group = [str(p) for p in paths if transactional(p) == in_transaction]
        if not group:
            continue
        flags = ["--assume-in-transaction"] if in_transaction else []
        proc = subprocess.run(
            [squawk_binary(), "--reporter", "json", *flags, "--exclude", SQUAWK_EXCLUDED, *group],
            capture_output=True,
            text=True,
        )
        try:
            raw += json.loads(proc.stdout or "[]")
        except json.JSONDecodeError:
            raise DbError(f"squawk failed: {(proc.stderr or proc.stdout).strip()}") from None
    findings = [
        Finding(Path(item["file"]), int(item.get("line", 0)) + 1, item.get("rule_name", "syntax-error"), item.get("message", "").strip())
        for item in raw
    ]
    for path in paths:
        text = path.read_text()
        offset = 0
        for statement in statements(path):
            line, offset = locate(text, statement, offset)
            line = line or 1
            code = _strip_comments(statement).strip()
            if re.match(r"(?i)^truncate\b", code):
                findings.append(Finding(path, line, "truncate", "TRUNCATE deletes every row of the table."))
            elif re.match(r"(?i)^delete\s+from\b", code) and not re.search(r"(?i)\bwhere\b", code):
                findings.append(Finding(path, line, "delete-without-where", "DELETE without WHERE deletes every row of the table."))
    return sorted(findings, key=lambda f: (str(f.file), f.line, f.rule))


def allowed_in_file(path: Path) -> bool:
    return bool(ALLOW_DIRECTIVE.search(path.read_text()))


def _name(raw: str) -> str:
    return raw.replace('"', "").lower().removeprefix("public.")


ALTER_TABLE = re.compile(r'(?is)\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?([\w."]+)')


def made_by(up: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The tables an up file creates and the (table, column) pairs it adds."""
    tables: set[str] = set()
    columns: set[tuple[str, str]] = set()
    if not up.exists():
        return tables, columns
    for statement in statements(up):
        code = _strip_comments(statement)
        tables.update(_name(m) for m in re.findall(r'(?i)\bcreate\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?([\w."]+)', code))
        altered = ALTER_TABLE.match(code)
        if altered:
            for column in re.findall(r'(?i)\badd\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?([\w"]+)', code):
                if _name(column) not in ("constraint", "primary", "unique", "foreign", "check"):
                    columns.add((_name(altered.group(1)), _name(column)))
    return tables, columns


def statement_at(path: Path, line: int) -> str:
    """The statement of `path` that contains 1-based `line`."""
    text, offset, found = path.read_text(), 0, ""
    for statement in statements(path):
        start, offset = locate(text, statement, offset)
        if start is not None and start <= line:
            found = statement
    return _strip_comments(found)


def undoes_its_migration(finding: Finding) -> bool:
    """True for a rollback statement that only drops tables or columns its own up file made:
    the data it loses is the data the migration brought, which is what a rollback is for."""
    name = finding.file.name
    if not name.endswith(".rollback.sql") or finding.rule not in ("ban-drop-table", "ban-drop-column"):
        return False
    tables, columns = made_by(finding.file.with_name(name.removesuffix(".rollback.sql") + ".sql"))
    code = statement_at(finding.file, finding.line)
    if finding.rule == "ban-drop-table":
        dropped = re.match(r'(?is)\s*drop\s+table\s+(?:if\s+exists\s+)?(.+?)(?:\s+(?:cascade|restrict))?\s*;?\s*$', code)
        names = [_name(n.strip()) for n in dropped.group(1).split(",")] if dropped else []
        return bool(names) and all(n in tables for n in names)
    altered = ALTER_TABLE.match(code)
    dropped_columns = re.findall(r'(?i)\bdrop\s+column\s+(?:if\s+exists\s+)?([\w"]+)', code)
    return bool(altered and dropped_columns) and all((_name(altered.group(1)), _name(c)) in columns for c in dropped_columns)


def refused(findings: list[Finding]) -> list[Finding]:
    """Destructive findings in files that do not carry the reviewed `-- db: allow-destructive` line,
    except a rollback's drops of what its own migration made (expected; reported, not refused)."""
    return [f for f in findings if f.destructive and not allowed_in_file(f.file) and not undoes_its_migration(f)]


# --- applying --------------------------------------------------------------------------


def _statement_error(migration_id: str, path: Path, index: int, statement: str, exc: Exception, verb: str, kept: int | None = None) -> DbError:
    diag = getattr(exc, "diag", None)
    reason = (getattr(diag, "message_primary", None) or str(exc)).strip()
    sqlstate = getattr(exc, "sqlstate", None)
    line, _ = locate(path.read_text(), statement)
    where = f"{path.relative_to(ROOT)}" + (f" line {line}" if line else "")
    shown = " ".join(_strip_comments(statement).split())
    shown = shown if len(shown) <= 160 else shown[:157] + "…"
    if kept is None:
        outcome = f"Nothing of {migration_id} was kept: its transaction was rolled back and the schema is as it was. "
    else:
        outcome = (
            f"{path.name} runs outside a transaction (`-- db: no-transaction`): the {kept} statement(s) before this one "
            f"stay done, and {migration_id} is not recorded as {'applied' if verb == 'Migration' else 'rolled back'}. "
            "Its statements should be safe to run again (IF [NOT] EXISTS). "
        )
    return DbError(
        f"{verb} {migration_id} failed at statement {index} ({where}): {shown}\n"
        f"PostgreSQL said: {reason}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "") + ".\n"
        + outcome
        + f"Fix the SQL in {path.relative_to(ROOT)} and run the command again."
    )


def _run_statements(backend, migration_id: str, path: Path, verb: str) -> None:
    for index, statement in enumerate(statements(path), start=1):
        if not _strip_comments(statement).strip():
            continue
        cursor = backend.cursor()
        try:
            cursor.execute(statement)
        except backend.DatabaseError as exc:
            raise _statement_error(migration_id, path, index, statement, exc, verb) from None
        finally:
            cursor.close()


def _log(backend, migration, operation: str) -> None:
    backend.execute(
        "INSERT INTO _yoyo_log (id, migration_hash, migration_id, operation, username, hostname, created_at_utc) "
        "VALUES (:id, :hash, :mid, :op, :user, :host, :at)",
        {
            "id": str(uuid.uuid1()),
            "hash": migration.hash,
            "mid": migration.id,
            "op": operation,
            "user": getpass.getuser(),
            "host": socket.gethostname(),
            "at": datetime.now(timezone.utc).replace(tzinfo=None),
        },
    )


def _session_guards(backend) -> None:
    """Inside the migration's transaction: give up on a lock after 10 s rather than queue every
    query behind it, and (PostgreSQL 14+) abort within a second if this process dies."""
    backend.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    if backend.connection.info.server_version >= 140000:
        backend.execute("SET LOCAL client_connection_check_interval = '1s'")


def transactional(path: Path) -> bool:
    """False for a file that carries `-- db: no-transaction` (CREATE INDEX CONCURRENTLY and the like)."""
    return not (path.exists() and NO_TRANSACTION_DIRECTIVE.search(path.read_text()))


def invalid_indexes(backend) -> list[str]:
    """Indexes a failed CREATE INDEX CONCURRENTLY left behind: present, unused, still maintained."""
    rows = query(
        backend,
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND n.nspname = current_schema() ORDER BY 1",
    )
    return [row[0] for row in rows]


def _invalid_named_in(backend, path: Path) -> list[str]:
    """INVALID indexes whose names appear in `path`: a CREATE INDEX CONCURRENTLY IF NOT EXISTS
    would skip them as existing, so they must be dropped before the file runs."""
    text = path.read_text()
    return [name for name in invalid_indexes(backend) if re.search(rf"\b{re.escape(name)}\b", text)]


def _drop_statements(names: list[str]) -> str:
    return " ".join(f"DROP INDEX CONCURRENTLY IF EXISTS {name};" for name in names)


# Set while a no-transaction file runs, so an interrupt says what stays done.
OUTSIDE_TRANSACTION: list[str] = []


def _run_outside_transaction(backend, migration_id: str, path: Path, verb: str) -> None:
    """Each statement on its own (autocommit), as CONCURRENTLY requires; still under the migration
    lock. A failure keeps what ran before it, so it is named. lock_timeout applies to every
    statement but the CONCURRENTLY ones: those wait for older transactions to end, which blocks
    no one's reads or writes, so a long report query must not make them fail."""
    leftover = _invalid_named_in(backend, path)
    if leftover:
        raise DbError(
            f"{path.relative_to(ROOT)} names INVALID index(es) {', '.join(leftover)}, left by an earlier run cut short: "
            f"IF NOT EXISTS would keep them unusable. Drop them with `{_drop_statements(leftover)}`, then run the command again.",
            EXIT_FAILED,
        )
    done = 0
    OUTSIDE_TRANSACTION.append(migration_id)
    try:
        for index, statement in enumerate(statements(path), start=1):
            code = _strip_comments(statement)
            if not code.strip():
                continue
            concurrent = re.search(r"(?i)\bconcurrently\b", code) is not None
            backend.execute("SET lock_timeout = 0" if concurrent else f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            cursor = backend.cursor()
            try:
                cursor.execute(statement)
            except backend.DatabaseError as exc:
                error = _statement_error(migration_id, path, index, statement, exc, verb, kept=done)
                invalid = invalid_indexes(backend)
                if invalid:
                    error = DbError(
                        f"{error}\nINVALID index(es) left behind: {', '.join(invalid)} (not used by queries, yet "
                        f"maintained on every write). Drop them with `{_drop_statements(invalid)}`, then run the command again.",
                        error.code,
                    )
                raise error from None
            finally:
                cursor.close()
            done += 1
        leftover = _invalid_named_in(backend, path)
        if leftover:
            raise DbError(
                f"{verb} {migration_id} ran every statement, yet index(es) {', '.join(leftover)} are INVALID; it is not recorded. "
                f"Drop them with `{_drop_statements(leftover)}`, then run the command again.",
                EXIT_FAILED,
            )
    finally:
        OUTSIDE_TRANSACTION.remove(migration_id)
        backend.execute("RESET lock_timeout")


def _run(backend, migration_id: str, path: Path, verb: str) -> float:
    """Runs a migration or rollback file and returns the milliseconds its statements took."""
    started = time.perf_counter()
    if transactional(path):
        _session_guards(backend)
        _run_statements(backend, migration_id, path, verb)
    else:
        _run_outside_transaction(backend, migration_id, path, verb)
    return (time.perf_counter() - started) * 1000


def _record_apply(backend, migration, elapsed_ms: float) -> None:
    backend.mark_one(migration, log=False)
    _log(backend, migration, "apply")
    backend.execute(
        f"INSERT INTO {META_TABLE} (migration_id, up_sha256, down_sha256, duration_ms) VALUES (:mid, :up, :down, :ms) "
        "ON CONFLICT (migration_id) DO UPDATE SET up_sha256 = EXCLUDED.up_sha256, down_sha256 = EXCLUDED.down_sha256, "
        "applied_at = now(), duration_ms = EXCLUDED.duration_ms",
        {"mid": migration.id, "up": checksum(up_path(migration.id)), "down": checksum(down_path(migration.id)), "ms": round(elapsed_ms)},
    )


def _record_rollback(backend, migration) -> None:
    backend.unmark_one(migration, log=False)
    _log(backend, migration, "rollback")
    backend.execute(f"DELETE FROM {META_TABLE} WHERE migration_id = :mid", {"mid": migration.id})


def apply_one(backend, migration) -> int:
    """Runs the up file and records it (yoyo's record, checksums, timing): in one transaction, or,
    for a `no-transaction` file, statement by statement and recorded once every one succeeded.
    Returns the milliseconds recorded, which are the ones printed."""
    path = up_path(migration.id)
    if transactional(path):
        with backend.transaction():
            elapsed = _run(backend, migration.id, path, "Migration")
            _record_apply(backend, migration, elapsed)
    else:
        elapsed = _run(backend, migration.id, path, "Migration")
        with backend.transaction():
            _record_apply(backend, migration, elapsed)
    return round(elapsed)


def rollback_one(backend, migration) -> int:
    path = down_path(migration.id)
    if transactional(path):
        with backend.transaction():
            elapsed = _run(backend, migration.id, path, "Rollback of")
            _record_rollback(backend, migration)
    else:
        elapsed = _run(backend, migration.id, path, "Rollback of")
        with backend.transaction():
            _record_rollback(backend, migration)
    return round(elapsed)


def record_checksums(backend, mid: str, applied_at: datetime | None = None) -> None:
    """Takes the current files of an applied migration as its reference (timing left as it was)."""
    backend.execute(
        f"INSERT INTO {META_TABLE} (migration_id, up_sha256, down_sha256, applied_at) VALUES (:mid, :up, :down, coalesce(:at, now())) "
        "ON CONFLICT (migration_id) DO UPDATE SET up_sha256 = EXCLUDED.up_sha256, down_sha256 = EXCLUDED.down_sha256",
        {"mid": mid, "up": checksum(up_path(mid)), "down": checksum(down_path(mid)), "at": applied_at},
    )


def adopt_unverified(backend, report: Report) -> None:
    """Records checksums for migrations applied before this tool kept them (e.g. by plain yoyo)."""
    with backend.transaction():
        for mid in report.unverified:
            record_checksums(backend, mid, report.applied[mid].applied_at)
            print(f"recorded checksums of {mid} (applied before checksums were kept)")


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


# --- commands --------------------------------------------------------------------------


def reading(args):
    """A read-only connection for status, validate and the dry run: it creates nothing."""
    return open_backend(args.url or raw_database_url(), create=False)


@contextmanager
def locked(args):
    """The backend of a changing command, under the migration lock for the whole command."""
    url = args.url or raw_database_url()
    with AdvisoryLock(url, args.lock_timeout):
        yield open_backend(url)


def cmd_migrate(args) -> int:
    if args.dry_run:
        report = inspect(reading(args))
        require_valid(report)
        return print_plan(report)
    with locked(args) as backend:
        report = inspect(backend)
        require_valid(report)
        if report.unverified:
            adopt_unverified(backend, report)
        if not report.pending:
            print("Database is up to date.")
            return EXIT_OK
        check_destructive(report.pending, args.allow_destructive)
        if args.backup:
            backup(backend, args.url or raw_database_url(), Path(args.backup))
        total = 0
        for migration in report.pending:
            if is_blank(down_path(migration.id)):
                print(f"warning: {migration.id} has an empty rollback file; it cannot be rolled back.", file=sys.stderr)
            elapsed = apply_one(backend, migration)
            total += elapsed
            print(f"applied  {migration.id}  ({elapsed} ms)", flush=True)
    print(f"{len(report.pending)} migration(s) applied in {total} ms.")
    return EXIT_OK


def backup(backend, url: str, target: Path) -> None:
    """pg_dump of the whole database (custom format) before anything is applied."""
    pg_dump = shutil.which("pg_dump")
    server_major = backend.connection.info.server_version // 10000
    if not pg_dump:
        raise DbError(
            f"--backup needs pg_dump on PATH (PostgreSQL {server_major}'s client tools, e.g. the Debian package "
            f"postgresql-client-{server_major}); nothing was applied. Install it, or migrate without --backup.",
            EXIT_USAGE,
        )
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)*", version)
    dump_major = int(found.group(1)) if found else None
    if dump_major != server_major:
        raise DbError(
            f"--backup: {pg_dump} is {'PostgreSQL ' + str(dump_major) + chr(39) + 's' if dump_major else 'an unknown version of'} pg_dump and the server is PostgreSQL {server_major}; "
            f"nothing was applied. Put pg_dump {server_major} first on PATH (its backup restores with the same major's pg_restore).",
            EXIT_USAGE,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    started = time.perf_counter()
    dbname, env = libpq_without_password(url)
    proc = subprocess.run([pg_dump, "--format=custom", "--file", str(partial), "--dbname", dbname], capture_output=True, text=True, env=env)
    if proc.returncode:
        partial.unlink(missing_ok=True)
        raise DbError(f"--backup: pg_dump failed, so nothing was applied: {proc.stderr.strip()}", EXIT_FAILED)
    partial.replace(target)
    print(
        f"backup   {target} ({target.stat().st_size / 1e6:.1f} MB in {(time.perf_counter() - started) * 1000:.0f} ms); "
        f"restore it into an empty database with: pg_restore --no-owner --dbname <that database's URL> {shlex.quote(str(target))}",
        flush=True,
    )


def libpq_without_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL for a child process without its password, which goes in PGPASSWORD instead
    (a command line is visible to every user of the machine in `ps`)."""
    parts = urlsplit(libpq_url(url))
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        user = quote(unquote(parts.username), safe="") + "@" if parts.username else ""
        netloc = user + host + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts), env


def check_destructive(pending, allowed: bool) -> None:
    paths = [up_path(m.id) for m in pending]
    findings = refused(lint_files(paths))
    if not findings or allowed:
        return
    listing = "\n".join(f"  {f}" for f in findings)
    if sys.stdin.isatty() and confirm(f"These pending statements can lose data or break clients:\n{listing}\nApply them?"):
        return
    raise DbError(
        "Refused: pending migrations contain destructive statements; nothing was applied.\n"
        f"{listing}\n"
        "If the data loss is intended, pass --allow-destructive (`npm run db:migrate -- --allow-destructive`), "
        "or mark the file after review with a line `-- db: allow-destructive`.",
        EXIT_REFUSED,
    )


def print_plan(report: Report) -> int:
    if not report.pending:
        print("Database is up to date; nothing would be applied.")
        return EXIT_OK
    findings = lint_files([up_path(m.id) for m in report.pending])
    print(f"Plan: {len(report.pending)} migration(s) would be applied, in this order (dry run: nothing applied).")
    for migration in report.pending:
        mode = "" if transactional(up_path(migration.id)) else ", no-transaction: statement by statement"
        print(f"\n-- {migration.id}  ({up_path(migration.id).relative_to(ROOT)}{mode})")
        for statement in statements(up_path(migration.id)):
            code = _strip_comments(statement).strip()
            if code:
                print(code if code.endswith(";") else code + ";")
    destructive = refused(findings)
    if destructive:
        print("\nDestructive statements (refused in batch mode without --allow-destructive):")
        for finding in destructive:
            print(f"  {finding}")
    undo = [f for f in lint_files([down_path(m.id) for m in report.pending if down_path(m.id).exists()]) if f.destructive]
    if undo:
        print("\nRolling these back later would run (`db rollback` lists them again and asks):")
        for finding in undo:
            print(f"  {finding}")
    return EXIT_OK


def cmd_rollback(args) -> int:
    with locked(args) as backend:
        report = inspect(backend)
        require_valid(report)
        by_id = {m.id: m for m in report.files}
        newest_first = sorted(report.applied, reverse=True)
        targets = [by_id[mid] for mid in newest_first[: args.steps]]
        if not targets:
            print("Nothing to roll back.")
            return EXIT_OK
        for migration in targets:
            down = down_path(migration.id)
            if is_blank(down):
                raise DbError(
                    f"{migration.id} has no rollback SQL ({down.relative_to(ROOT)} is missing or empty); nothing was rolled back. "
                    "Write the rollback file first.",
                    EXIT_REFUSED,
                )
        print("Will roll back, newest first: " + ", ".join(m.id for m in targets))
        findings = [f for f in lint_files([down_path(m.id) for m in targets]) if f.destructive]
        for finding in findings:
            print(f"  {finding}")
        not_allowed = refused(findings)
        if not_allowed and not args.allow_destructive and not (sys.stdin.isatty() and not args.yes):
            raise DbError(
                "Refused: these rollback statements lose data their migration did not bring; nothing was rolled back.\n"
                + "\n".join(f"  {f}" for f in not_allowed)
                + "\nIf that is intended, pass --allow-destructive, or mark the rollback file after review with a line "
                "`-- db: allow-destructive`.",
                EXIT_REFUSED,
            )
        if not args.yes and not confirm("Proceed?"):
            raise DbError(
                "Rollback needs confirmation; nothing was rolled back. Answer y at the prompt, or pass --yes "
                "(`npm run db:rollback -- --yes`) when running without a terminal.",
                EXIT_REFUSED,
            )
        for migration in targets:
            elapsed = rollback_one(backend, migration)
            print(f"rolled back  {migration.id}  ({elapsed} ms)", flush=True)
    return EXIT_OK


def cmd_status(args) -> int:
    report = inspect(reading(args))
    code = EXIT_INVALID if report.problems else EXIT_PENDING if report.pending else EXIT_OK
    if args.json:
        print(
            json.dumps(
                {
                    "state": {EXIT_OK: "clean", EXIT_PENDING: "pending", EXIT_INVALID: "invalid"}[code],
                    "applied": [
                        {
                            "id": a.id,
                            "appliedAt": a.applied_at.isoformat(),
                            "durationMs": a.duration_ms,
                            "checksum": a.up_sha256,
                        }
                        for a in sorted(report.applied.values(), key=lambda a: a.id)
                    ],
                    "pending": [m.id for m in report.pending],
                    "problems": report.problems,
                },
                indent=2,
            )
        )
        return code
    for a in sorted(report.applied.values(), key=lambda a: a.id):
        took = f"{a.duration_ms} ms" if a.duration_ms is not None else "time unknown"
        print(f"applied  {a.id}  {a.applied_at:%Y-%m-%d %H:%M:%S %Z}  ({took})")
    for migration in report.pending:
        print(f"pending  {migration.id}")
    for problem in report.problems:
        print(f"problem  {problem}")
    if report.problems:
        print("Invalid: fix the problems above (see `npm run db:validate`).")
    elif report.pending:
        print(f"{len(report.pending)} pending; run `npm run db:migrate`.")
    else:
        print("Up to date.")
    return code


def cmd_validate(args) -> int:
    report = inspect(reading(args))
    require_valid(report)
    print(f"Valid: {len(report.applied)} applied migration(s) match their files; {len(report.pending)} pending.")
    return EXIT_OK


def cmd_repair(args) -> int:
    with locked(args) as backend:
        applied = applied_migrations(backend)
        if args.accept not in applied:
            raise DbError(f"{args.accept} is not an applied migration; `npm run db:status` lists them.", EXIT_USAGE)
        if not up_path(args.accept).exists():
            raise DbError(f"{up_path(args.accept).relative_to(ROOT)} does not exist; restore it before accepting it.", EXIT_USAGE)
        with backend.transaction():
            record_checksums(backend, args.accept)
    print(f"Accepted the current files of {args.accept}; the database was not changed.")
    return EXIT_OK


def cmd_lint(args) -> int:
    paths = [Path(p) for p in args.files] or sorted(MIGRATIONS.glob("*.sql"))
    findings = lint_files(paths)
    not_allowed = refused(findings)
    for finding in findings:
        print(finding)
    print(f"{len(paths)} file(s) checked: {len(not_allowed)} destructive finding(s) not allowed, {len(findings) - len(not_allowed)} other.")
    if not_allowed:
        print(
            "Destructive statements need a reviewed `-- db: allow-destructive` line in their file "
            "(or --allow-destructive when migrating).",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    return EXIT_OK


SNAPSHOT_SQL = """
SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, coalesce(c.column_default, '')
FROM information_schema.columns c
WHERE c.table_schema = 'public'
ORDER BY 1, 2
"""
INDEX_SQL = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"


def snapshot(backend) -> list[tuple]:
    rows = query(backend, SNAPSHOT_SQL) + query(backend, INDEX_SQL)
    return sorted(tuple(map(str, row)) for row in rows if row[0] not in BOOKKEEPING)


@contextmanager
def scratch_database(url: str | None):
    """An empty database for a rehearsal or a schema diff: `url` as given, else a new one beside
    DATABASE_URL's, dropped afterwards."""
    import psycopg
    from psycopg import sql

    if url:
        yield url
        return
    base = urlsplit(libpq_url(raw_database_url()))
    name = f"{base.path.lstrip('/') or 'app'}_scratch_{os.getpid()}"[:63]
    admin = libpq_url(raw_database_url())
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise DbError(
            f"Cannot create the scratch database {name}: {str(exc).strip()}. Give the DATABASE_URL user CREATEDB, "
            "or pass an empty database with --url.",
            EXIT_FAILED,
        ) from None
    try:
        yield urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def cmd_rehearse(args) -> int:
    migrations = read_migrations()
    for migration in migrations:
        if is_blank(down_path(migration.id)):
            raise DbError(f"{migration.id} has no rollback SQL ({down_path(migration.id).relative_to(ROOT)}); every migration must be reversible.", EXIT_INVALID)
    with scratch_database(args.url) as scratch_url:
        rehearse(scratch_url, migrations)
    print("Rehearsal passed: every migration applies, rolls back and applies again.")
    return EXIT_OK


def open_empty(url: str):
    """The backend of a scratch database, which must have nothing applied yet."""
    backend = open_backend(url)
    if applied_migrations(backend):
        raise DbError("The database given with --url already has migrations applied; give an empty one.", EXIT_USAGE)
    return backend


def rehearse(scratch_url: str, migrations) -> None:
    backend = open_empty(scratch_url)
    empty = snapshot(backend)
    started = time.perf_counter()
    for migration in migrations:
        apply_one(backend, migration)
    first = snapshot(backend)
    print(f"1/3 applied all {len(migrations)} migration(s)")
    for migration in reversed(migrations):
        rollback_one(backend, migration)
    after_rollback = snapshot(backend)
    if after_rollback != empty:
        left = sorted({row[0] for row in set(after_rollback) - set(empty)})
        raise DbError(
            "Rolling everything back did not restore the empty schema; left behind in: "
            + ", ".join(left)
            + ". Make each rollback file undo its migration completely.",
            EXIT_INVALID,
        )
    print("2/3 rolled all back: the schema is empty again")
    for migration in migrations:
        apply_one(backend, migration)
    if snapshot(backend) != first:
        raise DbError("Applying again gave a different schema than the first time; a rollback leaves something behind.", EXIT_INVALID)
    print(f"3/3 applied all again: same schema ({(time.perf_counter() - started) * 1000:.0f} ms in all)")
    backend.connection.close()


SCHEMA = ROOT / "prisma" / "schema.prisma"


def schema_diff(url: str, direction: str) -> str:
    """Prisma's schema engine on the database at `url` and prisma/schema.prisma (tools/schema-diff.mjs):
    direction "to-schema" gives the SQL from the database to the schema, "from-schema" the reverse."""
    node = shutil.which("node")
    if not node:
        raise DbError("--from-schema needs Node.js (the project's own, for Prisma's schema engine); install it and run `npm install`.", EXIT_USAGE)
    if not (ROOT / "node_modules" / "@prisma" / "schema-engine-wasm").is_dir():
        raise DbError("--from-schema needs the project's npm packages (@prisma/schema-engine-wasm); run `npm install` first.", EXIT_USAGE)
    env = {**os.environ, "DATABASE_URL": libpq_url(url)}  # not on the command line, where `ps` shows it
    proc = subprocess.run([node, str(ROOT / "tools" / "schema-diff.mjs"), f"--{direction}", str(SCHEMA)], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 2):
        raise DbError(f"Prisma's schema engine could not compare prisma/schema.prisma with the migrations: {(proc.stderr or proc.stdout).strip()}", EXIT_FAILED)
    return "" if proc.returncode == 0 else proc.stdout.strip()


def cmd_new(args) -> int:
    slug = re.sub(r"[^a-z0-9]+", "_", args.name.lower()).strip("_")
    if not slug:
        raise DbError("Name the migration with letters or digits, e.g. `npm run db:new -- add_tags`.", EXIT_USAGE)
    numbers = [int(m.group(1)) for p in MIGRATIONS.glob("*.sql") if (m := re.match(r"(\d+)_", p.name))]
    stem = f"{(max(numbers) if numbers else 0) + 1:04d}_{slug}"
    up, down = up_path(stem), down_path(stem)
    if args.from_schema:
        return new_from_schema(args, stem, up, down)
    up.write_text(f"-- {stem}: describe the change. Runs in one transaction.\n")
    down.write_text(f"-- Undo {stem}.sql exactly, newest statement first.\n")
    print(f"created  {up.relative_to(ROOT)}\ncreated  {down.relative_to(ROOT)}")
    return EXIT_OK


def new_from_schema(args, stem: str, up: Path, down: Path) -> int:
    """Applies the migrations to a scratch database and writes what Prisma's engine says it takes to
    reach prisma/schema.prisma from there (and back), then lints both files."""
    if not SCHEMA.exists():
        raise DbError(f"--from-schema reads {SCHEMA.relative_to(ROOT)}, which does not exist.", EXIT_USAGE)
    migrations = read_migrations()
    with scratch_database(args.url) as scratch_url:
        backend = open_empty(scratch_url)
        for migration in migrations:
            apply_one(backend, migration)
        backend.connection.close()
        forward = schema_diff(scratch_url, "to-schema")
        backward = schema_diff(scratch_url, "from-schema") if forward else ""
    if not forward:
        print(f"{SCHEMA.relative_to(ROOT)} already matches the {len(migrations)} migration(s); nothing to write.")
        return EXIT_OK
    up.write_text(
        f"-- {stem}: written by `db new --from-schema` from the difference between the migrations before it\n"
        f"-- and {SCHEMA.relative_to(ROOT)}. Review it before applying; it runs in one transaction.\n{forward}\n"
    )
    down.write_text(f"-- Undoes {stem}.sql: the reverse difference, from {SCHEMA.relative_to(ROOT)} back to the migrations before it.\n{backward}\n")
    print(f"created  {up.relative_to(ROOT)}\ncreated  {down.relative_to(ROOT)}")
    findings = lint_files([up, down])
    for finding in findings:
        print(f"  {finding}")
    not_allowed = refused(findings)
    if not_allowed:
        print(
            f"{len(not_allowed)} destructive statement(s) above: `db migrate` refuses them until the file carries a reviewed "
            "`-- db: allow-destructive` line (or --allow-destructive is passed).",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_seed(args) -> int:
    import seed

    url = args.url or raw_database_url()
    hint = seed.looks_like_production(url)
    if hint and not args.force:
        raise DbError(
            f"Refused: the {hint} looks like production, and seeding writes test accounts with a published password. "
            "Point DATABASE_URL (or --url) at a development database, or pass --force if this one is not production.",
            EXIT_REFUSED,
        )
    for name in ("users", "posts", "comments", "likes"):
        if getattr(args, name) < 0:
            raise DbError(f"--{name} must be 0 or more.", EXIT_USAGE)
    import psycopg

    try:
        print(seed.run(libpq_url(url), args.users, args.posts, args.comments, args.likes, args.replace))
    except LookupError as exc:
        raise DbError(f"Nothing was seeded: {exc}.", EXIT_USAGE) from None
    except psycopg.Error as exc:
        raise DbError(f"Nothing was seeded (one transaction, rolled back): {str(exc).strip()}", EXIT_FAILED) from None
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="db", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run, help: str, locks: bool = False, aliases: tuple[str, ...] = ()):
        p = sub.add_parser(name, help=help, aliases=list(aliases))
        p.set_defaults(run=run)
        if name != "lint":
            p.add_argument("--url", help="database URL (default: DATABASE_URL, or .env)")
        if locks:
            p.add_argument("--lock-timeout", type=float, default=60, help="seconds to wait for another db process (default 60)")
        return p

    migrate = command("migrate", cmd_migrate, "validate, then apply pending migrations", locks=True)
    migrate.add_argument("--dry-run", action="store_true", help="print the plan and SQL; apply nothing")
    migrate.add_argument("--allow-destructive", action="store_true", help="apply destructive statements without asking")
    migrate.add_argument("--backup", metavar="FILE", help="pg_dump the database to FILE (custom format) before applying")
    rollback = command("rollback", cmd_rollback, "undo applied migrations, newest first", locks=True)
    rollback.add_argument("--steps", type=int, default=1)
    rollback.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rollback.add_argument("--allow-destructive", action="store_true", help="roll back statements that drop more than their migration made")
    status = command("status", cmd_status, "applied, pending and problems")
    status.add_argument("--json", action="store_true")
    command("validate", cmd_validate, "check applied migrations against their files")
    repair = command("repair", cmd_repair, "accept an intentional edit of an applied migration", locks=True)
    repair.add_argument("--accept", required=True, metavar="ID")
    lint = command("lint", cmd_lint, "lint migrations with squawk and the data-loss checks")
    lint.add_argument("files", nargs="*")
    command("rehearse", cmd_rehearse, "apply all, roll back all, apply all on a scratch database")
    new = command("new", cmd_new, "create a migration and its rollback file", aliases=("create",))
    new.add_argument("name")
    new.add_argument("--from-schema", action="store_true", help="write the SQL that brings the migrations to prisma/schema.prisma")
    seeding = command("seed", cmd_seed, "fill the database with realistic data")
    seeding.add_argument("--users", type=int, default=100, help="users to add (default 100)")
    seeding.add_argument("--posts", type=int, default=10, help="posts per user (default 10; the demo domain only, like the two below)")
    seeding.add_argument("--comments", type=int, default=3, help="comments per post (default 3)")
    seeding.add_argument("--likes", type=int, default=5, help="likes per user (default 5)")
    seeding.add_argument("--replace", action="store_true", help="delete the earlier seed first, so the result is always the same")
    seeding.add_argument("--force", action="store_true", help="seed even a database whose name or host reads like production")

    args = parser.parse_args(argv)
    if getattr(args, "steps", 1) < 1:
        parser.error("--steps must be 1 or more")
    try:
        return args.run(args)
    except DbError as exc:
        print(f"db {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        if OUTSIDE_TRANSACTION:
            print(
                f"db {args.command}: interrupted during {OUTSIDE_TRANSACTION[0]}, which runs outside a transaction: its statements "
                "before the one interrupted stay done, and it is not recorded. An index being built CONCURRENTLY is left "
                "INVALID; the next run names it and the statement that drops it.",
                file=sys.stderr,
            )
        elif args.command in ("migrate", "rollback", "rehearse"):
            print(f"db {args.command}: interrupted; the migration in progress was rolled back.", file=sys.stderr)
        else:
            print(f"db {args.command}: interrupted; nothing was kept.", file=sys.stderr)
        return EXIT_FAILED


EXIT_CODES = """exit codes: 0 done (status: clean), 1 failed, 2 bad usage or configuration,
3 migrations pending (status), 4 validation failed, 5 refused
(destructive statements, no confirmation, lock not obtained)"""

if __name__ == "__main__":
    sys.exit(main())
