"""Fault and scale-out tests: each stack's full project against PostgreSQL and Redis of its own,
which the tests stop and start again (never the servers the other suites share). The tests speak
through `Client`, so the same scenarios run over REST and over GraphQL."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests

from tests import services
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, run
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

    def empty_redis(self, *base_urls: str) -> None:
        """Restarts Redis empty (no credential counters left by earlier tests), then waits until
        the servers at `base_urls` count in it again."""
        self.redis.stop()
        self.redis.start()
        for base_url in base_urls:
            wait_until(lambda base_url=base_url: requests.get(f"{base_url}/health/ready", timeout=5).json()["status"] == "ready", timeout=30)

    def client(self, base_url: str) -> Client:
        return (GraphQLClient if self.project.stack in STACKS_GRAPHQL else RestClient)(base_url)


@pytest.fixture(scope="module", params=STACKS_REST + STACKS_GRAPHQL)
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


@dataclass
class Outcome:
    """One answer. `status` is the HTTP status over REST; over GraphQL, the status its first
    error's `extensions.code` stands for (200 without errors). `code` is REST's problem code or
    GraphQL's `extensions.reason`."""

    status: int
    code: str | None = None
    data: dict = field(default_factory=dict)


# The GraphQL stack's error codes and the HTTP statuses they stand for (its src/graphql/errors.ts).
STATUS_OF_CODE = {"BAD_USER_INPUT": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "CONFLICT": 409,
                  "RATE_LIMITED": 429, "INTERNAL_SERVER_ERROR": 500, "SERVICE_UNAVAILABLE": 503}


class Client:
    """The calls the reliability tests make, as a user of the API would: `register`, `me`,
    `create_post`, `edit_post`, `post_title`, `first_page`, `login`, `logout`, `refresh`, and
    `reads` (the read requests of a load). RestClient and GraphQLClient speak them."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def ready(self) -> requests.Response:
        return requests.get(f"{self.base_url}/health/ready", timeout=10)

    def live(self) -> requests.Response:
        return requests.get(f"{self.base_url}/health", timeout=10)


def new_account() -> dict:
    return {"email": f"f-{uuid.uuid4().hex}@example.com", "password": "Faults-pass1", "name": "Faults"}


class RestClient(Client):
    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None, timeout: float = 10) -> Outcome:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{self.base_url}/api{path}", headers=headers, json=body, timeout=timeout)
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            return Outcome(response.status_code, data.get("code"), data)
        return Outcome(response.status_code, None, data)

    def register(self) -> dict:
        answer = self.call("POST", "/auth/register", body=new_account())
        assert answer.status == 201, answer
        return answer.data["tokens"]

    def me(self, token):
        return self.call("GET", "/auth/me", token)

    def create_post(self, token, title, timeout=10):
        return self.call("POST", "/posts", token, {"title": title, "content": "c"}, timeout)

    def edit_post(self, token, post_id, title):
        return self.call("PATCH", f"/posts/{post_id}", token, {"title": title})

    def post_title(self, post_id):
        return self.call("GET", f"/posts/{post_id}").data["title"]

    def first_page(self, timeout=10):
        return [(post["id"], post["title"]) for post in self.call("GET", "/posts", timeout=timeout).data["data"]]

    def login(self, email, password):
        return self.call("POST", "/auth/login", body={"email": email, "password": password})

    def logout(self, token):
        return self.call("POST", "/auth/logout", token)

    def refresh(self, refresh_token):
        return self.call("POST", "/auth/refresh", body={"refreshToken": refresh_token})

    def reads(self, post_id):
        paths = ["/api/posts?limit=20", f"/api/posts/{post_id}", f"/api/posts/{post_id}/comments", "/health"]
        return [lambda session, path=path: session.get(f"{self.base_url}{path}", timeout=10).status_code for path in paths]


class GraphQLClient(Client):
    def call(self, query: str, variables: dict | None = None, token: str | None = None, timeout: float = 10,
             session: requests.Session | None = None) -> Outcome:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = (session or requests).post(f"{self.base_url}/graphql", json={"query": query, "variables": variables or {}},
                                              headers=headers, timeout=timeout)
        body = response.json()
        if errors := body.get("errors"):
            extensions = errors[0].get("extensions", {})
            return Outcome(STATUS_OF_CODE.get(extensions.get("code"), response.status_code), extensions.get("reason"), body)
        return Outcome(response.status_code, None, body["data"])

    def register(self):
        answer = self.call("mutation ($input: RegisterInput!) { register(input: $input) { tokens { accessToken refreshToken } } }",
                           {"input": new_account()})
        assert answer.status == 200, answer
        return answer.data["register"]["tokens"]

    def me(self, token):
        return self.call("{ me { id } }", token=token)

    def create_post(self, token, title, timeout=10):
        answer = self.call("mutation ($title: String!) { createPost(input: {title: $title, content: \"c\"}) { id title } }",
                           {"title": title}, token, timeout)
        return Outcome(answer.status, answer.code, answer.data.get("createPost", answer.data))

    def edit_post(self, token, post_id, title):
        return self.call("mutation ($id: ID!, $title: String) { updatePost(id: $id, input: {title: $title}) { id title } }",
                         {"id": post_id, "title": title}, token)

    def post_title(self, post_id):
        return self.call("query ($id: ID!) { post(id: $id) { title } }", {"id": post_id}).data["post"]["title"]

    def first_page(self, timeout=10):
        return [(post["id"], post["title"]) for post in self.call("{ posts { nodes { id title } } }", timeout=timeout).data["posts"]["nodes"]]

    def login(self, email, password):
        return self.call("mutation ($input: LoginInput!) { login(input: $input) { accessToken } }",
                         {"input": {"email": email, "password": password}})

    def logout(self, token):
        return self.call("mutation { logout }", token=token)

    def refresh(self, refresh_token):
        return self.call("mutation ($token: String!) { refresh(refreshToken: $token) { accessToken } }", {"token": refresh_token})

    def reads(self, post_id):
        queries = [("{ posts(first: 20) { nodes { id title author { name } } } }", {}),
                   ("query ($id: ID!) { post(id: $id) { title commentCount } }", {"id": post_id}),
                   ("query ($id: ID!) { post(id: $id) { comments { nodes { content author { name } } } } }", {"id": post_id})]
        calls = [lambda session, q=q, v=v: self.call(q, v, session=session).status for q, v in queries]
        return calls + [lambda session: session.get(f"{self.base_url}/health", timeout=10).status_code]


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

    def __init__(self, calls: list[Callable[[requests.Session], int]], clients: int = 12):
        self.calls, self.clients = calls, clients
        self.outcomes: list[tuple[float, float, object]] = []  # (started, ended, status or exception name)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]

    def client(self, index: int) -> None:
        session = requests.Session()
        i = index
        while not self.stopping.is_set():
            call = self.calls[i % len(self.calls)]
            i += 1
            started = time.monotonic()
            try:
                outcome: object = call(session)
            except (requests.RequestException, ValueError) as error:
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
