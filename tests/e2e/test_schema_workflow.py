"""Slow tier: a generated project's schema workflow. Change prisma/schema.prisma, let `db new
--from-schema` write the migration and its rollback with Prisma's own engine, apply, roll back,
rehearse; and a fresh copy migrates with no Python set up by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests import services
from tests.conftest import run
from tests.db_tool import ok

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fastify-typescript-minimal")]

TAG_MODEL = """
model Tag {
  id        String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  name      String   @unique
  color     String?
  weight    Int      @default(0)
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)

  @@index([createdAt])
  @@map("tags")
}
"""


def copy_of(project, tmp_path: Path, postgres_admin_url: str, node_modules: bool = True) -> tuple[Path, dict[str, str]]:
    """The project's files in a folder of their own (node_modules linked, not copied) and a new database."""
    target = tmp_path / "copy"
    shutil.copytree(project.path, target, ignore=shutil.ignore_patterns("node_modules", "dist", ".venv", "coverage"))
    if node_modules:
        (target / "node_modules").symlink_to(project.path / "node_modules")
    env = {**project.env, "DATABASE_URL": services.create_database(postgres_admin_url, f"schema_{uuid.uuid4().hex[:10]}")}
    return target, env


def db(path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["python3", "tools/db.py", *args], cwd=path, env=env, capture_output=True, text=True, timeout=300)


def test_a_model_added_changed_and_removed_becomes_migrations_that_apply_roll_back_and_rehearse(get_project, tmp_path, postgres_admin_url):
    project = get_project("fastify-typescript", "minimal")
    path, env = copy_of(project, tmp_path, postgres_admin_url)
    schema = path / "prisma" / "schema.prisma"
    original = schema.read_text()
    ok(db(path, env, "migrate"))
    assert "already matches the 3 migration(s); nothing to write" in ok(db(path, env, "new", "nothing", "--from-schema")).stdout
    assert not list((path / "migrations").glob("0004_*"))

    schema.write_text(original + TAG_MODEL)
    out = ok(db(path, env, "create", "add_tags", "--from-schema")).stdout
    assert "created  migrations/0004_add_tags.sql" in out and "0004_add_tags.rollback.sql:3: destructive (undoes its migration)" in out
    up = (path / "migrations" / "0004_add_tags.sql").read_text()
    assert 'CREATE TABLE "tags"' in up and 'CREATE UNIQUE INDEX "tags_name_key"' in up and '"weight" INTEGER NOT NULL DEFAULT 0' in up
    assert 'DROP TABLE "public"."tags"' in (path / "migrations" / "0004_add_tags.rollback.sql").read_text()
    ok(db(path, env, "migrate"))

    schema.write_text(original + TAG_MODEL.replace("color     String?", 'color     String   @default("grey")'))
    ok(db(path, env, "new", "tag_colors", "--from-schema"))
    assert """ALTER COLUMN "color" SET NOT NULL""" in (path / "migrations" / "0005_tag_colors.sql").read_text()
    assert "DROP NOT NULL" in (path / "migrations" / "0005_tag_colors.rollback.sql").read_text()
    ok(db(path, env, "migrate"))

    schema.write_text(original)
    out = db(path, env, "new", "drop_tags", "--from-schema")
    assert out.returncode == 0 and "allow-destructive" in out.stderr
    refused = db(path, env, "migrate")
    assert refused.returncode == 5 and "0006_drop_tags.sql" in refused.stderr
    ok(db(path, env, "migrate", "--allow-destructive"))
    assert "nothing to write" in ok(db(path, env, "new", "again", "--from-schema")).stdout

    # The project's own drift check (Prisma's diff, as above) agrees, then names a drift.
    jest = ["node", "--experimental-vm-modules", "node_modules/jest/bin/jest.js", "tests/schema.test.ts"]
    run(jest, path, env, 300)
    schema.write_text(original + TAG_MODEL)
    drifted = subprocess.run(jest, cwd=path, env=env, capture_output=True, text=True, timeout=300)
    assert drifted.returncode != 0 and "Added tables" in drifted.stdout + drifted.stderr and "tags" in drifted.stdout + drifted.stderr
    schema.write_text(original)

    rolled = ok(db(path, env, "rollback", "--steps", "3", "--yes")).stdout
    assert rolled.index("0006_drop_tags") < rolled.index("0005_tag_colors") < rolled.index("0004_add_tags")
    assert "Rehearsal passed" in ok(db(path, env, "rehearse")).stdout
    ok(db(path, env, "migrate", "--allow-destructive"))


def test_a_fresh_copy_migrates_with_npm_alone_and_makes_its_python_environment_once(get_project, tmp_path, postgres_admin_url):
    project = get_project("fastify-typescript", "minimal")
    path, env = copy_of(project, tmp_path, postgres_admin_url, node_modules=False)
    # Node and npm, and the machine's own python3 without any of the project's packages.
    bare = tmp_path / "bin"
    bare.mkdir()
    node_bin = Path(shutil.which("node", path=project.env["PATH"])).parent
    for name in ("node", "npm"):
        (bare / name).symlink_to(os.path.realpath(node_bin / name) if name == "node" else node_bin / name)
    env["PATH"] = f"{bare}:/usr/bin:/bin"
    assert subprocess.run(["python3", "-c", "import yoyo"], env=env, capture_output=True).returncode != 0
    first = run(["npm", "run", "db:migrate"], path, env, 600)
    assert "installing the db tools into .venv" in first.stderr
    assert "applied  0001_initial_schema" in first.stdout
    assert not (path / ".venv" / "bin" / "locust").exists(), "migrating installs the migration tools only"
    second = run(["npm", "run", "migrate"], path, env, 120)
    assert "installing" not in second.stderr and "Database is up to date." in second.stdout
