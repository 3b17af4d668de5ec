"""The HTTP contract every REST stack answers: same paths, bodies, status codes and error shape."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_reached_through_pgbouncer

pytestmark = pytest.mark.slow

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    assert "stack" not in body["detail"].lower() and "    at " not in body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_health_endpoints(api):
    assert api.call("GET", "/health").json()["status"] == "ok"
    assert api.call("GET", "/health/ready").json() == {"status": "ready", "checks": {"database": "up", "cache": "up"}}
    assert "http_request_duration_seconds" in api.call("GET", "/metrics").text
    assert api.call("GET", "/docs/json").json()["openapi"].startswith("3.")


# Every operation of the contract, as the OpenAPI document of each stack must list it.
OPERATIONS = {
    ("get", "/health"), ("get", "/health/ready"), ("get", "/metrics"),
    ("post", "/api/auth/register"), ("post", "/api/auth/login"), ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"), ("get", "/api/auth/me"), ("post", "/api/auth/change-password"), ("get", "/api/users/{id}"),
    ("get", "/api/posts"), ("post", "/api/posts"), ("get", "/api/posts/{id}"), ("patch", "/api/posts/{id}"),
    ("delete", "/api/posts/{id}"), ("put", "/api/posts/{id}/like"), ("delete", "/api/posts/{id}/like"),
    ("get", "/api/posts/{id}/comments"), ("post", "/api/posts/{id}/comments"),
    ("post", "/api/auth/verify-email"), ("get", "/api/auth/verify-email"), ("post", "/api/auth/verify-email/resend"),
    ("post", "/api/auth/forgot-password"), ("get", "/api/auth/reset-password"), ("post", "/api/auth/reset-password"),
    ("get", "/api/admin/users"), ("patch", "/api/admin/users/{id}"),
}


def test_openapi_document_lists_every_operation_with_its_schemas(api):
    document = api.call("GET", "/docs/json").json()
    listed = {(method, path) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert listed == OPERATIONS
    create = document["paths"]["/api/posts"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"title", "content"} <= set(body["properties"]) and {"title", "content"} <= set(body["required"])
    assert create["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_whole_user_journey(api):
    account = api.register(name="Journey")
    email = account["user"]["email"]

    login = api.call("POST", "/api/auth/login", json={"email": email, "password": account["password"]})
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] == 900

    created = api.call("POST", "/api/posts", tokens["accessToken"], json={"title": "Contract", "content": "Body"})
    assert created.status_code == 201
    post = created.json()
    assert post["author"] == {"id": account["user"]["id"], "name": "Journey"}

    listed = api.call("GET", "/api/posts", params={"limit": 100}).json()
    assert post["id"] in [p["id"] for p in listed["data"]]

    like = api.call("PUT", f"/api/posts/{post['id']}/like", tokens["accessToken"])
    assert like.json() == {"liked": True, "likes": 1}
    assert api.call("PUT", f"/api/posts/{post['id']}/like", tokens["accessToken"]).json() == {"liked": True, "likes": 1}

    comment = api.call("POST", f"/api/posts/{post['id']}/comments", tokens["accessToken"], json={"content": "First!"})
    assert comment.status_code == 201 and comment.json()["postId"] == post["id"]

    fetched = api.call("GET", f"/api/posts/{post['id']}").json()
    assert fetched["counts"] == {"comments": 1, "likes": 1}

    refreshed = api.call("POST", "/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()
    assert new_tokens["refreshToken"] != tokens["refreshToken"]

    assert api.call("POST", "/api/auth/logout", new_tokens["accessToken"]).status_code == 204
    assert_problem(api.call("GET", "/api/auth/me", new_tokens["accessToken"]), 401, "session_revoked")
    assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": new_tokens["refreshToken"]}), 401)


def test_validation_errors_name_each_bad_field(api):
    body = assert_problem(api.call("POST", "/api/auth/register", json={"email": "x", "password": "1", "name": ""}), 400, "validation_failed")
    assert {"email", "password", "name"} <= {error["field"] for error in body["errors"]}


def test_malformed_and_oversized_bodies_get_a_4xx(api):
    token = api.register()["tokens"]["accessToken"]
    assert_problem(api.call("POST", "/api/posts", token, data="{nope", headers={"Content-Type": "application/json"}), 400, "malformed_json")
    assert_problem(api.call("POST", "/api/posts", token, json={"title": "t", "content": "x" * 300_000}), 413)
    assert_problem(api.call("POST", "/api/posts", token, data="title=x", headers={"Content-Type": "text/plain"}), 415)
    assert_problem(api.call("POST", "/api/posts", token, data="", headers={"Content-Type": "application/json"}), 400, "empty_body")
    # Valid JSON of the wrong shape is a validation error naming the body, not a parse error.
    assert_problem(api.call("POST", "/api/posts", token, data="[1, 2]", headers={"Content-Type": "application/json"}), 400, "validation_failed")


def test_malformed_and_unknown_ids(api):
    assert_problem(api.call("GET", "/api/posts/not-a-uuid"), 400, "validation_failed")
    assert_problem(api.call("GET", f"/api/posts/{UNKNOWN}"), 404, "post_not_found")
    assert_problem(api.call("GET", "/api/no-such-route"), 404)


def test_auth_failures(api):
    assert_problem(api.call("POST", "/api/posts", json={"title": "t", "content": "c"}), 401, "unauthorized")
    assert_problem(api.call("GET", "/api/auth/me", "not.a.jwt"), 401, "invalid_token")
    account = api.register()
    wrong = assert_problem(api.call("POST", "/api/auth/login", json={"email": account["user"]["email"], "password": "Wrong-pass9"}), 401)
    unknown = assert_problem(api.call("POST", "/api/auth/login", json={"email": "nobody@example.com", "password": "Wrong-pass9"}), 401)
    assert wrong["detail"] == unknown["detail"]
    assert_problem(api.call("POST", "/api/auth/register", json={"email": account["user"]["email"], "password": "Another-pass1", "name": "Dup"}), 409, "email_taken")


def test_only_the_author_may_change_a_post(api):
    alice, bob = api.register()["tokens"]["accessToken"], api.register()["tokens"]["accessToken"]
    post = api.call("POST", "/api/posts", alice, json={"title": "Mine", "content": "Hands off"}).json()
    assert_problem(api.call("PATCH", f"/api/posts/{post['id']}", bob, json={"title": "Ours"}), 403, "not_post_author")
    assert_problem(api.call("DELETE", f"/api/posts/{post['id']}", bob), 403)
    assert api.call("DELETE", f"/api/posts/{post['id']}", alice).status_code == 204


def test_replaying_a_rotated_refresh_token_revokes_the_session(api):
    tokens = api.register()["tokens"]
    rotated = api.call("POST", "/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}).json()
    assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}), 401, "refresh_token_reused")
    # The whole family dies: the owner's newer refresh token and both access tokens too.
    assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": rotated["refreshToken"]}), 401)
    assert_problem(api.call("GET", "/api/auth/me", rotated["accessToken"]), 401, "session_revoked")
    assert_problem(api.call("GET", "/api/auth/me", tokens["accessToken"]), 401, "session_revoked")


def test_sql_shaped_input_is_stored_and_returned_verbatim(api):
    token = api.register()["tokens"]["accessToken"]
    title = "'; DROP TABLE posts; --"
    post = api.call("POST", "/api/posts", token, json={"title": title, "content": "Robert'); --"}).json()
    assert api.call("GET", f"/api/posts/{post['id']}").json()["title"] == title


def test_cursor_pagination_walks_every_post_once(api):
    token = api.register()["tokens"]["accessToken"]
    for i in range(7):
        api.call("POST", "/api/posts", token, json={"title": f"page {i}", "content": "c"})
    seen, cursor = [], None
    while True:
        page = api.call("GET", "/api/posts", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [p["id"] for p in page["data"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 7
    garbage = assert_problem(api.call("GET", "/api/posts", params={"cursor": "garbage"}), 400, "validation_failed")
    assert [error["field"] for error in garbage["errors"]] == ["cursor"]


def test_every_operation_on_an_unknown_id_answers_404(api):
    account = api.register()
    api.sql("UPDATE users SET role = 'admin' WHERE id = %s", account["user"]["id"])
    token = account["tokens"]["accessToken"]
    calls = [
        ("GET", f"/api/posts/{UNKNOWN}", None), ("PATCH", f"/api/posts/{UNKNOWN}", {"title": "t"}), ("DELETE", f"/api/posts/{UNKNOWN}", None),
        ("PUT", f"/api/posts/{UNKNOWN}/like", None), ("DELETE", f"/api/posts/{UNKNOWN}/like", None),
        ("GET", f"/api/posts/{UNKNOWN}/comments", None), ("POST", f"/api/posts/{UNKNOWN}/comments", {"content": "c"}),
        ("GET", f"/api/users/{UNKNOWN}", None), ("PATCH", f"/api/admin/users/{UNKNOWN}", {"role": "admin"}),
    ]
    for method, path, body in calls:
        assert_problem(api.call(method, path, token, json=body), 404)


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PUT"])
def test_a_path_asked_with_a_method_it_does_not_answer_gets_405_and_allow(api, method):
    for path, allow in (("/metrics", "GET, HEAD"), ("/api/posts", "GET, HEAD, POST")):
        response = api.call(method, path)
        assert_problem(response, 405, "method_not_allowed")
        assert response.headers["allow"] == allow
    assert_problem(api.call(method, "/api/nowhere"), 404, "route_not_found")


def test_the_api_under_contract_reached_postgresql_through_pgbouncer(api):
    assert_reached_through_pgbouncer(api)
