"""Fast tier: `npm run new:resource` in a freshly rendered project of each stack. What it
writes for every field type, what it refuses (and that a refusal or a failure leaves every file
as it was). Its output type-checks in tests/test_typecheck.py; it migrates, serves, passes its
own tests and load-tests in tests/e2e/test_new_resource.py."""

from __future__ import annotations

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


@pytest.mark.parametrize("stack", STACKS_REST + STACKS_GRAPHQL)
def test_a_resource_with_every_field_type_is_written_in_the_projects_own_files(stack, tmp_path, node_env):
    project = rendered(tmp_path, stack)
    before = snapshot(project)
    result = new_resource(project, node_env, "tag", "--fields", EVERY_TYPE, "--owned", "--skip-checks")
    assert result.returncode == 0, result.stderr
    after = snapshot(project)
    created = sorted(set(after) - set(before))
    changed = sorted(path for path in before if before[path] != after[path])
    endpoints = {
        "nestjs": ["src/http/tags/tags.controller.ts", "src/http/tags/tags.module.ts"],
        "apollo-graphql": ["src/graphql/resources/tags.graphql", "src/graphql/resources/tags.ts"],
    }.get(stack, ["src/http/operations/tags.ts"])
    assert created == sorted([
        "migrations/0004_create_tags.sql", "migrations/0004_create_tags.rollback.sql", "loadtest/tags.py", "tests/tags.test.ts",
        "src/core/modules/tags/tags.schema.ts", "src/core/modules/tags/tags.repository.ts", "src/core/modules/tags/tags.service.ts",
        *endpoints,
    ])
    registries = {"nestjs": ["src/app.module.ts"], "apollo-graphql": ["codegen.ts", "src/graphql/resources.ts"]}.get(stack, ["src/http/operations.ts"])
    assert changed == sorted(["prisma/schema.prisma", *registries])
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

    if stack == "apollo-graphql":
        assert "  tags,\n];" in after["src/graphql/resources.ts"]
        assert "          Tag: '../core/modules/tags/tags.schema#Tag',\n        }," in after["codegen.ts"]
        sdl, module = after["src/graphql/resources/tags.graphql"], after["src/graphql/resources/tags.ts"]
        for part in ("\ntype Tag {", "\nenum TagStatus {", "\nextend type Query {", "  tags(first: Int = 20, after: String, postId: ID, reviewerId: ID): TagConnection!",
                     "  createTag(input: CreateTagInput!): Tag!"):
            assert part in sdl, part
        assert "export const tagById = loaderById(" in module and "typeDefs" not in module
        assert "findMany(ids: readonly string[])" in after["src/core/modules/tags/tags.repository.ts"]
    elif stack == "nestjs":
        assert "        TagsModule,\n      ]," in after["src/app.module.ts"]
        assert "import { TagsModule } from './http/tags/tags.module';" in after["src/app.module.ts"]
    else:
        assert "    ...tagsOperations(container),\n  ];" in after["src/http/operations.ts"]
    tests = after["tests/tags.test.ts"]
    cases = ("when fields break their rules, then BAD_USER_INPUT names each field", "answers CONFLICT naming the field", "when postId names no existing post",
             "when someone else asks, then it is FORBIDDEN", "narrows the list to one post") if stack in STACKS_GRAPHQL else (
             "when fields are missing or wrong, then a 400 problem names each field", "answers 409 naming the field", "when postId names no existing post",
             "when someone else asks, then it answers 403", "narrows the list to one post")
    for case in cases:
        assert case in tests
    if stack in STACKS_REST:
        assert "getMany" not in after["src/core/modules/tags/tags.service.ts"]  # the DataLoader's query is GraphQL's alone
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
    (["tag", "--fields", "left:int"], '"left" is a reserved name'),
    (["tag", "--fields", "a:int", "--plural", "9lives"], '--plural "9lives" is not a name'),
    (["page", "--fields", "a:int"], "the name of a type the project already uses (Page)"),
    (["tag", "--fields", "post:ref(posts):unique"], "a reference cannot be :unique here"),
    (["workspace-membership-invitation", "--fields", "invitedBy:ref(users)"], "is longer than PostgreSQL's 63 bytes"),
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
    assert "create  src/http/tags/tags.controller.ts" in result.stdout and "change  src/app.module.ts" in result.stdout
    assert snapshot(project) == before


