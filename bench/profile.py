"""A CPU profile of one path of a built project under load, and where its time goes.

Starts the project's compiled entry point with `node --cpu-prof`, pinned to CPU 0, loads one
path with wrk pinned to CPU 1, stops the server (the profile is written as it exits), and prints
the self time by package and by function. The `.cpuprofile` file opens as a flame graph in
Chrome DevTools (Performance, Load profile) or https://www.speedscope.app.

  cd my-api && npm run build
  DATABASE_URL=... REDIS_URL=... JWT_SECRET=... .venv/bin/python bench/profile.py my-api /api/posts?limit=20
  .venv/bin/python bench/profile.py my-api /graphql --method POST --body '{"query":"{ __typename }"}'
  .venv/bin/python bench/profile.py --summary my-api/profiles/CPU.123.cpuprofile   # an existing profile

The server runs with NODE_ENV=production and the environment given (the project's `.env` is
read by the project itself, as in production).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stacks import LOAD_CPU, REPORT_LUA, SERVER_CPU, wrk_env  # noqa: E402  (the benchmark's wrk script and CPUs)

ENTRY_POINTS = ("dist/main.js", "dist/server.js")


def where(url: str) -> str:
    """The package a frame belongs to: a node_modules package, the project, Node itself, or V8."""
    if not url:
        return "(V8 / native)"
    if "node_modules/" in url:
        rest = url.rsplit("node_modules/", 1)[1].split("/")
        return rest[0] if not rest[0].startswith("@") else "/".join(rest[:2])
    if url.startswith("node:"):
        return "node:" + url[5:].split("/")[0]
    return "project " + url.split("/dist/", 1)[1] if "/dist/" in url else url


def summarize(profile: dict, top: int) -> str:
    nodes = {node["id"]: node for node in profile["nodes"]}
    self_us: dict[int, float] = defaultdict(float)
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        self_us[node_id] += delta
    total = sum(self_us.values()) or 1.0
    by_package: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    for node_id, spent in self_us.items():
        frame = nodes[node_id]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        if name in ("(idle)", "(program)", "(garbage collector)"):
            by_package[name] += spent
            by_function[name] += spent
            continue
        package = where(frame["url"])
        by_package[package.split(" ", 1)[0] if package.startswith("project ") else package] += spent
        by_function[f"{name}  {package}:{frame['lineNumber'] + 1}"] += spent
    busy = total - by_package.get("(idle)", 0.0)
    lines = [f"{total / 1e6:.1f} s sampled, {busy / 1e6:.1f} s busy; shares of busy time", "", "by package:"]
    lines += [f"  {spent / busy:6.1%}  {name}" for name, spent in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
              if name != "(idle)"]
    lines += ["", "by function (self time):"]
    lines += [f"  {spent / busy:6.1%}  {name}" for name, spent in sorted(by_function.items(), key=lambda kv: -kv[1])[:top]
              if name != "(idle)"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a built project (npm run build), or with --summary a .cpuprofile file")
    parser.add_argument("path", nargs="?", default="/health", help="the path to load (default /health)")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", help="request body (sent as application/json)")
    parser.add_argument("--auth", help="Authorization header value, e.g. 'Bearer eyJ...'")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--port", type=int, default=18181)
    parser.add_argument("--top", type=int, default=25, help="rows per table (default 25)")
    parser.add_argument("--summary", action="store_true", help="only summarize an existing .cpuprofile")
    args = parser.parse_args()
    if args.summary:
        print(summarize(json.loads(args.project.read_text()), args.top))
        return 0
    entry = next((args.project / e for e in ENTRY_POINTS if (args.project / e).exists()), None)
    if entry is None:
        parser.error(f"{args.project} has no {' or '.join(ENTRY_POINTS)}; run `npm run build` in it first")
    for tool in ("wrk", "taskset", "node"):
        if not shutil.which(tool):
            parser.error(f"`{tool}` is not on PATH")
    out = args.project / "profiles"
    out.mkdir(exist_ok=True)
    before = set(out.glob("*.cpuprofile"))
    env = {**os.environ, "NODE_ENV": "production", "PORT": str(args.port), "HOST": "127.0.0.1",
           "LOG_LEVEL": os.environ.get("LOG_LEVEL", "info")}
    server = subprocess.Popen(["taskset", "-c", SERVER_CPU, "node", "--cpu-prof", "--cpu-prof-dir", str(out), str(entry.relative_to(args.project))],
                              cwd=args.project, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urlopen(f"{base}/health", timeout=1)
            break
        except (URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"the server did not answer {base}/health (exit {server.poll()}); is DATABASE_URL set?") from None
            time.sleep(0.1)
    result = subprocess.run(["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "-s", str(REPORT_LUA),
                             f"{base}{args.path}"], env=wrk_env(args.method, args.body, args.auth), capture_output=True, text=True, check=False)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if line:
        figures = json.loads(line.removeprefix("BENCH "))
        print(f"{args.method} {args.path}: {figures['rps']:.0f} req/s, p95 {figures['p95_ms']:.1f} ms, "
              f"{figures['errors']} errors (under the profiler, which slows the server)")
    written = sorted(set(out.glob("*.cpuprofile")) - before)
    if not written:
        raise SystemExit("node wrote no profile; the server must exit by itself on SIGTERM")
    print(f"profile: {written[-1]}\n")
    print(summarize(json.loads(written[-1].read_text()), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
