"""The contracts run over real HTTP against each stack's generated project (full answers), served as
docker-compose.yml serves it, through PgBouncer in transaction mode: the REST
contract against every REST stack, the GraphQL contract against the GraphQL stack."""

from __future__ import annotations

import contextlib
import os
import uuid
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import requests

from tests import services
from tests.conftest import STACKS_GRAPHQL, STACKS_REST, graphql_sdl
from tests.mail import MailSink
from tests.projects import start_server


@contextlib.contextmanager
def pooled(project):
    """The API's database settings as docker-compose.yml runs it: through PgBouncer in transaction
    mode, configured by the project's deploy/pgbouncer/pgbouncer.ini, so every contract holds
    through the pooler. (Against a DATABASE_URL of your own, whose logins PgBouncer cannot know,
    the API connects directly.)"""
    if os.environ.get("DATABASE_URL"):
        yield {}, None
        return
    bouncer = services.PgBouncer.in_front_of(project.path, project.env["DATABASE_URL"])
    try:
        yield bouncer.api_env(), bouncer
    finally:
        bouncer.stop()


def assert_reached_through_pgbouncer(client) -> None:
    """The API under contract logged in to PostgreSQL through the pooler (the suite's own SQL goes direct)."""
    if client.pooler is None:
        pytest.skip("DATABASE_URL names a server of your own: the API connects to it directly")
    assert "login attempt" in client.pooler.log(), client.pooler.log()[-2000:]


@pytest.fixture(scope="module", params=STACKS_REST)
def api(request, get_project):
    project = get_project(request.param, "full")
    sink = MailSink().start()
    # The generated defaults, except a rate limit the suite cannot hit: unverified users read but do not write.
    secret = os.urandom(48).hex()  # known to the suite, which forges tokens with it (test_attacks.py)
    with pooled(project) as (database, pooler):
        server = start_server(project, AUTH_RATE_LIMIT_MAX="1000", AUTH_ACCOUNT_RATE_LIMIT_MAX="1000", SMTP_URL=sink.url, JWT_SECRET=secret,
                              **database)
        client = Client(server.base_url, sink, project.env["DATABASE_URL"], secret, project.env["REDIS_URL"])
        client.server = server  # its log, for a failing test to show
        client.pooler = pooler
        yield client
        assert server.stop() == 0
    sink.stop()


class Contract:
    """The API under test, with the mailbox and database behind its server."""

    def __init__(self, base_url: str, mail: MailSink, database_url: str):
        self.base_url = base_url
        self.mail = mail
        self.database_url = database_url

    def sql(self, statement: str, *params) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            connection.execute(statement, params)


class Client(Contract):
    """A thin HTTP client that speaks the REST contract's paths."""

    def __init__(self, base_url: str, mail: MailSink, database_url: str, jwt_secret: str, redis_url: str):
        super().__init__(base_url, mail, database_url)
        self.jwt_secret = jwt_secret
        self.redis_url = redis_url
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)

    def follow(self, link: str) -> requests.Response:
        """Opens a mailed link, as a mail client would."""
        assert link.startswith(self.base_url), link
        return self.http.get(link, timeout=10)

    def register(self, verify: bool = True, **overrides) -> dict:
        """A new account; with `verify`, its verification mail is read and its link followed (so it may write)."""
        body = {"email": f"c-{uuid.uuid4().hex}@example.com", "password": "Contract-pass1", "name": "Contract", **overrides}
        response = self.call("POST", "/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        if verify:
            mail = self.mail.wait_for(body["email"], "verify")
            verified = self.call("POST", "/api/auth/verify-email", json={"token": mail.token})
            assert verified.status_code == 200, verified.text
        return {**response.json(), "password": body["password"]}


@pytest.fixture(scope="module", params=STACKS_GRAPHQL)
def gql_api(request, get_project):
    project = get_project(request.param, "full")
    sink = MailSink().start()
    with pooled(project) as (database, pooler):
        server = start_server(project, AUTH_RATE_LIMIT_MAX="1000", AUTH_ACCOUNT_RATE_LIMIT_MAX="1000", SMTP_URL=sink.url, **database)
        client = GraphQLClient(server.base_url, sink, project.env["DATABASE_URL"], graphql_sdl(project.path))
        client.pooler = pooler
        yield client
        assert server.stop() == 0
    sink.stop()


class GraphQLClient(Contract):
    """The GraphQL contract's client: `gql` (a real GraphQL client library) over HTTP, checking every
    operation against the generated schema before sending it."""

    def __init__(self, base_url: str, mail: MailSink, database_url: str, sdl: str):
        super().__init__(base_url, mail, database_url)
        self.url = f"{base_url}/graphql"
        self.sdl = sdl

    def execute(self, query: str, variables: dict | None = None, token: str | None = None, headers: dict | None = None) -> dict:
        """Runs one operation through gql; returns `{"data", "errors"}` (errors from the server, as sent)."""
        from gql import Client, gql
        from gql.transport.exceptions import TransportQueryError
        from gql.transport.requests import RequestsHTTPTransport

        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        transport = RequestsHTTPTransport(url=self.url, headers=headers, timeout=10, retries=0)
        client = Client(transport=transport, schema=self.sdl)
        try:
            with client as session:
                request = gql(query)
                request.variable_values = variables or {}
                return {"data": session.execute(request), "errors": None}
        except TransportQueryError as error:
            return {"data": error.data, "errors": error.errors}

    def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        result = self.execute(query, variables, token)
        assert not result["errors"], result["errors"]
        return result["data"]

    def refused(self, query: str, variables: dict | None = None, token: str | None = None, headers: dict | None = None) -> dict:
        """The extensions (and message) of the first error of an operation that must fail."""
        result = self.execute(query, variables, token, headers)
        assert result["errors"], f"expected an error, got {result['data']}"
        return {**result["errors"][0].get("extensions", {}), "message": result["errors"][0]["message"]}

    def register(self, verify: bool = True, **overrides) -> dict:
        """A new account; with `verify`, the token of its verification mail goes to verifyEmail (so it may write)."""
        body = {"email": f"g-{uuid.uuid4().hex}@example.com", "password": "Contract-pass1", "name": "Contract", **overrides}
        data = self.ok(
            "mutation ($input: RegisterInput!) { register(input: $input) { user { id name } tokens { accessToken refreshToken } } }",
            {"input": body},
        )["register"]
        if verify:
            link = self.mail.wait_for(body["email"], "verify").link
            token = parse_qs(urlsplit(link).query)["token"][0]
            self.ok("mutation ($token: String!) { verifyEmail(token: $token) { id } }", {"token": token})
        return {**data, **body}
