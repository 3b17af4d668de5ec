"""Attacks on authentication and authorization, from outside, against every REST stack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import subprocess
import time

import pytest

from tests.contract.test_rest_contract import assert_problem

pytestmark = pytest.mark.slow


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forge(claims: dict, secret: str | None, alg: str = "HS256") -> str:
    """A JWT with these claims, signed with `secret` (HMAC of `alg`), or unsigned when `secret` is None."""
    signing_input = f"{b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    if secret is None:
        return f"{signing_input}."
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    return f"{signing_input}.{b64(hmac.new(secret.encode(), signing_input.encode(), digest).digest())}"


@pytest.fixture
def session(api):
    account = api.register()
    return account["tokens"], claims_of(account["tokens"]["accessToken"])


def test_a_token_re_signed_with_the_servers_secret_is_accepted(api, session):
    # The control: the forging below is right, so each refusal is the server's doing.
    _, claims = session
    assert api.call("GET", "/api/auth/me", forge(claims, api.jwt_secret)).status_code == 200


@pytest.mark.parametrize(
    ("attack", "change", "key", "alg", "code"),
    [
        ("alg none", {}, None, "HS256", "invalid_token"),
        ("wrong signature", {}, "not-the-servers-secret-0123456789abcdef", "HS256", "invalid_token"),
        ("another algorithm", {}, "SECRET", "HS512", "invalid_token"),
        ("expired", {"exp": -60, "iat": -960}, "SECRET", "HS256", "token_expired"),
        ("not yet valid", {"nbf": 3600}, "SECRET", "HS256", "invalid_token"),
        ("another audience", {"aud": "someone-else"}, "SECRET", "HS256", "invalid_token"),
        ("another issuer", {"iss": "someone-else"}, "SECRET", "HS256", "invalid_token"),
        ("a refresh-typed claim set", {"typ": "refresh"}, "SECRET", "HS256", "invalid_token"),
    ],
)
def test_forged_access_tokens_are_refused(api, session, attack, change, key, alg, code):
    _, claims = session
    now = int(time.time())
    forged = {**claims, **{name: now + value if name in ("exp", "iat", "nbf") else value for name, value in change.items()}}
    secret = api.jwt_secret if key == "SECRET" else key
    token = forge(forged, secret, alg) if key is not None else forge(forged, None)
    assert_problem(api.call("GET", "/api/auth/me", token), 401, code)


def test_a_logged_out_access_token_is_refused_at_once(api, session):
    tokens, _ = session
    assert api.call("POST", "/api/auth/logout", tokens["accessToken"]).status_code == 204
    assert_problem(api.call("POST", "/api/posts", tokens["accessToken"], json={"title": "t", "content": "c"}), 401, "session_revoked")


def test_login_does_not_tell_known_from_unknown_addresses(api):
    account = api.register()
    known, unknown = account["user"]["email"], "nobody-here@example.com"
    times: dict[str, list[float]] = {known: [], unknown: []}
    answers: dict[str, set[str]] = {known: set(), unknown: set()}
    for _ in range(15):
        for email in (known, unknown):
            started = time.perf_counter()
            response = api.call("POST", "/api/auth/login", json={"email": email, "password": "Wrong-pass9"})
            times[email].append(time.perf_counter() - started)
            answers[email].add(json.dumps({k: v for k, v in response.json().items() if k not in ("requestId",)}, sort_keys=True) + str(response.status_code))
    assert answers[known] == answers[unknown] and len(answers[known]) == 1
    # Both paths verify one argon2id hash (a dummy one for unknown addresses): medians within 30%.
    known_ms, unknown_ms = (statistics.median(times[email]) * 1000 for email in (known, unknown))
    print(f"\nlogin with a wrong password: known {known_ms:.1f} ms, unknown {unknown_ms:.1f} ms")
    assert abs(known_ms - unknown_ms) < 0.3 * max(known_ms, unknown_ms)


def test_a_user_cannot_edit_delete_or_write_as_another_user(api):
    alice, bob = api.register()["tokens"]["accessToken"], api.register()["tokens"]["accessToken"]
    post = api.call("POST", "/api/posts", alice, json={"title": "Mine", "content": "c"}).json()
    assert_problem(api.call("PATCH", f"/api/posts/{post['id']}", bob, json={"published": False}), 403, "not_post_author")
    assert_problem(api.call("DELETE", f"/api/posts/{post['id']}", bob), 403, "not_post_author")
    # Fields that name an owner are not taken from the body.
    sneaky = api.call("POST", "/api/posts", bob, json={"title": "t", "content": "c", "authorId": claims_of(alice)["sub"]})
    assert sneaky.status_code in (201, 400)
    if sneaky.status_code == 201:
        assert sneaky.json()["author"]["id"] == claims_of(bob)["sub"]
    assert api.call("GET", f"/api/posts/{post['id']}").json()["title"] == "Mine"


def test_text_the_database_cannot_store_is_refused_with_a_400_not_a_500(api):
    token = api.register()["tokens"]["accessToken"]
    body = assert_problem(api.call("POST", "/api/posts", token, json={"title": "nul \u0000 byte", "content": "c"}), 400, "validation_failed")
    assert [error["field"] for error in body["errors"]] == ["title"]


def cursor_of(created_at: str, row_id: str = "5f0e2a4c-8b1d-4c3e-9a7f-2d6b8e1c0a93") -> str:
    return b64(f"{created_at}|{row_id}".encode())


@pytest.mark.parametrize("created_at", ["-200000-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "2026-02-30T00:00:00.000Z"])
def test_a_cursor_with_a_time_postgresql_cannot_hold_is_a_400_not_a_500(api, created_at):
    cursor = cursor_of(created_at)
    post = api.call("POST", "/api/posts", api.register()["tokens"]["accessToken"], json={"title": "t", "content": "c"}).json()
    for path in ("/api/posts", f"/api/posts/{post['id']}/comments"):
        assert_problem(api.call("GET", path, params={"cursor": cursor}), 400)
    # The control: the same shape with a time this API could have issued is read as a position.
    assert api.call("GET", "/api/posts", params={"cursor": cursor_of("2026-01-01T00:00:00.000Z")}).status_code == 200


def test_a_session_past_its_lifetime_does_not_refresh(api):
    tokens = api.register()["tokens"]
    # Logged in 7 days ago: the refresh token itself was rotated recently, the session has ended.
    api.sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = %s", claims_of(tokens["accessToken"])["sid"])
    assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}), 401, "session_expired")


def test_cursors_a_client_makes_up_add_no_cache_entries(api):
    token = api.register()["tokens"]["accessToken"]
    for i in range(3):
        api.call("POST", "/api/posts", token, json={"title": f"cached {i}", "content": "c"})

    def cached_pages() -> int:
        return int(subprocess.run(["redis-cli", "-u", api.redis_url, "HLEN", "cache:posts"], capture_output=True, text=True, check=True).stdout)

    assert api.call("GET", "/api/posts", params={"limit": 1}).status_code == 200
    before = cached_pages()
    assert before >= 1  # the first page is cached
    for day in range(1, 29):
        assert api.call("GET", "/api/posts", params={"limit": 1, "cursor": cursor_of(f"2026-02-{day:02d}T00:00:00.000Z")}).status_code == 200
    assert cached_pages() == before
