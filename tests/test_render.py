"""Render matrix: every combination of answers renders, completely, with exactly its files."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml
from copier.errors import CopierError

from tests.conftest import FEATURES, STACKS_GRAPHQL, STACKS_REST, graphql_sdl, render

STACKS = STACKS_REST + STACKS_GRAPHQL
COMBOS = [dict(zip(FEATURES, values)) for values in itertools.product([True, False], repeat=len(FEATURES))]


def combo_id(combo: dict) -> str:
    return "-".join(name if on else f"no-{name}" for name, on in combo.items())


# Files whose presence follows one answer.
OPTIONAL_FILES = {
    "auth": [
        "src/core/auth/tokens.ts",
        "src/core/modules/auth/auth.service.ts",
        "src/core/mail/mailer.ts",
        "src/core/mail/templates.ts",
        "tests/auth.test.ts",
        "tests/accounts.test.ts",
        "tests/helpers/mailbox.ts",
        "src/core/auth/rate-limit.ts",
        "tests/rate-limit.test.ts",
    ],
    "docker": ["Dockerfile", "docker-compose.yml", ".dockerignore"],
    "ci": [".github/workflows/ci.yml", ".github/dependabot.yml"],
}
OPTIONAL_FILES_OF_STACK = {"nestjs": {"auth": ["src/http/nest/rate-limit.guard.ts"]}}
# The GraphQL stack tests verification and reset in its auth tests.
NOT_IN_STACK = {"apollo-graphql": ("tests/accounts.test.ts",)}
UNRENDERED = re.compile(r"{{|}}|{%|%}|{#")
# Files whose own tools template with {{ }}: GitHub's ${{ }}, Prometheus' alert annotations,
# Grafana's legend formats. A Jinja statement or comment left in them is still caught.
OWN_BRACES = (".github/", "deploy/prometheus/alerts.yml", "deploy/grafana/dashboard.json")
UNRENDERED_STATEMENT = re.compile(r"{%|%}|{#")


def unrendered(rel: str, text: str) -> re.Match | None:
    return (UNRENDERED_STATEMENT if rel.startswith(OWN_BRACES) else UNRENDERED).search(text)
OPERATION = re.compile(r"method: '(\w+)',\s+path: '([^']+)'")
# The template's own operations start from their entry of src/http/endpoints.ts.
CATALOGUED = re.compile(r"\.\.\.endpoint\('(\w+) ([^']+)'\)")
CONTROLLER = re.compile(r"@Controller\('?([^')]*)'?\)\s*\nexport class \w+ \{(.*?)\n\}", re.S)
ROUTE = re.compile(r"@(Get|Post|Put|Patch|Delete)\('?([^')]*)'?\)")


def http_sources(project: Path) -> str:
    return "".join(p.read_text() for p in sorted((project / "src" / "http").rglob("*.ts")))


def routes(project: Path) -> set[tuple[str, str]]:
    """(method, path) of every endpoint, from the operation modules or from the NestJS controllers."""
    modules = sorted((project / "src" / "http" / "operations").glob("*.ts"))
    if modules:
        text = "".join(module.read_text() for module in modules)
        return set(OPERATION.findall(text)) | {(method.lower(), path) for method, path in CATALOGUED.findall(text)}
    found = set()
    for controller in (project / "src" / "http").rglob("*.controller.ts"):
        for prefix, body in CONTROLLER.findall(controller.read_text()):
            for method, path in ROUTE.findall(body):
                found.add((method.lower(), "/" + "/".join(part for part in (prefix, path) if part)))
    return found


def graphql_schema(project: Path):
    """The generated GraphQL schema, built with graphql-core (so it must be valid SDL)."""
    import graphql

    return graphql.build_schema(graphql_sdl(project))


class Renders(dict):
    """Each (stack, combination) rendered the first time a test asks for it."""

    def __init__(self, factory):
        super().__init__()
        self.factory = factory

    def __missing__(self, key: tuple[str, str]) -> Path:
        stack, combination = key
        self[key] = render(self.factory.mktemp(f"{stack}-{combination}"), stack=stack, **COMBOS_BY_ID[combination])
        return self[key]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Renders:
    return Renders(tmp_path_factory)


COMBOS_BY_ID = {combo_id(combo): combo for combo in COMBOS}
# One xdist group a combination: its four renders are made on one worker, and the two workers
# share the matrix instead of both rendering all of it.
CASES = [
    pytest.param(stack, combo, id=f"{stack}-{combo_id(combo)}", marks=pytest.mark.xdist_group(f"render-{combo_id(combo)}"))
    for stack in STACKS
    for combo in COMBOS
]


@pytest.mark.parametrize(("stack", "combo"), CASES)
class TestEveryCombination:
    def test_nothing_is_left_unrendered(self, rendered, stack, combo):
        project = rendered[(stack, combo_id(combo))]
        for path in project.rglob("*"):
            if path.is_file():
                rel = path.relative_to(project).as_posix()
                assert not unrendered(rel, path.read_text()), f"unrendered Jinja in {rel}"
            assert not UNRENDERED.search(path.name), f"unrendered file name {path.relative_to(project)}"

    def test_optional_files_follow_their_answer(self, rendered, stack, combo):
        project = rendered[(stack, combo_id(combo))]
        for feature, files in OPTIONAL_FILES.items():
            for rel in files + OPTIONAL_FILES_OF_STACK.get(stack, {}).get(feature, []):
                if rel in NOT_IN_STACK.get(stack, ()):
                    assert not (project / rel).exists(), rel
                    continue
                assert (project / rel).exists() is combo[feature], f"{rel} with {feature}={combo[feature]}"

    def test_auth_endpoints_follow_their_answer(self, rendered, stack, combo):
        if stack in STACKS_GRAPHQL:
            schema = graphql_schema(rendered[(stack, combo_id(combo))])
            mutations = set(schema.mutation_type.fields)
            for name in ("register", "login", "refresh", "logout", "verifyEmail", "forgotPassword", "resetPassword", "setUserRole"):
                assert (name in mutations) is combo["auth"], name
            assert ("createUser" in mutations) is not combo["auth"]
            assert ("me" in schema.query_type.fields) is combo["auth"]
            return
        listed = routes(rendered[(stack, combo_id(combo))])
        assert (("post", "/auth/login") in listed) is combo["auth"]
        # Without auth, callers create users directly and name the actor in X-User-Id.
        assert (("post", "/users") in listed) is not combo["auth"]
        assert ("x-user-id" in http_sources(rendered[(stack, combo_id(combo))])) is not combo["auth"]
        # Verification, reset and the admin role come with auth.
        for path in ("/auth/verify-email", "/auth/forgot-password", "/auth/reset-password", "/admin/users"):
            assert any(route == path for _, route in listed) is combo["auth"], path

    def test_every_stack_declares_the_same_routes(self, rendered, stack, combo):
        if stack in STACKS_GRAPHQL:
            # The same domain as a schema: users, posts and comments with their relations, paged.
            schema = graphql_schema(rendered[(stack, combo_id(combo))])
            assert {"user", "users", "post", "posts"} <= set(schema.query_type.fields)
            writes = {"createPost", "updatePost", "deletePost", "addComment", "likePost", "unlikePost"}
            assert writes <= set(schema.mutation_type.fields)
            assert set(schema.get_type("User").fields) >= {"id", "name", "email", "createdAt", "posts"}
            assert set(schema.get_type("Post").fields) >= {"author", "comments", "commentCount", "likeCount"}
            assert set(schema.get_type("PostConnection").fields) == {"edges", "nodes", "pageInfo"}
            return
        # NestJS declares its routes in controllers; the others take them from src/http/operations/.
        assert routes(rendered[(stack, combo_id(combo))]) == routes(rendered[("fastify-typescript", combo_id(combo))])

    def test_generated_json_and_yaml_parse(self, rendered, stack, combo):
        project = rendered[(stack, combo_id(combo))]
        package = json.loads((project / "package.json").read_text())
        assert package["name"] == "orders-api"
        assert all(not v.startswith(("^", "~")) for v in {**package["dependencies"], **package["devDependencies"]}.values())
        assert ("ioredis" in package["dependencies"]) is combo["cache"]
        assert ("jsonwebtoken" in package["dependencies"]) is combo["auth"]
        assert ("nodemailer" in package["dependencies"]) is combo["auth"]
        assert ("smtp-server" in package["devDependencies"]) is combo["auth"]
        # Credential limits are the core's in every stack (src/core/auth/rate-limit.ts), not a framework plugin.
        assert not {"express-rate-limit", "rate-limit-redis", "@fastify/rate-limit", "@nestjs/throttler"} & package["dependencies"].keys()
        for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
            list(yaml.safe_load_all(path.read_text()))  # Kubernetes files hold several documents
        for path in project.rglob("*.json"):
            json.loads(path.read_text())

    def test_a_typed_client_is_one_script_away(self, rendered, stack, combo):
        project = rendered[(stack, combo_id(combo))]
        package = json.loads((project / "package.json").read_text())
        assert "tsc -p client" in package["scripts"]["client"]
        graphql = stack in STACKS_GRAPHQL
        # GraphQL: operations typed from the schema's files; REST: a client typed from the exported OpenAPI document.
        assert (project / "codegen.client.ts").is_file() is graphql
        assert (project / "src" / "openapi.ts").is_file() is not graphql
        assert ("openapi" in package["scripts"]) is not graphql
        assert ("openapi-fetch" in package["devDependencies"]) is not graphql
        assert ("@graphql-codegen/client-preset" in package["devDependencies"]) is graphql
        assert json.loads((project / "client" / "tsconfig.json").read_text())["include"] == ["."]
        if combo["ci"]:
            workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
            assert any(step.get("run") == "npm run client" for step in workflow["jobs"]["test"]["steps"])

    def test_env_example_lists_what_config_requires(self, rendered, stack, combo):
        project = rendered[(stack, combo_id(combo))]
        env = (project / ".env.example").read_text()
        assert "DATABASE_URL=" in env
        assert ("REDIS_URL=" in env) is combo["cache"]
        assert ("JWT_SECRET=" in env) is combo["auth"]
        assert ("SMTP_URL=" in env) is combo["auth"]
        if combo["docker"]:
            compose = yaml.safe_load((project / "docker-compose.yml").read_text())
            assert ("mailpit" in compose["services"]) is combo["auth"]
        if combo["ci"]:
            workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
            assert ("mailpit" in workflow["jobs"]["test"]["services"]) is combo["auth"]


# The demo domain: what a project has with it, and nothing of it without.
DEMO_FILES = [
    "src/core/modules/posts/posts.service.ts",
    "src/core/modules/comments/comments.repository.ts",
    "migrations/0003_newest_first_indexes.sql",
    "migrations/0003_newest_first_indexes.rollback.sql",
]
DEMO_FILES_OF_STACK = {
    "nestjs": ["src/http/posts/posts.controller.ts", "tests/posts.test.ts"],
    "apollo-graphql": ["tests/n-plus-one.test.ts"],
}
DEMO_WORDS = re.compile(r"\b(posts|comments|likes|Posts|Comments|Likes|Post|Comment|postId|buildPost|createPost|CREATE_POST|POSTS_CACHE|visiblePost)\b")
# Where the demo's words may stay without it: the generic tools (their help names the demo's
# options and refuses references to its tables), and comments and fixtures that use a post as
# an example of a path.
DEMO_WORDS_ALLOWED = {
    "tools/db.py", "tools/seed.py", "tools/new-resource.mjs", "src/http/operation.ts", "src/http/serializer.ts",
    "src/http/nest/problem.filter.spec.ts",
}
DEMO_CASES = [
    pytest.param(stack, minimal, id=f"{stack}-{'minimal' if minimal else 'full'}", marks=pytest.mark.xdist_group("render-demo"))
    for stack in STACKS
    for minimal in (False, True)
]


@pytest.mark.parametrize(("stack", "minimal"), DEMO_CASES)
def test_without_the_demo_domain_a_project_has_health_users_and_accounts_only(tmp_path, stack, minimal):
    project = render(tmp_path / "p", stack=stack, minimal=minimal, demo_domain=False)
    with_demo = render(tmp_path / "demo", stack=stack, minimal=minimal)
    for rel in DEMO_FILES + DEMO_FILES_OF_STACK.get(stack, []):
        assert (with_demo / rel).exists() and not (project / rel).exists(), rel
    for path in project.rglob("*"):
        rel = path.relative_to(project).as_posix()
        if path.is_file() and rel not in DEMO_WORDS_ALLOWED:
            text = path.read_text()
            assert not unrendered(rel, text), f"unrendered Jinja in {rel}"
            # HTTP's POST (a method, a NestJS decorator) is not a post.
            text = re.sub(r"import \{[^}]*\} from '@nestjs/common';", "", text.replace("'post'", "").replace("@Post", ""))
            found = DEMO_WORDS.search(text)
            assert not found, f"{rel} still speaks of the demo domain: {found.group(0)!r}"
    for rel in ("loadtest/locustfile.py", "tools/db.py"):
        compile((project / rel).read_text(), rel, "exec")
    schema = (project / "prisma/schema.prisma").read_text()
    assert "model User" in schema and "model Post" not in schema
    if stack in STACKS_GRAPHQL:
        graphql = graphql_schema(project)
        assert {"user", "users"} <= set(graphql.query_type.fields) and "posts" not in graphql.query_type.fields
        assert graphql.get_type("Post") is None and "posts" not in graphql.get_type("User").fields
        return
    listed = routes(project)
    assert not [route for route in listed if route[1].startswith("/posts")]
    assert ("get", "/users/:id") in listed and (("post", "/auth/login") in listed) is not minimal
    if stack != "fastify-typescript":
        assert listed == routes(render(tmp_path / "fastify", stack="fastify-typescript", minimal=minimal, demo_domain=False))


def test_minimal_turns_every_optional_feature_off(minimal_project):
    answers = yaml.safe_load((minimal_project / ".copier-answers.yml").read_text())
    assert {k: answers[k] for k in FEATURES} == dict.fromkeys(FEATURES, False)
    assert not (minimal_project / "Dockerfile").exists()


def test_defaults_turn_every_optional_feature_on(tmp_path):
    project = render(tmp_path / "p")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {k: answers[k] for k in FEATURES} == dict.fromkeys(FEATURES, True)
    assert answers["stack"] == "fastify-typescript" and answers["port"] == 3000


def test_graphql_answers_default_to_apollo_on_port_4000(tmp_path):
    project = render(tmp_path / "p", api_type="graphql")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["api_type"], answers["stack"], answers["port"]) == ("graphql", "apollo-graphql", 4000)
    assert (project / "src/graphql/schema.graphql").exists() and not (project / "src/http/operations.ts").exists()


@pytest.mark.parametrize("access", ["read", "none", "full"])
def test_unverified_access_answer_becomes_the_default_policy(tmp_path, access):
    project = render(tmp_path / "p", unverified_access=access)
    assert f".default('{access}')" in (project / "src/core/config.ts").read_text()
    assert f"UNVERIFIED_USER_ACCESS={access}\n" in (project / ".env.example").read_text()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["unverified_access"] == access


def test_unverified_access_is_not_asked_without_auth(tmp_path):
    project = render(tmp_path / "p", auth=False)
    assert "unverified_access" not in yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert "UNVERIFIED_USER_ACCESS" not in (project / ".env.example").read_text()


def test_license_follows_the_answer(tmp_path):
    assert "MIT License" in (render(tmp_path / "mit") / "LICENSE").read_text()
    assert "Apache License" in (render(tmp_path / "apache", license="Apache-2.0") / "LICENSE").read_text()
    assert not (render(tmp_path / "none", license="UNLICENSED") / "LICENSE").exists()


def test_prefix_and_port_reach_the_code(tmp_path):
    project = render(tmp_path / "p", api_prefix="/api/v1", port=8080)
    assert "API_PREFIX = '/api/v1'" in (project / "src/http/operation.ts").read_text()
    assert ".default(8080)" in (project / "src/core/config.ts").read_text()


def test_quotes_in_names_stay_valid_json_and_typescript(tmp_path):
    project = render(tmp_path / "p", project_name='Bob\'s "Best" API', project_slug="bobs-api", description='Says "hi"')
    assert json.loads((project / "package.json").read_text())["description"] == 'Says "hi"'
    assert "title: 'Bob\\'s \"Best\" API'" in (project / "src/app.ts").read_text()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "   "}, "project name is empty"),
        ({"project_slug": "Orders API"}, "capital letters"),
        ({"project_slug": "-orders"}, "not a valid npm package name"),
        ({"stack": "django"}, "Invalid choice"),
        ({"api_type": "graphql", "stack": "fastify-typescript"}, "pick apollo-graphql"),
        ({"api_type": "rest", "stack": "apollo-graphql"}, "This stack serves GRAPHQL"),
        ({"node_version": "20"}, "answer 22 or newer"),
        ({"port": 80}, "ports below 1024"),
        ({"api_prefix": "api"}, "not a path prefix"),
        ({"unverified_access": "sometimes"}, "Invalid choice"),
        (
            {"demo_domain": False, "resources": [{"name": "tag", "fields": "name:string, post:ref(posts)"}]},
            "Resource 1 refers to posts, which only the demo domain has",
        ),
    ],
    ids=["empty-name", "uppercase-slug", "bad-slug", "unknown-stack", "rest-stack-for-graphql", "graphql-stack-for-rest", "old-node", "low-port", "bad-prefix", "bad-unverified-access", "demo-ref-without-demo"],
)
def test_invalid_answers_are_refused_with_their_reason(tmp_path, answers, message):
    with pytest.raises((CopierError, ValueError)) as info:
        render(tmp_path / "p", **answers)
    assert message in str(info.value)
