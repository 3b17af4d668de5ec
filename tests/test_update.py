"""`copier update`: a project made from an earlier release takes the newest one without losing
its owner's edits, optional features can be turned on later, and `_migrations` run."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from copier import run_copy, run_update

from tests.conftest import ROOT, STACKS_GRAPHQL, STACKS_REST, git
from tests.projects import install_project, start_server

pytestmark = pytest.mark.slow

from scripts.releases import releases, tag

# The recorded releases (RELEASES): a project made from one takes the working tree, tagged in the
# test's own clone as the next minor version, so every release's update migrations run.
RECORDED = dict(releases())
LAST = tuple(int(part) for part in list(RECORDED)[-1].split("."))
NEW_VERSION = f"v{LAST[0]}.{LAST[1] + 1}.0"
USER_OPERATION = """    operation({
      method: 'get',
      path: '/hello',
      tags: ['hello'],
      summary: 'A route the project added itself',
      access: 'public',
      status: 200,
      responses: {},
      handle: async () => ({ hello: 'world' }),
    }),
"""


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory) -> Path:
    """A clone of this repository with no tags but those `scripts/releases.py tag` makes from the
    record (as a fresh clone after `./kit setup`), whose newest version is the working tree,
    uncommitted changes included."""
    if not all(subprocess.run(["git", "cat-file", "-e", f"{c}^{{commit}}"], cwd=ROOT, capture_output=True).returncode == 0 for c in RECORDED.values()):
        subprocess.run(["git", "fetch", "--quiet", "--unshallow"], cwd=ROOT, capture_output=True)
    clone = tmp_path_factory.mktemp("template") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    for name in git("tag", cwd=clone).split():
        git("tag", "-d", name, cwd=clone)
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    present = set(filter(None, tracked.decode().split("\0")))
    for rel in present:
        source, target = ROOT / rel, clone / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.exists():
            target.unlink()
    # Files of the last commit that the working tree deleted or moved (staged or not) go too.
    for rel in filter(None, git("ls-files", "-z", cwd=clone).split("\0")):
        if rel not in present and (clone / rel).is_file():
            (clone / rel).unlink()
    git("add", "-A", cwd=clone)
    git("commit", "-q", "--allow-empty", "-m", "working tree", cwd=clone)
    missing = [line for line in tag(clone) if "not in this clone" in line]
    if missing:
        pytest.skip(f"this clone lacks release commits ({'; '.join(missing)}): run the update tests from a full clone")
    git("tag", NEW_VERSION, cwd=clone)
    return clone


def generate(template: Path, dst: Path, ref: str, **answers) -> Path:
    run_copy(str(template), str(dst), data={"project_name": "Update Me", **answers}, defaults=True, unsafe=True, vcs_ref=ref, quiet=True)
    git("init", "-q", cwd=dst)
    git("add", "-A", cwd=dst)
    git("commit", "-q", "-m", "generated", cwd=dst)
    return dst


def user_edits(project: Path, route: bool = True, trust_proxy_true: bool = True) -> None:
    """What an owner does in the first month: retitle the README, add a route (to the one
    operations.ts of releases before 0.3.0) and a migration, configure .env."""
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines[0] = "# Update Me (internal edition)\n"
    readme.write_text("".join(lines))
    if route:
        operations = project / "src" / "http" / "operations.ts"
        text = operations.read_text()
        end = text.rindex("  ];\n}")
        operations.write_text(text[:end] + USER_OPERATION + text[end:])
    (project / "migrations" / "0002_user_tags.sql").write_text("CREATE TABLE user_tags (id serial PRIMARY KEY, label text NOT NULL);\n")
    (project / "migrations" / "0002_user_tags.rollback.sql").write_text("DROP TABLE user_tags;\n")
    schema = project / "prisma" / "schema.prisma"
    schema.write_text(schema.read_text() + '\nmodel UserTag {\n  id    Int    @id @default(autoincrement())\n  label String\n\n  @@map("user_tags")\n}\n')
    # Releases before 0.2.0 accepted TRUST_PROXY=true; 0.2.0's migration rewrites it.
    env = (project / ".env.example").read_text()
    if trust_proxy_true:
        env = env.replace("TRUST_PROXY=false", "TRUST_PROXY=true")
    (project / ".env").write_text(env)


def differences(left: Path, right: Path, ignore=(".git", "node_modules", ".copier-answers.yml", ".env")) -> list[str]:
    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"only in updated: {prefix}{n}" for n in cmp.left_only)
        found.extend(f"only in fresh copy: {prefix}{n}" for n in cmp.right_only)
        found.extend(f"differs: {prefix}{n}" for n in cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=list(ignore)), "")
    return found


def assert_clean_merge(project: Path) -> None:
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        assert not path.name.endswith(".rej"), f"rejected hunk left behind: {path}"
        text = path.read_text(errors="replace")
        assert "<<<<<<<" not in text and ">>>>>>>" not in text, f"conflict markers in {path.relative_to(project)}"


def install_and_test(project: Path, stack: str, node_env: dict, postgres_admin_url: str, redis_url: str):
    installed = install_project(project, stack, "update", node_env, postgres_admin_url, redis_url, database=f"upd_{uuid.uuid4().hex[:12]}")
    installed.npm("run", "build")
    installed.npm("test", timeout=900)
    return installed


# The stacks release 0.2.0 already had; NestJS and Apollo came later.
STACKS_OF_0_2_0 = ["express-typescript", "fastify-typescript"]


@pytest.mark.parametrize("stack", STACKS_OF_0_2_0)
def test_update_from_release_0_2_0_keeps_the_owners_edits(stack, template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    project = generate(template_repo, tmp_path / "project", "v0.2.0", stack=stack)
    user_edits(project, trust_proxy_true=False)
    owners_env = (project / ".env").read_text()
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "owner's edits", cwd=project)

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)

    assert_clean_merge(project)
    assert (project / "README.md").read_text().startswith("# Update Me (internal edition)\n")
    # The 0.3.0 migration moved the owner's route out of the old single file into a module of its own.
    own = (project / "src" / "http" / "operations" / "own.ts").read_text()
    assert "path: '/hello'" in own and "export function ownOperations" in own
    operations = (project / "src" / "http" / "operations.ts").read_text()
    assert "...ownOperations(container)," in operations and "path: '/hello'" not in operations
    assert "export const API_PREFIX" in (project / "src" / "http" / "operation.ts").read_text()
    assert (project / "migrations" / "0002_user_tags.sql").exists()
    assert "def cmd_seed" in (project / "tools" / "db.py").read_text(), "the new release's db command arrived"
    assert (project / ".env").read_text() == owners_env, "the owner's .env is theirs: no migration of this range touches it"

    fresh = generate(template_repo, tmp_path / "fresh", NEW_VERSION, stack=stack)
    user_edits(fresh, route=False, trust_proxy_true=False)
    # .env is the owner's file (made from the old .env.example), so it is compared by the migration check above;
    # the route's two files by the asserts above, and by the build and tests below.
    assert sorted(differences(project, fresh)) == ["differs: src/http/operations.ts", "only in updated: src/http/operations/own.ts"]

    installed = install_and_test(project, stack, node_env, postgres_admin_url, redis_url)
    installed.db("migrate")
    server = start_server(installed)
    try:
        assert requests.get(f"{server.base_url}/api/hello", timeout=5).json() == {"hello": "world"}
    finally:
        assert server.stop() == 0


def test_update_from_the_first_release_moves_the_routes_and_keeps_the_owners_edits(template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    project = generate(template_repo, tmp_path / "project", "v0.1.0", stack="fastify-typescript")
    assert (project / "src" / "http" / "routes" / "posts.routes.ts").exists()
    user_edits(project, route=False)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "owner's edits", cwd=project)

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)

    assert_clean_merge(project)
    assert not (project / "src" / "http" / "routes").exists(), "routes the template removed are removed"
    assert (project / "src" / "http" / "operations.ts").exists()
    assert "TRUST_PROXY=1" in (project / ".env").read_text()
    fresh = generate(template_repo, tmp_path / "fresh", NEW_VERSION, stack="fastify-typescript")
    user_edits(fresh, route=False)
    assert differences(project, fresh) == []
    install_and_test(project, "fastify-typescript", node_env, postgres_admin_url, redis_url)


@pytest.mark.parametrize("stack", STACKS_REST + STACKS_GRAPHQL)
def test_turning_every_optional_feature_on_through_an_update(stack, template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    api = {"api_type": "graphql"} if stack in STACKS_GRAPHQL else {}
    project = generate(template_repo, tmp_path / "project", NEW_VERSION, stack=stack, minimal=True, **api)
    assert not (project / "Dockerfile").exists()
    features = {"auth": True, "cache": True, "docker": True, "ci": True}
    run_update(str(project), data=features, defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)
    assert_clean_merge(project)
    fresh = generate(template_repo, tmp_path / "fresh", NEW_VERSION, stack=stack, minimal=True, **api, **features)
    assert differences(project, fresh) == []
    install_and_test(project, stack, node_env, postgres_admin_url, redis_url)


def test_a_clone_tagged_from_the_record_updates_a_project_to_a_named_release(template_repo, tmp_path):
    """What `./kit setup` gives a fresh clone: `copier update --vcs-ref v0.2.0` finds its release."""
    project = generate(template_repo, tmp_path / "project", "v0.1.0", stack="fastify-typescript")
    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref="v0.2.0", quiet=True)
    assert "_commit: v0.2.0" in (project / ".copier-answers.yml").read_text()
    assert (project / "src" / "http" / "operations.ts").exists()  # 0.2.0's single operations table arrived


def test_update_of_a_project_with_generated_resources_keeps_them_and_their_tests_pass(template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    newest = f"v{list(RECORDED)[-1]}"
    project = generate(template_repo, tmp_path / "project", newest, stack="fastify-typescript")
    if not (project / "tools" / "new-resource.mjs").exists():
        pytest.skip(f"the newest release ({newest}) has no resource generator")
    for args in (["category", "--fields", "title:string:unique, rank:int=0"], ["task", "--fields", "label:string, category:ref(categories)", "--owned"]):
        subprocess.run(["node", "tools/new-resource.mjs", *args, "--skip-checks"], cwd=project, env=node_env, check=True, capture_output=True)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "two resources", cwd=project)

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)

    assert_clean_merge(project)
    operations = (project / "src" / "http" / "operations.ts").read_text()
    assert "...categoriesOperations(container)," in operations and "...tasksOperations(container)," in operations
    assert "model Task {" in (project / "prisma" / "schema.prisma").read_text()
    installed = install_and_test(project, "fastify-typescript", node_env, postgres_admin_url, redis_url)
    assert (installed.path / "tests" / "tasks.test.ts").exists()


def test_update_of_an_apollo_project_moves_its_schema_and_its_resources_sdl_to_graphql_files(template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    # 0.3.0: the last release whose schema was TypeScript strings.
    project = generate(template_repo, tmp_path / "project", "v0.3.0", stack="apollo-graphql", api_type="graphql")
    subprocess.run(["node", "tools/new-resource.mjs", "category", "--fields", "title:string:unique, rank:int=0", "--skip-checks"],
                   cwd=project, env=node_env, check=True, capture_output=True)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "a resource", cwd=project)

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)

    assert_clean_merge(project)
    graphql = project / "src" / "graphql"
    assert not (graphql / "schema.ts").exists() and "type Query {" in (graphql / "schema.graphql").read_text()
    sdl = (graphql / "resources" / "categories.graphql").read_text()
    assert sdl.startswith('"A category: written by `npm run new:resource`, yours to change."\ntype Category {\n')
    assert "  categories(first: Int = 20, after: String): CategoryConnection!" in sdl
    assert "typeDefs" not in (graphql / "resources" / "categories.ts").read_text()
    installed = install_and_test(project, "apollo-graphql", node_env, postgres_admin_url, redis_url)
    assert (installed.path / "tests" / "categories.test.ts").exists()
    # The moved SDL is laid out as Prettier lays out GraphQL (the generator above ran without
    # node_modules, so the rest of the resource's files were never formatted).
    installed.npm("exec", "--", "prettier", "--check", "src/graphql")


def test_update_of_a_nestjs_project_moves_its_root_module_and_entry_point_and_keeps_its_resources(template_repo, tmp_path, node_env, postgres_admin_url, redis_url):
    # 0.4.0: the last release whose AppModule sat in src/app.ts and whose entry point was src/server.ts.
    project = generate(template_repo, tmp_path / "project", "v0.4.0", stack="nestjs")
    for args in (["category", "--fields", "title:string:unique, rank:int=0"], ["task", "--fields", "label:string, category:ref(categories)", "--owned"]):
        subprocess.run(["node", "tools/new-resource.mjs", *args, "--skip-checks"], cwd=project, env=node_env, check=True, capture_output=True)
    assert "CategoriesModule," in (project / "src" / "app.ts").read_text()
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "two resources", cwd=project)

    run_update(str(project), defaults=True, overwrite=True, unsafe=True, conflict="inline", vcs_ref=NEW_VERSION, quiet=True)

    assert_clean_merge(project)
    src = project / "src"
    assert not (src / "server.ts").exists() and (src / "main.ts").exists()
    assert "class AppModule" not in (src / "app.ts").read_text()
    root = (src / "app.module.ts").read_text()
    for name, route in (("CategoriesModule", "categories"), ("TasksModule", "tasks")):
        assert f"import {{ {name} }} from './http/{route}/{route}.module';" in root
        assert f"        {name},\n" in root
    assert not (project / ".copier-0.5.0-modules.json").exists()
    # The generator of the new release registers the next resource in the new root module.
    subprocess.run(["node", "tools/new-resource.mjs", "label", "--fields", "text:string", "--skip-checks"], cwd=project, env=node_env, check=True, capture_output=True)
    assert "        LabelsModule,\n" in (src / "app.module.ts").read_text()
    installed = install_and_test(project, "nestjs", node_env, postgres_admin_url, redis_url)
    assert (installed.path / "dist" / "main.js").exists() and (installed.path / "tests" / "tasks.test.ts").exists()
    installed.npm("exec", "--", "prettier", "--check", "src/app.module.ts", "src/app.ts", "src/main.ts")
