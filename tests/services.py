"""Throwaway PostgreSQL and Redis servers for the test suite.

`DATABASE_URL` / `REDIS_URL` in the environment win; otherwise each server is
started from the local binaries on a free loopback port and removed afterwards.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


# Ports handed out below the kernel's ephemeral range: the kernel never gives those to an outgoing
# connection or a `bind(0)`, so a port stays free between `free_port()` and the server's start, and
# while a fault test has its server stopped. The workers of one xdist run (children of one process)
# start in blocks of their own; a port something else holds is skipped.
_PORTS_FROM = 10_000
_BLOCK = 1_000
_blocks = max(1, (_ephemeral_range_start() - _PORTS_FROM) // _BLOCK)
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_run = os.getppid() if "PYTEST_XDIST_WORKER" in os.environ else os.getpid()
_next_port = _PORTS_FROM + ((_run + _worker) % _blocks) * _BLOCK


def free_port() -> int:
    """A loopback port nothing listens on, below the ephemeral range (see above)."""
    global _next_port
    for _ in range(_BLOCK * _blocks):
        port, _next_port = _next_port, _next_port + 1
        if _next_port >= _PORTS_FROM + _BLOCK * _blocks:
            _next_port = _PORTS_FROM
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout:.0f} s")


def locust_master_with_workers(locust: list[str], master_args: list[str], cwd: Path, env: dict | None = None,
                               workers: int = 2) -> subprocess.CompletedProcess:
    """A headless Locust master (`locust` + `master_args`) and `workers` workers given only its
    address, on loopback; waits for all of them and returns the master's exit code and output."""
    port = free_port()
    master = subprocess.Popen([*locust, *master_args, "--headless", "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
                               str(port), "--expect-workers", str(workers)], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = [subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        out, err = master.communicate(timeout=120)
        for worker in started:
            worker.wait(timeout=30)
    finally:
        for proc in (master, *started):
            if proc.poll() is None:
                proc.kill()
    return subprocess.CompletedProcess(master.args, master.returncode, out, err)


def _as_postgres_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port; it can be stopped and started again (fault tests)."""

    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} is not on PATH: install PostgreSQL server binaries or set DATABASE_URL")
        self.base = Path(tempfile.mkdtemp(prefix="bk-pg-"))
        self.data = self.base / "data"
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.base, postgres.pw_uid, postgres.pw_gid)
        subprocess.run([*_as_postgres_user(), "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True)
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements")
        subprocess.run([*_as_postgres_user(), "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w", "start"],
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*_as_postgres_user(), "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"], capture_output=True)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(own: bool = False) -> Iterator[str | PostgresServer]:
    """Yields an admin URL (a role that may create databases); with `own`, the server itself, never DATABASE_URL's."""
    if os.environ.get("DATABASE_URL") and not own:
        yield os.environ["DATABASE_URL"]
        return
    server = PostgresServer()
    try:
        server.start()
        yield server if own else server.admin_url
    finally:
        server.remove()


def create_database(admin_url: str, name: str) -> str:
    """Creates (or recreates) database `name` and returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


class RedisServer:
    """A throwaway Redis on a free loopback port; it can be stopped and started again (fault tests)."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise RuntimeError("redis-server is not on PATH: `apt-get install -y redis-server`, or set REDIS_URL")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def redis_server(own: bool = False) -> Iterator[str | RedisServer]:
    """Yields a Redis URL; with `own`, the server itself, never REDIS_URL's."""
    if os.environ.get("REDIS_URL") and not own:
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer()
    try:
        server.start()
        yield server if own else server.url
    finally:
        server.stop()


def _rewrite(text: str, pattern: str, replacement: str) -> str:
    """`text` with the one line matching `pattern` replaced: the test fails loudly when a
    generated configuration no longer has the line it adapts."""
    rewritten, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    if count != 1:
        raise AssertionError(f"no line matches {pattern!r} in the generated configuration")
    return rewritten


class _ConfiguredServer:
    """A server this module starts in a folder of its own, from a generated configuration."""

    base: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


class PgBouncer(_ConfiguredServer):
    """PgBouncer (the Debian package) configured by a project's deploy/pgbouncer/pgbouncer.ini,
    with only what names the compose network rewritten for this machine: its listen address, the
    server PostgreSQL is at, and the file of passwords. Clients authenticate as the file says
    (SCRAM); PgBouncer's own logins to the test cluster are trusted."""

    PASSWORD = "pooled-secret"

    def __init__(self, ini: str, database: str, postgres_port: int) -> None:
        if not shutil.which("pgbouncer"):
            raise RuntimeError("pgbouncer is not on PATH: apt-get install pgbouncer (./kit does it as root)")
        self.base = Path(tempfile.mkdtemp(prefix="bk-pgbouncer-"))
        self.port = free_port()
        self.database = database
        server = re.search(r"^\S+ = host=\S+ port=\d+ dbname=\S+(?P<rest>.*)$", ini, re.M)
        if not server:
            raise AssertionError("pgbouncer.ini has no database line of the form `NAME = host=... port=... dbname=...`")
        ini = _rewrite(ini, r"^\S+ = host=\S+ port=\d+ dbname=\S+.*$", f"{database} = host=127.0.0.1 port={postgres_port} dbname={database}{server['rest']}")
        for key, value in {"listen_addr": "127.0.0.1", "listen_port": str(self.port), "auth_file": str(self.base / "userlist.txt")}.items():
            ini = _rewrite(ini, rf"^{key} = .*$", f"{key} = {value}")
        ini += f"\nunix_socket_dir = {self.base}\npidfile = {self.base}/pgbouncer.pid\nlogfile = {self.base}/pgbouncer.log\n"
        (self.base / "pgbouncer.ini").write_text(ini)
        (self.base / "userlist.txt").write_text(f'"postgres" "{self.PASSWORD}"\n')
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            for path in (self.base, *self.base.iterdir()):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
        self.proc = subprocess.Popen([*_as_postgres_user(), "pgbouncer", str(self.base / "pgbouncer.ini")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    @classmethod
    def in_front_of(cls, project: Path, database_url: str) -> PgBouncer:
        """PgBouncer as the project's deploy/pgbouncer/pgbouncer.ini has it, in front of `database_url`'s database."""
        url = urlsplit(database_url)
        return cls((project / "deploy/pgbouncer/pgbouncer.ini").read_text(), url.path.lstrip("/"), url.port)

    def url(self, database: str) -> str:
        return f"postgresql://postgres:{self.PASSWORD}@127.0.0.1:{self.port}/{database}"

    def api_env(self) -> dict[str, str]:
        """The API's database settings behind it, as docker-compose.yml has them: no startup
        parameter, the pooler sets the statement timeout (connect_query)."""
        return {"DATABASE_URL": self.url(self.database), "DATABASE_STATEMENT_TIMEOUT_MS": "0"}

    def log(self) -> str:
        path = self.base / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        # runuser does not pass the signal on: PgBouncer is stopped by the pid it wrote.
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int((self.base / "pgbouncer.pid").read_text()), 15)
        super().stop()


class Nginx(_ConfiguredServer):
    """nginx (the Debian package) running a project's deploy/nginx.conf, with its upstream and
    listen lines pointed at servers on this machine."""

    def __init__(self, conf: str, upstreams: list[str]) -> None:
        if not shutil.which("nginx"):
            raise RuntimeError("nginx is not on PATH: apt-get install nginx (./kit does it as root)")
        self.base = Path(tempfile.mkdtemp(prefix="bk-nginx-"))
        self.port = free_port()
        servers = " ".join(f"server {address};" for address in upstreams)
        conf = _rewrite(conf, r"^(\s*)server api:\d+ resolve;$", rf"\g<1>{servers}")
        conf = _rewrite(conf, r"^(\s*)listen 8080;$", rf"\g<1>listen 127.0.0.1:{self.port};")
        conf = _rewrite(conf, r"^(\s*)access_log /dev/stdout;$", r"\g<1>access_log off;")
        (self.base / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            ["nginx", "-p", f"{self.base}/", "-c", str(self.base / "nginx.conf"), "-g",
             f"daemon off; user root; pid {self.base}/nginx.pid; error_log {self.base}/error.log warn;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port)
        self.url = f"http://127.0.0.1:{self.port}"


class Prometheus(_ConfiguredServer):
    """Prometheus (the Debian package) running a project's deploy/prometheus/ configuration, with
    the replicas it finds through Docker's DNS replaced by `targets` and every interval at 1 s."""

    def __init__(self, config: str, rules: str, targets: list[str]) -> None:
        import yaml

        if not shutil.which("prometheus"):
            raise RuntimeError("prometheus is not on PATH: apt-get install prometheus (./kit does it as root)")
        self.base = Path(tempfile.mkdtemp(prefix="bk-prometheus-"))
        self.port = free_port()
        settings = yaml.safe_load(config)
        settings["global"].update(scrape_interval="1s", evaluation_interval="1s")
        (job,) = settings["scrape_configs"]
        del job["dns_sd_configs"]
        job["static_configs"] = [{"targets": targets}]
        (self.base / "prometheus.yml").write_text(yaml.safe_dump(settings))
        (self.base / "alerts.yml").write_text(rules)
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.base}/prometheus.yml", f"--storage.tsdb.path={self.base}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        self.url = f"http://127.0.0.1:{self.port}"

    def query(self, expr: str) -> list[dict]:
        import requests

        answer = requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10).json()
        assert answer["status"] == "success", answer
        return answer["data"]["result"]


class OtlpReceiver:
    """A collector's OTLP/HTTP traces endpoint (JSON, as @opentelemetry/exporter-trace-otlp-http
    sends it): every span it receives, flattened to {trace, id, parent, name, scope, attributes},
    or only their number (`keep=False`, for a benchmark's millions)."""

    def __init__(self, keep: bool = True) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.spans: list[dict] = []
        self.count = 0
        lock = threading.Lock()  # the handler runs in a thread a request
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                if self.headers["content-length"]:
                    return self.rfile.read(int(self.headers["content-length"]))
                body = b""
                while size := int(self.rfile.readline().strip(), 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return body

            def do_POST(self) -> None:
                payload = json.loads(self._body())
                receiver.paths.append(self.path)
                for resource in payload["resourceSpans"]:
                    for scope in resource["scopeSpans"]:
                        with lock:
                            receiver.count += len(scope["spans"])
                        for span in scope["spans"] if keep else ():
                            receiver.spans.append({
                                "trace": span["traceId"],
                                "id": span["spanId"],
                                "parent": span.get("parentSpanId") or None,
                                "name": span["name"],
                                "scope": scope["scope"]["name"],
                                "attributes": {a["key"]: next(iter(a["value"].values()), None) for a in span.get("attributes", [])},
                            })
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
