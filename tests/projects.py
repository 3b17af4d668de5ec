"""Generated projects built once per test session: installed, migrated, built, and served."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests import mail, services
from tests.conftest import render, run

VARIANTS = {
    "full": {},
    "minimal": {"minimal": True},
    # Without the demo domain: health, users and accounts, and the resources a user adds.
    "no-demo": {"demo_domain": False},
    "minimal-no-demo": {"minimal": True, "demo_domain": False},
}


@dataclass
class Project:
    stack: str
    variant: str
    path: Path
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def npm(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return run(["npm", *args], self.path, self.env, timeout)

    def db(self, *args: str) -> subprocess.CompletedProcess:
        return run(["python3", "tools/db.py", *args], self.path, self.env)


def build_project(stack: str, variant: str, workspace: Path, node_env: dict, admin_url: str, redis_url: str) -> Project:
    path = render(workspace / f"{stack}-{variant}", stack=stack, project_name=f"{stack} {variant}", **VARIANTS[variant])
    return install_project(path, stack, variant, node_env, admin_url, redis_url)


def install_project(path: Path, stack: str, variant: str, node_env: dict, admin_url: str, redis_url: str, database: str | None = None) -> Project:
    """A generated folder with its own database, Redis when it uses one, and its npm dependencies installed."""
    env = dict(node_env)
    env["DATABASE_URL"] = services.create_database(admin_url, database or f"{stack}_{variant}".replace("-", "_"))
    if "REDIS_URL=" in (path / ".env.example").read_text():
        env["REDIS_URL"] = redis_url
    project = Project(stack, variant, path, env)
    project.npm("install", "--prefer-offline", "--no-audit", "--no-fund")
    return project


@dataclass
class Server:
    base_url: str
    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Read the server's output as it comes: a pipe nobody reads fills up (64 KiB), and a
        # server writing its logs to it then stops answering.
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self.reader.start()

    def stop(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def output(self) -> str:
        """Everything the server wrote, once it has exited."""
        self.reader.join(timeout=10)
        return "".join(self.lines)


def own_redis_database(project: Project, index: int = 9) -> dict[str, str]:
    """REDIS_URL on a logical database of its own, emptied first, for a server whose credential
    limits must count from zero: the project's own tests, run from the same address just before,
    leave their counts in the project's Redis for a minute. Empty for a project without Redis."""
    url = project.env.get("REDIS_URL")
    if not url:
        return {}
    url = f"{url.rstrip('/')}/{index}"
    subprocess.run(["redis-cli", "-u", url, "FLUSHDB"], check=True, capture_output=True, timeout=30)
    return {"REDIS_URL": url}


def entry_point(stack: str) -> str:
    """The built entry point: NestJS's is src/main.ts, as in every Nest project; the others' src/server.ts."""
    return "dist/main.js" if stack == "nestjs" else "dist/server.js"


def start_server(project: Project, **extra_env: str) -> Server:
    """Starts the built server (`node dist/server.js`) in production mode and waits for /health."""
    port = services.free_port()
    env = {**project.env, "NODE_ENV": "production", "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "warn", **extra_env}
    if "JWT_SECRET=" in (project.path / ".env.example").read_text():
        env.setdefault("JWT_SECRET", os.urandom(48).hex())
        env.setdefault("SMTP_URL", mail.shared_sink().url)
        env.setdefault("MAIL_LINK_BASE_URL", f"http://127.0.0.1:{port}/api/auth")  # links lead back to this server
    proc = subprocess.Popen(["node", entry_point(project.stack)], cwd=project.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}:\n{proc.stdout.read()}")
        try:
            if requests.get(f"{base_url}/health", timeout=1).status_code == 200:
                return Server(base_url, proc)
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not answer /health within 30 s")
