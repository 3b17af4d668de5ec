"""The REST contract runs against every REST stack's generated project (full answers), over real HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.conftest import STACKS_REST
from tests.projects import start_server


@pytest.fixture(scope="module", params=STACKS_REST)
def api(request, get_project):
    project = get_project(request.param, "full")
    server = start_server(project, AUTH_RATE_LIMIT_MAX="1000")
    yield Client(server.base_url)
    assert server.stop() == 0


class Client:
    """A thin HTTP client that speaks the contract's paths."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)

    def register(self, **overrides) -> dict:
        body = {"email": f"c-{uuid.uuid4().hex}@example.com", "password": "Contract-pass1", "name": "Contract", **overrides}
        response = self.call("POST", "/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        return {**response.json(), "password": body["password"]}
