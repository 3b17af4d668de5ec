"""Each generated stack against its bare framework, side by side, in one run.

For every stack: generates the project with default answers (and once more with the cache
off), builds it, seeds PostgreSQL with a fixed data set, starts it in production mode pinned
to CPU 0 and loads it with wrk pinned to CPU 1, on loopback. Beside them, in the same run: the
bare frameworks answering GET /health (Apollo Server: `{ hello }`), and `raw-pg`, bare Fastify
with the raw `pg` driver answering the same posts list, post by id, authenticated write and
GraphQL nested query in hand-written statements. Targets are measured in interleaved rounds;
the medians are printed as a table, with every ratio against its goal, and written as JSON.

  ./kit bench                                   # every stack, 3 rounds of 10 s, 100 connections
  ./kit bench --stacks fastify-typescript --rounds 5 --seconds 15
  ./kit bench --release 0.6.0                   # keep the run as bench/reports/0.6.0.json
  ./kit bench --baseline bench/reports/0.6.0.json   # print each ratio beside the kept run's
  ./kit bench --smoke                           # 1 round of 1 s: checks the harness runs (CI)

Exit code 0 when the run completed (targets missed are reported, not fatal; the numbers of a
shared machine are too noisy for a gate), 1 when a server or wrk failed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import services  # noqa: E402
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, make_node_env, render, run  # noqa: E402
from tests.mail import MailSink  # noqa: E402
from tests.projects import entry_point  # noqa: E402

BARE = Path(__file__).resolve().parent / "bare"
REPORT_LUA = BARE / "report.lua"
SERVER_CPU, LOAD_CPU = "0", "1"

# The fixed data set, made by the project's own `db seed`: 1,000 users, 10,000 posts (90%
# published), 50,000 comments, 50,000 likes.
SEED_ARGS = ["--users", "1000", "--posts", "10", "--comments", "5", "--likes", "50"]

# The same protections on as in production; what each stack's figure is divided by. The GraphQL
# stack's is `{ __typename }` through /graphql over bare Apollo on Fastify's `{ hello }`: its /health
# is served by Fastify alone and would measure Fastify, not GraphQL.
HEALTH_TARGET = {"fastify-typescript": 0.60, "express-typescript": 0.75, "nestjs": 0.60, "apollo-graphql": 0.75}
BARE_OF = {"fastify-typescript": "bare-fastify", "express-typescript": "bare-express", "nestjs": "bare-nestjs",
           "apollo-graphql": "bare-apollo-fastify"}
# name -> command in bench/bare; NestJS on Express is measured too, as the platform the stack did not choose.
BARE_APPS = {
    "bare-fastify": ["node", "fastify-health.js"],
    "bare-express": ["node", "express-health.js"],
    "bare-nestjs": ["node", "nestjs-health.js", "fastify"],
    "bare-nestjs-express": ["node", "nestjs-health.js", "express"],
    "bare-apollo-fastify": ["node", "apollo-hello.js", "fastify"],
    "bare-apollo-standalone": ["node", "apollo-hello.js", "standalone"],
}
# Which stacks each bare app is measured for (the others always run).
BARE_FOR = {"bare-nestjs": "nestjs", "bare-nestjs-express": "nestjs", "bare-apollo-fastify": "apollo-graphql",
            "bare-apollo-standalone": "apollo-graphql"}
HELLO = json.dumps({"query": "{ hello }"})
TYPENAME = json.dumps({"query": "{ __typename }"})
# The GraphQL stack's operations, the same reads and write as the REST stacks' endpoints, plus the nested query.
GRAPHQL = {
    "posts": "{ posts(first: 20) { nodes { id title content published commentCount likeCount createdAt author { id name } } "
             "pageInfo { hasNextPage endCursor } } }",
    "post": "query ($id: ID!) { post(id: $id) { id title content published commentCount likeCount createdAt author { id name } } }",
    "write": "mutation { createPost(input: {title: \"Bench\", content: \"Written by wrk.\"}) { id } }",
    "nested": "{ users(first: 10) { nodes { name posts(first: 5) { nodes { title comments(first: 5) "
              "{ nodes { content author { name } } } } } } } }",
}
WARM_OVER_BARE = 0.50
LIST_OVER_RAW = 0.90
LIST_RPS = 1000.0
POST_OVER_RAW = 0.90
WRITE_OVER_RAW = 0.70
NESTED_OVER_RAW = 0.60
RSS_OVER_BARE = 2.0
P95_MS = 50.0
STARTUP_S = 1.0
COPY_S = 2.0
COMPILE_CACHE = ".compile-cache"


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    base_url: str
    startup_s: float

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Target:
    name: str
    server: Server
    path: str
    method: str = "GET"
    body: str | None = None
    auth: str | None = None
    # Fewer connections for an operation whose latency at 100 would exceed wrk's 2 s timeout.
    connections: int | None = None
    runs: list[dict] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(run[key] for run in self.runs)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start(name: str, cmd: list[str], cwd: Path, env: dict, logfile: Path) -> Server:
    """Starts a server pinned to the server CPU; returns once GET /health answers 200 (bare standalone
    Apollo, which has no such route, once it answers at all), with the time that took."""
    port = services.free_port()
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
    base_url = f"http://127.0.0.1:{port}"
    out = logfile.open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, *cmd], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    session = requests.Session()
    while time.perf_counter() - started < 30:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with {proc.returncode} before answering; see {logfile}")
        try:
            if session.get(f"{base_url}/health", timeout=1).status_code == 200 or name == "bare-apollo-standalone":
                return Server(name, proc, base_url, time.perf_counter() - started)
        except requests.ConnectionError:
            time.sleep(0.005)
    proc.kill()
    raise SystemExit(f"{name} did not answer /health within 30 s; see {logfile}")


def wrk_env(method: str, body: str | None, auth: str | None) -> dict:
    """The environment report.lua reads: the request's method, JSON body and Authorization header."""
    env = {**os.environ, "BENCH_METHOD": method}
    if body:
        env["BENCH_BODY"] = body
    if auth:
        env["BENCH_AUTH"] = auth
    return env


