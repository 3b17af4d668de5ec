"""Two instances of the API on different ports, sharing PostgreSQL and Redis, behave as one."""

from __future__ import annotations

import pytest
import requests

from tests.projects import start_server
from tests.reliability.conftest import register, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pair(full_stack):
    one = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="4")
    two = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="4")
    yield one.base_url, two.base_url
    assert one.stop() == 0 and two.stop() == 0


def test_a_session_ended_on_one_instance_is_refused_by_the_other(pair):
    one, two = pair
    tokens = register(one)["tokens"]
    auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert requests.get(f"{two}/api/auth/me", headers=auth, timeout=10).status_code == 200
    assert requests.post(f"{one}/api/auth/logout", headers=auth, timeout=10).status_code == 204
    refused = requests.get(f"{two}/api/auth/me", headers=auth, timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "session_revoked"
    again = requests.post(f"{two}/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}, timeout=10)
    assert again.status_code == 401


def test_a_write_on_one_instance_is_not_hidden_by_the_others_cache(pair):
    one, two = pair
    auth = {"Authorization": f"Bearer {register(one)['tokens']['accessToken']}"}
    first = requests.get(f"{two}/api/posts", timeout=10).json()  # instance two caches the first page
    assert requests.get(f"{two}/api/posts", timeout=10).json() == first
    created = requests.post(f"{one}/api/posts", headers=auth, json={"title": "Fresh", "content": "from one"}, timeout=10).json()
    assert requests.get(f"{two}/api/posts", timeout=10).json()["data"][0]["id"] == created["id"]

    edited = requests.patch(f"{two}/api/posts/{created['id']}", headers=auth, json={"title": "Edited on two"}, timeout=10)
    assert edited.status_code == 200
    assert requests.get(f"{one}/api/posts/{created['id']}", timeout=10).json()["title"] == "Edited on two"
    assert requests.get(f"{one}/api/posts", timeout=10).json()["data"][0]["title"] == "Edited on two"


def test_the_rate_limit_is_counted_across_instances(pair, full_stack):
    one, two = pair
    # Start from no hits at all: Express counts every credential route together, and the tests
    # above registered users. Redis restarts empty; both instances reconnect by themselves.
    full_stack.redis.stop()
    full_stack.redis.start()
    for base in pair:
        wait_until(lambda base=base: requests.get(f"{base}/health/ready", timeout=10).json()["status"] == "ready", timeout=30)
    wrong = {"email": "nobody@example.com", "password": "Wrong-pass9"}
    codes = [requests.post(f"{base}/api/auth/login", json=wrong, timeout=10).status_code for base in (one, two, one, two, one, two)]
    assert codes == [401, 401, 401, 401, 429, 429], codes
