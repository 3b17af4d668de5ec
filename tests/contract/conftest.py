"""The REST contract runs against every REST stack's generated project (full answers), over real HTTP."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import requests

from tests.conftest import STACKS_REST
from tests.mail import MailSink
from tests.projects import start_server


@pytest.fixture(scope="module", params=STACKS_REST)
def api(request, get_project):
    project = get_project(request.param, "full")
    sink = MailSink().start()
    # The generated defaults, except a rate limit the suite cannot hit: unverified users read but do not write.
    secret = os.urandom(48).hex()  # known to the suite, which forges tokens with it (test_attacks.py)
    server = start_server(project, AUTH_RATE_LIMIT_MAX="1000", SMTP_URL=sink.url, JWT_SECRET=secret)
    yield Client(server.base_url, sink, project.env["DATABASE_URL"], secret)
    assert server.stop() == 0
    sink.stop()


class Client:
    """A thin HTTP client that speaks the contract's paths, with the mailbox and database behind the server."""

    def __init__(self, base_url: str, mail: MailSink, database_url: str, jwt_secret: str):
        self.base_url = base_url
        self.jwt_secret = jwt_secret
        self.mail = mail
        self.database_url = database_url
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
            verified = self.follow(self.mail.wait_for(body["email"], "verify").link)
            assert verified.status_code == 200, verified.text
        return {**response.json(), "password": body["password"]}

    def sql(self, statement: str, *params) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            connection.execute(statement, params)
