"""Fast tier: `npm run new:resource` in a freshly rendered project of each REST stack. What it
writes for every field type, what it refuses (and that a refusal or a failure leaves every file
as it was). Its output type-checks in tests/test_typecheck.py; it migrates, serves, passes its
own tests and load-tests in tests/e2e/test_new_resource.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import STACKS_GRAPHQL, STACKS_REST, render

# Every field type and modifier, a reference to a demo resource and to users.
EVERY_TYPE = (
    "name:string:unique, notes:text?, weight:int=0, price:decimal?, active:boolean=true, due:datetime=now, "
    "external:uuid?, status:enum(draft|live)=draft, post:ref(posts), reviewer:ref(users)?"
)


def rendered(tmp_path: Path, stack: str, **answers) -> Path:
    return render(tmp_path / "p", stack=stack, project_name="Resource Test", **answers)


def new_resource(project: Path, node_env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["node", "tools/new-resource.mjs", *args], cwd=project, env=node_env, capture_output=True, text=True, timeout=60)


def snapshot(project: Path) -> dict[str, str]:
    return {p.relative_to(project).as_posix(): p.read_text() for p in sorted(project.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("stack", STACKS_REST)
def test_a_resource_with_every_field_type_is_written_in_the_projects_own_files(stack, tmp_path, node_env):
    project = rendered(tmp_path, stack)
    before = snapshot(project)
    result = new_resource(project, node_env, "tag", "--fields", EVERY_TYPE, "--owned", "--skip-checks")
    assert result.returncode == 0, result.stderr
    after = snapshot(project)
    created = sorted(set(after) - set(before))
    changed = sorted(path for path in before if before[path] != after[path])
    endpoints = ["src/http/tags/tags.controller.ts", "src/http/tags/tags.module.ts"] if stack == "nestjs" else ["src/http/operations/tags.ts"]
    assert created == sorted([
        "migrations/0004_create_tags.sql", "migrations/0004_create_tags.rollback.sql", "loadtest/tags.py", "tests/tags.test.ts",
        "src/core/modules/tags/tags.schema.ts", "src/core/modules/tags/tags.repository.ts", "src/core/modules/tags/tags.service.ts",
        *endpoints,
    ])
    registry = "src/app.ts" if stack == "nestjs" else "src/http/operations.ts"
    assert changed == sorted(["prisma/schema.prisma", registry])
    for path in created + changed:
        assert f"  create  {path}" in result.stdout or f"  change  {path}" in result.stdout

    up = after["migrations/0004_create_tags.sql"]
    for column in (
        "name       text NOT NULL,", "notes      text,", "weight     integer NOT NULL DEFAULT 0,", "price      numeric(12, 2),",
        "active     boolean NOT NULL DEFAULT true,", "due        timestamptz(3) NOT NULL DEFAULT now(),", "external   uuid,",
        "status     text NOT NULL DEFAULT 'draft' CONSTRAINT tags_status_check CHECK (status IN ('draft', 'live')),",
        "post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,",
        "reviewer_id uuid REFERENCES users (id) ON DELETE SET NULL,",
        "owner_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,",
    ):
        assert column.split()[0] in up and " ".join(column.split()[1:]) in up, column
    assert "CREATE UNIQUE INDEX tags_name_key ON tags (name);" in up
    assert "CREATE INDEX tags_post_id_created_at_id_idx ON tags (post_id, created_at DESC, id DESC);" in up
    assert after["migrations/0004_create_tags.rollback.sql"].rstrip().endswith("DROP TABLE tags;")

    schema = after["prisma/schema.prisma"]
    assert "model Tag {" in schema and '@@map("tags")' in schema and "/// enum: draft | live" in schema
    # Two references to users (the owner and the reviewer) need named relations on both sides.
    assert '@relation("TagReviewer", fields: [reviewerId], references: [id], onDelete: SetNull, onUpdate: NoAction)' in schema
    assert 'tagsByOwner    Tag[]       @relation("TagOwner")' in schema or 'tagsByOwner Tag[] @relation("TagOwner")' in schema
    assert "tags      Tag[]" in schema or "tags Tag[]" in schema  # the back-relation on Post

    if stack == "nestjs":
        assert "        TagsModule,\n      ]," in after["src/app.ts"]
        assert "import { TagsModule } from './http/tags/tags.module';" in after["src/app.ts"]
    else:
        assert "    ...tagsOperations(container),\n  ];" in after["src/http/operations.ts"]
    tests = after["tests/tags.test.ts"]
    for case in ("when fields are missing or wrong, then a 400 problem names each field", "answers 409 naming the field",
                 "when postId names no existing post", "when someone else asks, then it answers 403", "narrows the list to one post"):
        assert case in tests
    assert "class TagsUser(SignedInUser):" in after["loadtest/tags.py"]


@pytest.mark.parametrize("stack", ["fastify-typescript", "nestjs"])
def test_endpoints_can_be_chosen_and_the_rest_are_not_written(stack, tmp_path, node_env):
    project = rendered(tmp_path, stack, minimal=True)
    result = new_resource(project, node_env, "blog-entry", "--fields", "headline:string", "--endpoints", "GET /blog-entries, GET /blog-entries/:id",
                          "--skip-checks")
    assert result.returncode == 0, result.stderr
    source = (project / ("src/http/blog-entries/blog-entries.controller.ts" if stack == "nestjs" else "src/http/operations/blog-entries.ts")).read_text()
    assert "blogEntries" in source and "BlogEntriesService" in source
    for absent in ("@Post(", "@Patch(", "@Delete(", "method: 'post'", "method: 'patch'", "method: 'delete'"):
        assert absent not in source
    for absent in ("Create a blog entry", "Change a blog entry", "Delete a blog entry"):
        assert absent not in source
    assert "CREATE TABLE blog_entries" in (project / "migrations/0004_create_blog_entries.sql").read_text()
    # Without POST, the tests make their rows in the database.
    assert "async function seedOne" in (project / "tests/blog-entries.test.ts").read_text()


REFUSALS = [
    (["post", "--fields", "title:string"], "already has Post (table posts)"),
    (["class", "--fields", "a:string"], '"class" is a reserved word'),
    (["health", "--fields", "a:string"], "names a path the API already uses"),
    (["tag", "--fields", "name:strin"], '"strin" is not a field type; use one of string, text, int'),
    (["tag", "--fields", "name:string?:unique=x"], "modifiers go in this order"),
    (["tag", "--fields", "a:ref(planets)"], 'no resource "planets" in prisma/schema.prisma; a ref names one of: users'),
    (["tag", "--fields", "id:int"], '"id" is a reserved name'),
    (["tag", "--fields", "s:enum(a)"], "an enum lists two or more lowercase values"),
    (["tag", "--fields", "n:int=x"], "the default of n (int) is a whole number"),
    (["tag", "--fields", "a:int, a:string"], 'Two fields are called "a"'),
    (["tag", "--fields", "a:int", "--endpoints", "PUT /tags/:id"], '"PUT /tags/:id" is not one of GET /tags'),
    (["tag"], "Give the fields"),
    (["tag", "--fields", "a:int", "--colour", "red"], "Unknown option '--colour'"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS, ids=[" ".join(args)[:40] for args, _ in REFUSALS])
def test_a_bad_name_or_field_spec_is_refused_with_the_fix_and_nothing_is_written(args, message, tmp_path, node_env):
    project = rendered(tmp_path, "express-typescript", minimal=True)
    before = snapshot(project)
    result = new_resource(project, node_env, *args, "--skip-checks")
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert snapshot(project) == before


def test_a_failure_after_the_first_write_puts_every_file_back(tmp_path, node_env):
    project = rendered(tmp_path, "fastify-typescript", minimal=True)
    # A file where the resource's module folder must go: the migrations are written, then this fails.
    (project / "src/core/modules/tags").write_text("in the way\n")
    before = snapshot(project)
    result = new_resource(project, node_env, "tag", "--fields", "name:string", "--skip-checks")
    assert result.returncode == 1 and "nothing was written" in result.stderr
    assert snapshot(project) == before


def test_dry_run_lists_the_files_and_writes_nothing(tmp_path, node_env):
    project = rendered(tmp_path, "nestjs")
    before = snapshot(project)
    result = new_resource(project, node_env, "tag", "--fields", "name:string", "--dry-run")
    assert result.returncode == 0
    assert "create  src/http/tags/tags.controller.ts" in result.stdout and "change  src/app.ts" in result.stdout
    assert snapshot(project) == before


@pytest.mark.parametrize("stack", STACKS_GRAPHQL)
def test_graphql_projects_do_not_ship_the_rest_generator(stack, tmp_path):
    project = rendered(tmp_path, stack)
    assert not (project / "tools/new-resource.mjs").exists()
    assert "new:resource" not in json.loads((project / "package.json").read_text())["scripts"]