@pytest.mark.parametrize("stack", STACKS_GRAPHQL)
def test_a_graphql_reference_needs_a_loader_and_names_what_it_can_reference(stack, tmp_path, node_env):
    project = rendered(tmp_path, stack)
    before = snapshot(project)
    result = new_resource(project, node_env, "tag", "--fields", "comment:ref(comments)", "--skip-checks")
    assert result.returncode == 2
    assert "GraphQL references can name users, posts or a resource written by this command, not comments" in result.stderr
    assert snapshot(project) == before


COPY_TIME = [
    {"name": "category", "fields": "title:string:unique, rank:int=0"},
    {"name": "task", "fields": "label:string, category:ref(categories)", "owned": True, "endpoints": "GET /tasks, POST /tasks, GET /tasks/:id"},
]


@pytest.mark.parametrize("stack", ["express-typescript", "apollo-graphql"])
def test_resources_answered_at_copy_time_are_written_in_order(stack, tmp_path):
    project = rendered(tmp_path, stack, resources=COPY_TIME)
    assert (project / "migrations/0004_create_categories.sql").exists() and (project / "migrations/0005_create_tasks.sql").exists()
    assert "REFERENCES categories (id)" in (project / "migrations/0005_create_tasks.sql").read_text()
    registry = project / ("src/graphql/resources.ts" if stack == "apollo-graphql" else "src/http/operations.ts")
    assert ("categories,\n  tasks," if stack == "apollo-graphql" else "...categoriesOperations(container),\n    ...tasksOperations(container),") in registry.read_text()
    assert "resources:" in (project / ".copier-answers.yml").read_text()


@pytest.mark.parametrize(("answer", "message"), [
    ("tag", "Answer a YAML list of resources"),
    ([{"name": "tag"}], "Resource 1 needs `fields` as text"),
    ([{"name": "tag", "fields": "a:int", "colour": "red"}], "unknown key(s) colour"),
    ([{"name": "tag", "fields": "a:int"}, {"name": "Tag", "fields": "b:int"}], "'Tag' is listed twice"),
    ([{"name": "tag", "fields": "a:int", "owned": "yes"}], "`owned` is true or false"),
])
def test_a_malformed_resources_answer_is_refused_with_the_fix(answer, message, tmp_path):
    from copier.errors import CopierError

    with pytest.raises((CopierError, ValueError)) as info:
        rendered(tmp_path, "fastify-typescript", resources=answer)
    assert message in str(info.value)


def test_a_bad_field_list_answered_at_copy_time_fails_the_copy_with_the_generators_words(tmp_path, capfd):
    from copier.errors import TaskError

    with pytest.raises(TaskError):
        rendered(tmp_path, "fastify-typescript", resources=[{"name": "tag", "fields": "name:strin"}])
    out = capfd.readouterr()
    assert '"strin" is not a field type' in out.err and "npm run new:resource -- tag --fields name:strin" in out.out
    assert not (tmp_path / "p/migrations/0004_create_tags.sql").exists()


def test_a_reference_to_users_may_be_called_user(tmp_path, node_env):
    project = rendered(tmp_path, "fastify-typescript", minimal=True)
    result = new_resource(project, node_env, "review", "--fields", "user:ref(users), at:datetime?=now", "--skip-checks")
    assert result.returncode == 0, result.stderr
    up = " ".join((project / "migrations/0004_create_reviews.sql").read_text().split())
    assert "user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE" in up
    # Optional with a default: a client may leave it out.
    assert "at: fields.at.nullable().optional()," in (project / "src/core/modules/reviews/reviews.schema.ts").read_text()