def wrk(target: Target, seconds: float, connections: int) -> dict:
    env = wrk_env(target.method, target.body, target.auth)
    connections = min(connections, target.connections or connections)
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(REPORT_LUA),
           f"{target.server.base_url}{target.path}"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed against {target.name}:\n{result.stdout}\n{result.stderr}")
    return json.loads(line.removeprefix("BENCH "))


def seed(admin_url: str, project_env: dict, project: Path) -> str:
    """Migrates a database with the project's own `db` tool, seeds it, and returns its URL (a template for the others)."""
    url = services.create_database(admin_url, "bench_seed")
    run(["python3", "tools/db.py", "migrate"], project, {**project_env, "DATABASE_URL": url})
    print(run(["python3", "tools/db.py", "seed", *SEED_ARGS], project, {**project_env, "DATABASE_URL": url}).stdout.strip(), flush=True)
    return url


def copy_of(admin_url: str, template_url: str, name: str) -> str:
    """A new database with the seeded data (CREATE DATABASE ... TEMPLATE)."""
    template = template_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def time_copy(stack: str, workdir: Path, repeat: int) -> float:
    """`copier copy` with default answers, as a user runs it (a fresh process each time); the median in seconds."""
    copier = Path(sys.executable).with_name("copier")
    timings = []
    for n in range(repeat):
        dst = workdir / f"copy-{stack}-{n}"
        started = time.perf_counter()
        api = ["--data", "api_type=graphql"] if stack in STACKS_GRAPHQL else []
        run([str(copier), "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "HEAD", "--data", f"stack={stack}", *api, str(ROOT), str(dst)],
           workdir, dict(os.environ))
        timings.append(time.perf_counter() - started)
        shutil.rmtree(dst)
    return statistics.median(timings)


def build(stack: str, workdir: Path, env: dict, **answers) -> Path:
    suffix = "-nocache" if answers.get("cache") is False else ""
    path = render(workdir / f"{stack}{suffix}", stack=stack, project_name=f"Bench {stack}{suffix}", **answers)
    run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund"], path, env)
    run(["npm", "run", "build"], path, env)
    # As the image's build does (Dockerfile): V8's compiled code of the app's modules, on disk.
    run(["node", "-e", "require('./dist/app'); require('./dist/boot')"], path, {**env, "NODE_COMPILE_CACHE": str(path / COMPILE_CACHE)})
    return path


def graphql(server: Server, query: str, variables: dict | None = None) -> dict:
    response = requests.post(f"{server.base_url}/graphql", json={"query": query, "variables": variables or {}}, timeout=10)
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"{server.name}: {body['errors']}")
    return body["data"]


