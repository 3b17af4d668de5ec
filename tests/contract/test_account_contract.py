"""Email verification, password reset and roles, over HTTP, with the mail really crossing SMTP."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.contract.test_rest_contract import assert_problem

pytestmark = pytest.mark.slow

POST = {"title": "Verified", "content": "Written after following the link."}


def test_register_mails_a_link_and_following_it_allows_writing(api):
    account = api.register(verify=False)
    token = account["tokens"]["accessToken"]
    assert account["user"]["emailVerified"] is False
    assert api.call("GET", "/api/posts", token).status_code == 200
    refused = assert_problem(api.call("POST", "/api/posts", token, json=POST), 403, "email_not_verified")
    assert "/api/auth/verify-email/resend" in refused["detail"]

    mail = api.mail.wait_for(account["user"]["email"], "verify")
    assert mail.link in mail.html and mail.link in mail.text
    # Opening the link (a GET, which a mail scanner may prefetch) only checks it.
    for _ in range(2):
        opened = api.follow(mail.link)
        assert opened.status_code == 200 and opened.json()["valid"] is True
    assert api.call("GET", "/api/auth/me", token).json()["emailVerified"] is False
    verified = api.call("POST", "/api/auth/verify-email", json={"token": mail.token})
    assert verified.status_code == 200 and verified.json()["emailVerified"] is True
    assert api.call("POST", "/api/posts", token, json=POST).status_code == 201
    assert api.call("GET", "/api/auth/me", token).json()["emailVerified"] is True


def test_password_reset_by_mail_ends_the_old_password_and_every_old_session(api):
    account = api.register()
    email, old_password = account["user"]["email"], account["password"]
    other_session = api.call("POST", "/api/auth/login", json={"email": email, "password": old_password}).json()

    accepted = api.call("POST", "/api/auth/forgot-password", json={"email": email})
    assert accepted.status_code == 202
    mail = api.mail.wait_for(email, "reset")
    assert api.follow(mail.link).json()["valid"] is True  # the link itself only checks; it is still usable

    assert api.call("POST", "/api/auth/reset-password", json={"token": mail.token, "password": "Fresh-pass-42"}).status_code == 204
    assert_problem(api.call("POST", "/api/auth/login", json={"email": email, "password": old_password}), 401, "invalid_credentials")
    for session in (account["tokens"], other_session):
        assert_problem(api.call("GET", "/api/auth/me", session["accessToken"]), 401, "session_revoked")
        assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": session["refreshToken"]}), 401)
    login = api.call("POST", "/api/auth/login", json={"email": email, "password": "Fresh-pass-42"})
    assert login.status_code == 200
    assert api.call("POST", "/api/posts", login.json()["accessToken"], json=POST).status_code == 201


def test_replayed_expired_and_forged_tokens_are_refused_with_problem_json(api):
    account = api.register(verify=False)
    email = account["user"]["email"]
    verification = api.mail.wait_for(email, "verify")
    assert api.call("POST", "/api/auth/verify-email", json={"token": verification.token}).status_code == 200
    assert_problem(api.follow(verification.link), 400, "token_used")
    assert_problem(api.call("POST", "/api/auth/verify-email", json={"token": verification.token}), 400, "token_used")

    api.call("POST", "/api/auth/forgot-password", json={"email": email})
    reset = api.mail.wait_for(email, "reset")
    assert api.call("POST", "/api/auth/reset-password", json={"token": reset.token, "password": "Fresh-pass-42"}).status_code == 204
    assert_problem(api.call("POST", "/api/auth/reset-password", json={"token": reset.token, "password": "Other-pass-42"}), 400, "token_used")

    # A link older than its lifetime: move its expiry into the past, as the clock would.
    api.sql("UPDATE users SET email_verified_at = NULL WHERE email = %s", email)
    api.sql("DELETE FROM user_tokens")  # no cooldown in the way of a new mail
    assert api.call("POST", "/api/auth/verify-email/resend", json={"email": email}).status_code == 202
    fresh = api.mail.wait_for(email, "verify")
    api.sql("UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
    assert_problem(api.follow(fresh.link), 400, "token_expired")

    assert_problem(api.call("POST", "/api/auth/verify-email", json={"token": "A" * 43}), 400, "token_invalid")
    assert_problem(api.call("GET", "/api/auth/reset-password", params={"token": "A" * 43}), 400, "token_invalid")
    assert_problem(api.call("POST", "/api/auth/verify-email", json={}), 400, "validation_failed")


def test_forgot_password_answers_known_and_unknown_addresses_alike(api):
    known = api.register()["user"]["email"]

    def timed(email: str) -> tuple[float, dict]:
        started = time.perf_counter()
        response = api.call("POST", "/api/auth/forgot-password", json={"email": email})
        elapsed = time.perf_counter() - started
        assert response.status_code == 202
        return elapsed, response.json()

    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    bodies = set()
    for round_ in range(30):
        for kind, email in (("known", known), ("unknown", f"ghost-{round_}@example.com")):
            elapsed, body = timed(email)
            samples[kind].append(elapsed)
            bodies.add(tuple(sorted(body.items())))
    assert len(bodies) == 1, bodies
    known_ms, unknown_ms = (statistics.median(samples[k]) * 1000 for k in ("known", "unknown"))
    print(f"forgot-password median: known {known_ms:.2f} ms, unknown {unknown_ms:.2f} ms")
    assert abs(known_ms - unknown_ms) < 5, (known_ms, unknown_ms)
    api.mail.wait_for(known, "reset")  # one mail (the cooldown holds back the rest) ...
    assert not any(m for n in range(30) for m in api.mail.sent_to(f"ghost-{n}@example.com"))  # ... and none to strangers


def test_admin_routes_are_for_the_admin_role_only(api):
    user = api.register()
    admin = api.register()
    api.sql("UPDATE users SET role = 'admin' WHERE id = %s", admin["user"]["id"])
    user_token, admin_token = user["tokens"]["accessToken"], admin["tokens"]["accessToken"]

    assert_problem(api.call("GET", "/api/admin/users"), 401, "unauthorized")
    assert_problem(api.call("GET", "/api/admin/users", user_token), 403, "admin_only")
    listed = api.call("GET", "/api/admin/users", admin_token, params={"limit": 100})
    assert listed.status_code == 200
    assert {user["user"]["id"], admin["user"]["id"]} <= {u["id"] for u in listed.json()["data"]}

    changed = api.call("PATCH", f"/api/admin/users/{user['user']['id']}", admin_token, json={"role": "admin"})
    assert changed.status_code == 200 and changed.json()["role"] == "admin"
    assert api.call("GET", "/api/admin/users", user_token).status_code == 200
    assert_problem(api.call("PATCH", f"/api/admin/users/{admin['user']['id']}", admin_token, json={"role": "user"}), 403, "own_role")


def test_passwords_go_by_length_not_composition_and_never_a_common_one(api):
    common = api.call("POST", "/api/auth/register", json={"email": "common@example.com", "password": "Password1", "name": "C"})
    assert [error["field"] for error in assert_problem(common, 400, "validation_failed")["errors"]] == ["password"]
    assert api.register(password="correct horse battery staple")["user"]["id"]  # letters and spaces only: long enough


def test_changing_the_password_needs_the_current_one_and_ends_every_other_session(api):
    account = api.register()
    email, password, token = account["user"]["email"], account["password"], account["tokens"]["accessToken"]
    other = api.call("POST", "/api/auth/login", json={"email": email, "password": password}).json()
    wrong = api.call("POST", "/api/auth/change-password", token, json={"currentPassword": "Not-it-at-all-1", "newPassword": "a new passphrase"})
    assert [error["field"] for error in assert_problem(wrong, 400, "validation_failed")["errors"]] == ["currentPassword"]
    assert api.call("POST", "/api/auth/change-password", json={"currentPassword": password, "newPassword": "a new passphrase"}).status_code == 401
    changed = api.call("POST", "/api/auth/change-password", token, json={"currentPassword": password, "newPassword": "a new passphrase"})
    assert changed.status_code == 204, changed.text
    assert api.call("GET", "/api/auth/me", token).status_code == 200  # the session that asked goes on
    assert_problem(api.call("GET", "/api/auth/me", other["accessToken"]), 401, "session_revoked")
    assert_problem(api.call("POST", "/api/auth/refresh", json={"refreshToken": other["refreshToken"]}), 401)
    assert_problem(api.call("POST", "/api/auth/login", json={"email": email, "password": password}), 401, "invalid_credentials")
    assert api.call("POST", "/api/auth/login", json={"email": email, "password": "a new passphrase"}).status_code == 200
