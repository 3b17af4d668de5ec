"""A generated project's `db` command (tools/db.py and migrations/), copied into a folder of its
own with an empty database of its own, for tests that run it against a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from tests import services


class Tool:
    """A project folder with tools/db.py and migrations/, and its own empty database."""

    def __init__(self, root: Path, url: str):
        self.root, self.url = root, url
        self.migrations = root / "migrations"

    @classmethod
    def create(cls, project: Path, root: Path, postgres_admin_url: str) -> Tool:
        """Copies `project`'s db command and migrations into `root`, beside a new database."""
        root.mkdir(parents=True)
        shutil.copytree(project / "tools", root / "tools")
        shutil.copytree(project / "migrations", root / "migrations")
        return cls(root, services.create_database(postgres_admin_url, f"db_{uuid.uuid4().hex[:12]}"))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["DATABASE_URL"] = self.url
        return env

    def run(self, *args: str, stdin: str | None = None, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "tools/db.py", *args],
            cwd=self.root,
            env={**self.env(), **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "tools/db.py", *args], cwd=self.root, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def write(self, stem: str, up: str, down: str | None = "") -> None:
        (self.migrations / f"{stem}.sql").write_text(up)
        if down is not None:
            (self.migrations / f"{stem}.rollback.sql").write_text(down)

    def sql(self, statement: str, params=None) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def tables(self) -> set[str]:
        return {row[0] for row in self.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc
