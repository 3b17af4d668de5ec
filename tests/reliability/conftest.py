"""Fault and scale-out tests: each REST stack's full project against PostgreSQL and Redis of its own,
which the tests stop and start again (never the servers the other suites share)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

from tests import services
from tests.conftest import STACKS_REST, run
from tests.mail import MailSink


@dataclass
class Stack:
    """A built project with a database and a Redis that belong to this module alone."""

    project: object
    postgres: services.PostgresServer
    redis: services.RedisServer
    database_url: str
    sink: MailSink
    env: dict[str, str]


@pytest.fixture(scope="module", params=STACKS_REST)
def full_stack(request, get_project):
    project = get_project(request.param, "full")
    with services.postgres_server(own=True) as postgres, services.redis_server(own=True) as redis:
        database_url = services.create_database(postgres.admin_url, "faults")
        run(["python3", "tools/db.py", "migrate"], project.path, {**project.env, "DATABASE_URL": database_url})
        sink = MailSink().start()
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "SMTP_URL": sink.url,
            "JWT_SECRET": os.urandom(48).hex(),  # one secret for every instance, as behind a load balancer
            "UNVERIFIED_USER_ACCESS": "full",  # these tests are about faults, not mail
        }
        yield Stack(project, postgres, redis, database_url, sink, env)
        sink.stop()


def register(base_url: str) -> dict:
    body = {"email": f"f-{uuid.uuid4().hex}@example.com", "password": "Faults-pass1", "name": "Faults"}
    response = requests.post(f"{base_url}/api/auth/register", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return {**response.json(), "password": body["password"]}


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout} s")


class Load:
    """Clients sending requests without pause until stopped; each outcome is kept with its start time."""

    def __init__(self, base_url: str, paths: list[str], clients: int = 12):
        self.base_url, self.paths, self.clients = base_url, paths, clients
        self.outcomes: list[tuple[float, float, object]] = []  # (started, ended, status code or exception name)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]

    def client(self, index: int) -> None:
        session = requests.Session()
        i = index
        while not self.stopping.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            started = time.monotonic()
            try:
                outcome: object = session.get(f"{self.base_url}{path}", timeout=10).status_code
            except requests.RequestException as error:
                outcome = type(error).__name__
            with self.lock:
                self.outcomes.append((started, time.monotonic(), outcome))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=15)
