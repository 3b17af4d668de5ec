"""`./kit demo [DIR]`: generate a project with default answers and run it.

Starts throwaway PostgreSQL and Redis (or uses DATABASE_URL / REDIS_URL) and a local SMTP
server that prints the links of every mail the API sends, renders the template into DIR,
installs it, migrates the database, builds, starts the server and checks GET /health.
Ctrl-C stops everything. `--check` exits after the health check.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from tests import services  # noqa: E402
from tests.mail import Mail, MailSink  # noqa: E402
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, make_node_env, render  # noqa: E402
from tests.projects import Project, start_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default="my-api")
    parser.add_argument("--check", action="store_true", help="exit after GET /health answers")
    parser.add_argument("--stack", default="fastify-typescript", choices=STACKS_REST + STACKS_GRAPHQL, help="stack to generate")
    args = parser.parse_args()
    dst = Path(args.dir).resolve()
    if dst.exists() and any(dst.iterdir()):
        parser.error(f"{dst} exists and is not empty; pick another folder")

    env = make_node_env(Path(tempfile.mkdtemp(prefix="bk-bin-")))
    with services.postgres_server() as admin, services.redis_server() as redis:
        print(f"generating {dst} ({args.stack}, default answers)")
        render(dst, stack=args.stack)
        env["DATABASE_URL"] = services.create_database(admin, "demo")
        env["REDIS_URL"] = redis
        project = Project(args.stack, "demo", dst, env)
        print("npm install ...")
        project.npm("install", "--no-audit", "--no-fund")
        print(project.db("migrate").stdout.strip())
        project.npm("run", "build")
        sink = MailSink(keep=False, on_mail=show_mail).start()
        graphql = args.stack in STACKS_GRAPHQL
        # The GraphQL demo runs in development mode: its sandbox and introspection are off in production.
        server = start_server(project, LOG_LEVEL="info", SMTP_URL=sink.url, **({"NODE_ENV": "development"} if graphql else {}))
        try:
            health = requests.get(f"{server.base_url}/health", timeout=5).text
            print(f"GET {server.base_url}/health -> {health}")
            if graphql:
                answer = requests.post(f"{server.base_url}/graphql", json={"query": "{ posts(first: 5) { nodes { id title } } }"}, timeout=5)
                print(f"POST {server.base_url}/graphql {{ posts {{ nodes {{ id title }} }} }} -> {answer.text}")
                print(f"Apollo Sandbox (in a browser): {server.base_url}/graphql")
            else:
                print(f"Swagger UI: {server.base_url}/docs")
            if not args.check:
                print("Serving; press Ctrl-C to stop.")
                signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            sink.stop()
    return 0


def show_mail(mail: Mail) -> None:
    print(f"mail to {', '.join(mail.to)}: {mail.subject}\n  {mail.link}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
