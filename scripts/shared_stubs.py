"""Where each shared partial lands in a generated project, and the stub that pulls it in.

Every file under templates/_shared/ is rendered into every stack through a one-line
stub in templates/<stack>/ (Copier resolves includes from the template root). A partial
that carries Jinja is named `X.jinja` and becomes X; one that does not is copied as it is. This
module is the single map of partial -> stub path; `python scripts/shared_stubs.py
STACK` writes the stubs of a new stack, and tests/test_shared_layout.py checks them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "templates" / "_shared"

# Partials whose output name or presence depends on an answer.
SPECIAL = {
    "copier-answers.yml": "{{ _copier_conf.answers_file }}",
    "LICENSE": "{% if license != 'UNLICENSED' %}LICENSE{% endif %}",
    "Dockerfile": "{% if docker %}Dockerfile{% endif %}",
    ".dockerignore": "{% if docker %}.dockerignore{% endif %}",
    "docker-compose.yml": "{% if docker %}docker-compose.yml{% endif %}",
    ".github/workflows/ci.yml": "{% if ci %}.github{% endif %}/workflows/ci.yml",
    ".github/dependabot.yml": "{% if ci %}.github{% endif %}/dependabot.yml",
    "tests/auth.test.ts": "tests/{% if auth %}auth.test.ts{% endif %}",
    "tests/accounts.test.ts": "tests/{% if auth %}accounts.test.ts{% endif %}",
    "tests/rate-limit.test.ts": "tests/{% if auth %}rate-limit.test.ts{% endif %}",
    "tests/cache.test.ts": "tests/{% if cache %}cache.test.ts{% endif %}",
    "tests/actor.test.ts": "tests/{% if not auth %}actor.test.ts{% endif %}",
    "tests/helpers/mailbox.ts": "tests/helpers/{% if auth %}mailbox.ts{% endif %}",
    "src/http/operations/auth.ts": "src/http/operations/{% if auth %}auth.ts{% endif %}",
    # The demo domain (posts, comments, likes), when the project has it.
    "tests/posts.test.ts": "tests/{% if demo_domain %}posts.test.ts{% endif %}",
    "src/http/operations/posts.ts": "src/http/operations/{% if demo_domain %}posts.ts{% endif %}",
    "src/http/operations/comments.ts": "src/http/operations/{% if demo_domain %}comments.ts{% endif %}",
    "migrations/0003_newest_first_indexes.sql": "migrations/{% if demo_domain %}0003_newest_first_indexes.sql{% endif %}",
    "migrations/0003_newest_first_indexes.rollback.sql": "migrations/{% if demo_domain %}0003_newest_first_indexes.rollback.sql{% endif %}",
    # package.json is shared, but each stack sets its framework's dependencies first.
    "package.json": None,
}
# Partials a stack does without or replaces with a file of its own: NestJS declares its routes
# in controllers (no operations table) and boots through Nest's own shutdown hooks; Express is
# not served by Fastify.
# The REST operation table: the index, what an operation is, and one module a resource.
OPERATIONS = {
    "src/http/operations.ts",
    "src/http/operation.ts",
    *(f"src/http/operations/{name}.ts" for name in ("auth", "comments", "health", "posts", "users")),
}
OWN_FILES = {
    "nestjs": {*OPERATIONS, "src/server.ts"},  # its entry point is src/main.ts, as in every Nest project
    "express-typescript": {"src/http/fastify.ts"},
    # Apollo serves one GraphQL schema instead of the REST table, and tests and load-tests it as such.
    "apollo-graphql": {
        *OPERATIONS,
        "src/http/serializer.ts",
        "src/http/endpoints.ts",
        "tests/users.test.ts",
        "tests/posts.test.ts",
        "tests/auth.test.ts",
        "tests/accounts.test.ts",
        "loadtest/locustfile.py",
        # GraphQL clients are typed from the schema's .graphql files, not from an OpenAPI export.
        "src/openapi.ts",
        "client/index.ts",
    },
}
CONDITIONAL_DIRS = {
    "src/core/auth/": "src/core/{% if auth %}auth{% endif %}/",
    "src/core/modules/auth/": "src/core/modules/{% if auth %}auth{% endif %}/",
    "src/core/mail/": "src/core/{% if auth %}mail{% endif %}/",
    # The production topology's configuration (nginx, PgBouncer, Prometheus, Grafana), which
    # docker-compose.yml mounts.
    "deploy/": "{% if docker %}deploy{% endif %}/",
    "src/core/modules/posts/": "src/core/modules/{% if demo_domain %}posts{% endif %}/",
    "src/core/modules/comments/": "src/core/modules/{% if demo_domain %}comments{% endif %}/",
}


def partials() -> list[str]:
    return sorted(p.relative_to(SHARED).as_posix() for p in SHARED.rglob("*") if p.is_file())


def output(partial: str) -> str:
    """The file a partial becomes in a project: a partial that carries Jinja is named `X.jinja`."""
    return partial.removesuffix(".jinja")


def stub_path(partial: str) -> str | None:
    partial = output(partial)
    if partial in SPECIAL:
        target = SPECIAL[partial]
        return None if target is None else target + ".jinja"
    for prefix, conditional in CONDITIONAL_DIRS.items():
        if partial.startswith(prefix):
            return conditional + partial[len(prefix):] + ".jinja"
    return partial + ".jinja"


def stub_text(partial: str) -> str:
    return f'{{% include "templates/_shared/{partial}" -%}}\n'


def write_stubs(stack: str) -> int:
    written = 0
    for partial in partials():
        target = stub_path(partial)
        if target is None or output(partial) in OWN_FILES.get(stack, set()):
            continue
        path = ROOT / "templates" / stack / target
        if not path.exists() or path.read_text() != stub_text(partial):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(stub_text(partial))
            written += 1
    return written


if __name__ == "__main__":
    stacks = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_dir() and p.name != "_shared")
    if len(sys.argv) != 2 or sys.argv[1] not in stacks:
        sys.exit(f"usage: python scripts/shared_stubs.py STACK, where STACK is one of {', '.join(stacks)}\n"
                 "(a new stack: create templates/STACK with its copier files first)")
    print(f"{write_stubs(sys.argv[1])} stub(s) written")