def bench_user(server: Server, database_url: str, api_type: str = "rest", role: str = "user") -> str:
    """A registered, verified user (the authenticated write; as `admin`, the GraphQL `users` list); returns its Authorization header."""
    account = {"email": "bench-writer@example.com", "password": "Bench-pass-1", "name": "Bench writer"}
    if api_type == "graphql":
        token = graphql(server, "mutation ($input: RegisterInput!) { register(input: $input) { tokens { accessToken } } }",
                        {"input": account})["register"]["tokens"]["accessToken"]
    else:
        response = requests.post(f"{server.base_url}/api/auth/register", json=account, timeout=10)
        if response.status_code == 409:
            response = requests.post(f"{server.base_url}/api/auth/login", json=account, timeout=10)
            token = response.json()["accessToken"]
        else:
            response.raise_for_status()
            token = response.json()["tokens"]["accessToken"]
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("UPDATE users SET email_verified_at = now(), role = %s WHERE email = %s", (role, account["email"]))
    return f"Bearer {token}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", default=",".join(STACKS_REST + STACKS_GRAPHQL), help="comma-separated stacks (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "reports" / "stacks.json")
    parser.add_argument("--release", metavar="VERSION", help="also keep the run as bench/reports/VERSION.json (committed, per release)")
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="a kept run (bench/reports/VERSION.json): print its figures beside this run's")
    parser.add_argument("--smoke", action="store_true", help="1 round of 1 s with 10 connections, no test-suite timing")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects and logs (printed at the end)")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.seconds, args.connections = 1, 1, 10
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]
    if args.release and not re.fullmatch(r"\d+\.\d+\.\d+", args.release):
        parser.error(f"--release {args.release!r} is not a version; write it as in RELEASES, e.g. 0.6.0")
    baseline = None
    if args.baseline:
        try:
            baseline = json.loads(args.baseline.read_text())["stacks"]
        except (OSError, ValueError, KeyError) as error:
            parser.error(f"--baseline {args.baseline}: not a bench report ({error}); pass a file from bench/reports/")
    unknown = sorted(set(stacks) - set(STACKS_REST + STACKS_GRAPHQL))
    if unknown:
        parser.error(f"unknown stack(s) {', '.join(unknown)}; choose from {', '.join(STACKS_REST + STACKS_GRAPHQL)}")
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            parser.error(f"`{tool}` is not installed (apt-get install {'wrk' if tool == 'wrk' else 'util-linux'}); ./kit setup installs it")

    workdir = Path(tempfile.mkdtemp(prefix="bk-bench-"))
    (workdir / "bin").mkdir()
    env = make_node_env(workdir / "bin")
    servers: list[Server] = []
    sink = MailSink(keep=False).start()
    collector = services.OtlpReceiver(keep=False)
    results: dict = {"machine": {"cpus": os.cpu_count(), "node": None, "platform": platform.platform()},
                     "settings": {"rounds": args.rounds, "seconds": args.seconds, "connections": args.connections}, "stacks": {}}
    try:
        with services.postgres_server() as admin_url, services.redis_server() as redis_url:
            results["machine"]["node"] = run(["node", "--version"], workdir, env).stdout.strip()
            log(f"bench: building {', '.join(stacks)} and the bare apps in {workdir}")
            bare_dir = workdir / "bare"
            shutil.copytree(BARE, bare_dir)
            run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund"], bare_dir, env)
            projects = {stack: (build(stack, workdir, env), build(stack, workdir, env, cache=False)) for stack in stacks}

            first = projects[stacks[0]][0]
            seeded = seed(admin_url, {**env, "REDIS_URL": redis_url}, first)
            # The write target's access token is taken once, at the start: it must outlive every round
            # (the default 15 minutes did not, and the last rounds' writes were 401s).
            prod = {**env, "NODE_ENV": "production", "LOG_LEVEL": "info", "REDIS_URL": redis_url, "SMTP_URL": sink.url,
                    "JWT_SECRET": os.urandom(48).hex(), "ACCESS_TOKEN_TTL_SECONDS": "86400"}
            logs = workdir / "logs"
            logs.mkdir()

            def launch(name: str, cmd: list[str], cwd: Path, database: str | None = None, **more: str) -> Server:
                extra = {"DATABASE_URL": copy_of(admin_url, seeded, database)} if database else {}
                server = start(name, cmd, cwd, {**prod, **extra, **more}, logs / f"{name}.log")
                servers.append(server)
                return server

            wanted = [name for name in BARE_APPS if BARE_FOR.get(name, stacks[0]) in stacks]
            bare = {
                name: Target(f"{name} {{ hello }}", launch(name, BARE_APPS[name], bare_dir), "/graphql", "POST", HELLO)
                if name.startswith("bare-apollo") else Target(f"{name} /health", launch(name, BARE_APPS[name], bare_dir), "/health")
                for name in wanted
            }
            raw_server = launch("raw-pg", ["node", "raw-pg.js"], bare_dir, "bench_raw_pg")
            with psycopg.connect(f"{admin_url.rsplit('/', 1)[0]}/bench_raw_pg") as connection:
                raw_post = connection.execute("SELECT id FROM posts WHERE published ORDER BY created_at DESC LIMIT 1").fetchone()[0]
                raw_author = connection.execute("SELECT id FROM users ORDER BY created_at LIMIT 1").fetchone()[0]
            raw_token = hs256(prod["JWT_SECRET"], {"sub": str(raw_author), "sid": str(uuid.uuid4()), "typ": "access",
                                                   "exp": int(time.time()) + 86400})
            # Its writes go to a database of their own, as the stacks' do: reads stay on the seeded data.
            raw_writer = launch("raw-pg-write", ["node", "raw-pg.js"], bare_dir, "bench_raw_pg_write")
            raw = {
                "posts": Target("raw-pg posts", raw_server, "/posts"),
                "post": Target("raw-pg post by id", raw_server, f"/posts/{raw_post}"),
                "write": Target("raw-pg write (auth)", raw_writer, "/posts", "POST",
                                json.dumps({"title": "Bench", "content": "Written by wrk."}), f"Bearer {raw_token}"),
            }
            if any(stack in STACKS_GRAPHQL for stack in stacks):
                raw["nested"] = Target("raw-pg users>posts>comments>author (20 conns)", raw_server, "/graphql", "POST",
                                       json.dumps({"query": GRAPHQL["nested"]}), None, 20)
            targets = [*bare.values(), *raw.values()]
            references = len(targets)
            per_stack: dict[str, dict[str, Target]] = {}
            colds: dict[str, float] = {}
            for stack, (project, nocache) in projects.items():
                db = f"bench_{stack.replace('-', '_')}"
                compiled = {"NODE_COMPILE_CACHE": str(project / COMPILE_CACHE)}
                # The same project started once without the compiled code: the cold start.
                cold = launch(f"{stack}-cold", ["node", entry_point(stack)], project, f"{db}_cold", NODE_DISABLE_COMPILE_CACHE="1")
                cold.stop()
                servers.remove(cold)
                colds[stack] = cold.startup_s
                app = launch(stack, ["node", entry_point(stack)], project, db, **compiled)
                app_nocache = launch(f"{stack}-nocache", ["node", entry_point(stack)], nocache, f"{db}_nocache")
                # The same project with OpenTelemetry on, exporting to a collector that only counts.
                app_traced = launch(f"{stack}-traced", ["node", entry_point(stack)], project, f"{db}_traced",
                                    OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, **compiled)
                if stack in STACKS_GRAPHQL:
                    post_id = graphql(app, "{ posts(first: 1) { nodes { id } } }")["posts"]["nodes"][0]["id"]
                    auth = bench_user(app, f"{admin_url.rsplit('/', 1)[0]}/{db}", "graphql")

                    def op(name: str, server: Server, key: str, token: str | None = None, **variables) -> Target:
                        body = json.dumps({"query": GRAPHQL[key], "variables": variables})
                        return Target(f"{stack} {name}", server, "/graphql", "POST", body, token, 20 if key == "nested" else None)

                    per_stack[stack] = {
                        "health": Target(f"{stack} /health", app, "/health"),
                        "typename": Target(f"{stack} {{ __typename }}", app, "/graphql", "POST", TYPENAME),
                        "posts_warm": op("posts (cache warm)", app, "posts"),
                        "posts_db": op("posts (cache off)", app_nocache, "posts"),
                        "posts_traced": op("posts (cache warm, traced)", app_traced, "posts"),
                        "post": op("post by id", app, "post", id=post_id),
                        "write": op("write (auth)", app, "write", auth),
                        "nested": op("users>posts>comments>author (20 conns)", app_nocache, "nested",
                                     bench_user(app_nocache, f"{admin_url.rsplit('/', 1)[0]}/{db}_nocache", "graphql", "admin")),
                    }
                    targets.extend(per_stack[stack].values())
                    continue
                post_id = requests.get(f"{app.base_url}/api/posts?limit=1", timeout=10).json()["data"][0]["id"]
                auth = bench_user(app, f"{admin_url.rsplit('/', 1)[0]}/{db}")
                per_stack[stack] = {
                    "health": Target(f"{stack} /health", app, "/health"),
                    "posts_warm": Target(f"{stack} posts (cache warm)", app, "/api/posts?limit=20"),
                    "posts_db": Target(f"{stack} posts (cache off)", app_nocache, "/api/posts?limit=20"),
                    "posts_traced": Target(f"{stack} posts (cache warm, traced)", app_traced, "/api/posts?limit=20"),
                    "post": Target(f"{stack} post by id", app, f"/api/posts/{post_id}"),
                    "write": Target(f"{stack} write (auth)", app, "/api/posts", "POST",
                                    json.dumps({"title": "Bench", "content": "Written by wrk."}), auth),
                }
                targets.extend(per_stack[stack].values())

            log(f"bench: warming up {len(targets)} targets")
            for target in targets:
                wrk(target, min(2, args.seconds), args.connections)
            for round_ in range(1, args.rounds + 1):
                log(f"bench: round {round_}/{args.rounds}")
                order = targets if round_ % 2 else list(reversed(targets))
                for target in order:
                    target.runs.append(wrk(target, args.seconds, args.connections))

            failures = [f"{t.name}: {run['errors']} errors" for t in targets for run in t.runs if run["errors"] or not run["requests"]]
            if not args.smoke:
                for stack, (project, _) in projects.items():
                    url = services.create_database(admin_url, f"bench_tests_{stack.replace('-', '_')}")
                    started = time.perf_counter()
                    run(["npm", "test"], project, {**env, "DATABASE_URL": url, "REDIS_URL": redis_url})
                    results["stacks"].setdefault(stack, {})["test_suite_s"] = round(time.perf_counter() - started, 1)
            copies = {stack: time_copy(stack, workdir, 1 if args.smoke else 3) for stack in stacks}

            results["bare"] = {t.name: summary(t) for t in targets[:references]}
            for stack, named in per_stack.items():
                base = bare[BARE_OF[stack]]
                graphql_stack = stack in STACKS_GRAPHQL
                front = named["typename" if graphql_stack else "health"]
                warm, db = named["posts_warm"], named["posts_db"]
                entry = results["stacks"].setdefault(stack, {})
                entry.update({
                    "endpoints": {key: summary(t) for key, t in named.items()},
                    # What tracing every request costs (reported; sample with OTEL_TRACES_SAMPLER_ARG).
                    "posts_warm_traced_over_untraced": named["posts_traced"].median("rps") / warm.median("rps"),
                    "rss_mb": front.server.rss_mb(),
                    "rss_mb_nocache": db.server.rss_mb(),
                    "rss_mb_bare": base.server.rss_mb(),
                    # Start to first 200 as the image starts (compiled code in place), and without it.
                    "startup_s": front.server.startup_s,
                    "startup_cold_s": colds[stack],
                    "copier_copy_s": copies[stack],
                })
                if graphql_stack:
                    entry["health_over_bare_fastify"] = named["health"].median("rps") / bare["bare-fastify"].median("rps")
                goals = [
                    ("typename_over_bare_hello" if graphql_stack else "health_over_bare", front.median("rps") / base.median("rps"),
                     (">=", HEALTH_TARGET[stack])),
                    ("posts_warm_over_bare", warm.median("rps") / base.median("rps"), (">=", WARM_OVER_BARE)),
                    ("posts_db_over_raw_pg", db.median("rps") / raw["posts"].median("rps"), (">=", LIST_OVER_RAW)),
                    ("posts_db_rps", db.median("rps"), (">=", LIST_RPS)),
                    ("post_over_raw_pg", named["post"].median("rps") / raw["post"].median("rps"), (">=", POST_OVER_RAW)),
                    ("write_over_raw_pg", named["write"].median("rps") / raw["write"].median("rps"), (">=", WRITE_OVER_RAW)),
                ]
                if graphql_stack:
                    goals.append(("nested_over_raw_pg", named["nested"].median("rps") / raw["nested"].median("rps"),
                                  (">=", NESTED_OVER_RAW)))
                goals += [(f"{key}_p95_ms", named[key].median("p95_ms"), ("<", P95_MS))
                          for key in ("health", "posts_warm", "posts_db", "post")]
                goals += [
                    ("startup_s", entry["startup_s"], ("<", STARTUP_S)),
                    ("rss_over_bare", entry["rss_mb"] / entry["rss_mb_bare"], ("<=", RSS_OVER_BARE)),
                    ("copier_copy_s", entry["copier_copy_s"], ("<", COPY_S)),
                ]
                entry.update({key: value for key, value, _ in goals})
                entry["targets"] = {key: judge(value, goal) for key, value, goal in goals}
            print_table(results, targets, args, baseline)
            outputs = [args.json, *([ROOT / "bench" / "reports" / f"{args.release}.json"] if args.release else [])]
            if args.release:
                results["release"] = args.release
            for output in outputs:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(json.dumps(results, indent=2) + "\n")
                log(f"bench: results written to {output}")
            if failures:
                log("bench: requests failed:\n  " + "\n  ".join(failures))
                return 1
            return 0
    finally:
        for server in servers:
            server.stop()
        sink.stop()
        collector.stop()
        if args.keep:
            log(f"bench: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def hs256(secret: str, claims: dict) -> str:
    """An HS256 JSON Web Token (what the raw-pg reference's write checks; the stacks sign their own)."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing = f"{part(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{part(json.dumps(claims).encode())}"
    return f"{signing}.{part(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())}"


def judge(value: float, goal: tuple[str, float]) -> dict:
    """A measured value against its target, e.g. (">=", 0.6)."""
    op, limit = goal
    met = {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]
    return {"value": value, "target": f"{op} {limit:g}", "met": met}


def summary(target: Target) -> dict:
    return {key: round(target.median(key), 3) for key in ("rps", "p50_ms", "p95_ms", "p99_ms")} | {"rounds": len(target.runs)}


def print_table(results: dict, targets: list[Target], args, baseline: dict | None) -> None:
    print(f"\n{args.rounds} round(s) of {args.seconds:g} s, {args.connections} connections; server on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}; medians\n")
    print(f"{'target':46} {'req/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'RSS MB':>7}")
    for target in targets:
        print(f"{target.name:46} {target.median('rps'):10.0f} {target.median('p50_ms'):8.2f} {target.median('p95_ms'):8.2f} "
              f"{target.median('p99_ms'):8.2f} {target.server.rss_mb():7.0f}")
    for stack, entry in results["stacks"].items():
        if "targets" not in entry:
            continue
        kept = (baseline or {}).get(stack, {})
        print(f"\n{stack}: start to first 200 {entry['startup_s'] * 1000:.0f} ms (cold: {entry['startup_cold_s'] * 1000:.0f} ms), "
              f"copier copy {entry['copier_copy_s']:.2f} s"
              + (f", own test suite {entry['test_suite_s']:.0f} s" if "test_suite_s" in entry else "")
              + (f"; beside {args.baseline.name}" if baseline is not None else ""))
        for key, judged in entry["targets"].items():
            before = kept.get(key, kept.get("targets", {}).get(key, {}).get("value"))
            was = f"  was {before:8.2f}" if isinstance(before, (int, float)) else ("  was      n/a" if baseline is not None else "")
            print(f"  {key:30} {judged['value']:8.2f}  goal {judged['target']:7}  {'met   ' if judged['met'] else 'MISSED'}{was}")
        print(f"  {'posts_warm_traced_over_untraced':30} {entry['posts_warm_traced_over_untraced']:8.2f}  (tracing every request)")
        if "health_over_bare_fastify" in entry:
            print(f"  {'health_over_bare_fastify':30} {entry['health_over_bare_fastify']:8.2f}  (GET /health, served by Fastify)")

if __name__ == "__main__":
    sys.exit(main())
