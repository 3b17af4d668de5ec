"""Two instances of the API on different ports, sharing PostgreSQL and Redis, behave as one."""

from __future__ import annotations

import pytest

from tests.projects import start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pair(full_stack):
    one = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="4")
    two = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="4")
    yield full_stack.client(one.base_url), full_stack.client(two.base_url)
    assert one.stop() == 0 and two.stop() == 0


def test_a_session_ended_on_one_instance_is_refused_by_the_other(pair):
    one, two = pair
    tokens = one.register()
    assert two.me(tokens["accessToken"]).status == 200
    assert one.logout(tokens["accessToken"]).status in (200, 204)
    refused = two.me(tokens["accessToken"])
    assert (refused.status, refused.code) == (401, "session_revoked"), refused
    assert two.refresh(tokens["refreshToken"]).status == 401


def test_a_write_on_one_instance_is_not_hidden_by_the_others_cache(pair):
    one, two = pair
    token = one.register()["accessToken"]
    first = two.first_page()  # instance two caches the first page
    assert two.first_page() == first
    created = one.create_post(token, "Fresh").data
    assert two.first_page()[0] == (created["id"], "Fresh")

    edited = two.edit_post(token, created["id"], "Edited on two")
    assert edited.status == 200, edited
    assert one.post_title(created["id"]) == "Edited on two"
    assert one.first_page()[0] == (created["id"], "Edited on two")


def test_the_rate_limit_is_counted_across_instances(pair, full_stack):
    one, two = pair
    # Start from no hits at all: Express counts every credential route together, and the tests
    # above registered users. Redis restarts empty; both instances reconnect by themselves.
    full_stack.empty_redis(one.base_url, two.base_url)
    codes = [api.login("nobody@example.com", "Wrong-pass9").status for api in (one, two, one, two, one, two)]
    assert codes == [401, 401, 401, 401, 429, 429], codes
