"""Accounts under attack, from outside: limits per account whatever the address, IPv6 clients by
/64, the warning when production runs behind a proxy without TRUST_PROXY, and the security events
a team watches for, logged as structured lines."""

from __future__ import annotations

import json

import pytest
import requests

from tests.contract.test_attacks import claims_of
from tests.projects import start_server

pytestmark = pytest.mark.slow


def login(stack, base_url: str, email: str, client: str) -> tuple[int, str | None, int | None]:
    """One login with a wrong password from `client` (X-Forwarded-For): the status (GraphQL: its code's),
    the code, and the seconds a refusal says to wait (REST: `Retry-After`; GraphQL: `retryAfterSeconds`)."""
    headers = {"X-Forwarded-For": client}
    password = "Wrong-pass-99"
    if stack.project.stack == "apollo-graphql":
        body = {"query": "mutation ($input: LoginInput!) { login(input: $input) { accessToken } }",
                "variables": {"input": {"email": email, "password": password}}}
        error = requests.post(f"{base_url}/graphql", json=body, headers=headers, timeout=10).json()["errors"][0]["extensions"]
        return {"UNAUTHENTICATED": 401, "RATE_LIMITED": 429}[error["code"]], error.get("reason"), error.get("retryAfterSeconds")
    response = requests.post(f"{base_url}/api/auth/login", json={"email": email, "password": password}, headers=headers, timeout=10)
    retry = response.headers.get("retry-after")
    return response.status_code, response.json()["code"], int(retry) if retry else None


def test_one_account_is_limited_whatever_address_the_guesses_come_from(full_stack):
    server = start_server(full_stack.project, **full_stack.env, TRUST_PROXY="1", AUTH_RATE_LIMIT_MAX="1000",
                          AUTH_ACCOUNT_RATE_LIMIT_MAX="5", AUTH_ACCOUNT_RATE_LIMIT_WINDOW_SECONDS="3")
    try:
        # Ten guesses at one account from ten addresses: each address is far under its own limit.
        answers = [login(full_stack, server.base_url, "target@example.com", f"198.51.100.{i}") for i in range(1, 11)]
        assert [status for status, _, _ in answers] == [401] * 5 + [429] * 5, answers
        assert {code for _, code, _ in answers[5:]} == {"rate_limited"}
        # Each guess past the limit doubles the wait: the 4th and 5th over it wait 8 s and 16 s (past the 3 s window).
        assert [retry for _, _, retry in answers[8:]] == [8, 16], answers
        # Another account is not affected.
        assert login(full_stack, server.base_url, "bystander@example.com", "198.51.100.9")[0] == 401
    finally:
        assert server.stop() == 0


def test_ipv6_clients_are_counted_by_their_64_prefix(full_stack):
    server = start_server(full_stack.project, **full_stack.env, TRUST_PROXY="1", AUTH_RATE_LIMIT_MAX="2",
                          AUTH_ACCOUNT_RATE_LIMIT_MAX="1000")
    try:
        one_host = ["2001:db8:7:9::1", "2001:db8:7:9::2", "2001:db8:7:9:ffff:1:2:3"]
        statuses = [login(full_stack, server.base_url, f"v6-{i}@example.com", address)[0] for i, address in enumerate(one_host)]
        assert statuses == [401, 401, 429], statuses
        assert login(full_stack, server.base_url, "v6-next@example.com", "2001:db8:7:a::1")[0] == 401  # the next /64
    finally:
        assert server.stop() == 0


def test_production_behind_a_proxy_without_trust_proxy_says_so_once(full_stack):
    server = start_server(full_stack.project, **full_stack.env, TRUST_PROXY="false")
    try:
        for _ in range(3):
            requests.get(f"{server.base_url}/health", headers={"X-Forwarded-For": "203.0.113.5"}, timeout=5)
    finally:
        assert server.stop() == 0
    log = server.output()
    assert log.count("TRUST_PROXY=false") == 1, log


def test_security_events_are_logged_with_who_where_and_which_request_and_no_secret(full_stack):
    server = start_server(full_stack.project, **full_stack.env, LOG_LEVEL="info")
    api = full_stack.client(server.base_url)
    try:
        tokens = api.register()
        claims = claims_of(tokens["accessToken"])
        assert api.me(tokens["accessToken"]).status == 200
        assert api.login("stranger@example.com", "Wrong-pass-99").status == 401
        assert api.refresh(tokens["refreshToken"]).status == 200
        assert api.refresh(tokens["refreshToken"]).status == 401  # the spent token again: a thief, or its victim
    finally:
        assert server.stop() == 0
    log = server.output()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    events = {line["securityEvent"]: line for line in lines if "securityEvent" in line}
    assert events["login_failed"]["email"] == "s***@example.com" and events["login_failed"]["clientIp"] == "127.0.0.1"
    reused = events["refresh_token_reused"]
    assert (reused["userId"], reused["sessionId"], reused["clientIp"]) == (claims["sub"], claims["sid"], "127.0.0.1")
    access = {line["requestId"]: line for line in lines if line.get("msg") == "request completed"}
    for event in events.values():
        assert event["requestId"] in access  # each event joins its request's access line
    assert any(line.get("userId") == claims["sub"] for line in access.values()), "the access line names the user"
    for secret in (tokens["accessToken"], tokens["refreshToken"], "Wrong-pass-99", "stranger@example.com"):
        assert secret not in log
