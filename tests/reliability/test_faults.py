"""Faults, from outside: PostgreSQL or Redis stopped while the API serves, and SIGTERM under load."""

from __future__ import annotations

import signal
import time

import pytest
import requests

from tests.projects import start_server
from tests.reliability.conftest import Load, register, wait_until

pytestmark = pytest.mark.slow

FAST_S = 5.0  # a request that cannot be served must say so within this, not hang


def problem_503(response: requests.Response) -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_database_outage_fails_fast_and_the_api_recovers_without_a_restart(full_stack):
    server = start_server(full_stack.project, **full_stack.env)
    base = server.base_url
    try:
        auth = {"Authorization": f"Bearer {register(base)['tokens']['accessToken']}"}
        assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200

        full_stack.postgres.stop()
        try:
            ready = requests.get(f"{base}/health/ready", timeout=10)
            assert problem_503(ready)["checks"]["database"] == "down"
            for method, path, body in (("GET", "/api/auth/me", None), ("POST", "/api/posts", {"title": "t", "content": "c"})):
                started = time.monotonic()
                answer = problem_503(requests.request(method, f"{base}{path}", headers=auth, json=body, timeout=30))
                assert answer["code"] == "dependency_unavailable"
                assert time.monotonic() - started < FAST_S, f"{method} {path} took {time.monotonic() - started:.1f} s"
            # Liveness stays up: the process is fine, restarting it would not bring the database back.
            assert requests.get(f"{base}/health", timeout=10).status_code == 200
        finally:
            full_stack.postgres.start()

        wait_until(lambda: requests.get(f"{base}/health/ready", timeout=10).status_code == 200, timeout=30)
        created = requests.post(f"{base}/api/posts", headers=auth, json={"title": "After", "content": "the outage"}, timeout=10)
        assert created.status_code == 201, created.text
    finally:
        assert server.stop() == 0


def test_redis_outage_keeps_the_api_serving_from_the_database(full_stack):
    server = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="3")
    base = server.base_url
    try:
        auth = {"Authorization": f"Bearer {register(base)['tokens']['accessToken']}"}
        requests.get(f"{base}/api/posts", timeout=10)  # the first page is cached now

        full_stack.redis.stop()
        try:
            ready = requests.get(f"{base}/health/ready", timeout=10)
            assert ready.status_code == 200 and ready.json() == {"status": "degraded", "checks": {"database": "up", "cache": "down"}}
            started = time.monotonic()
            created = requests.post(f"{base}/api/posts", headers=auth, json={"title": "No cache", "content": "c"}, timeout=30)
            assert created.status_code == 201, created.text
            listed = requests.get(f"{base}/api/posts", params={"limit": 100}, timeout=30)
            assert created.json()["id"] in [post["id"] for post in listed.json()["data"]]
            assert time.monotonic() - started < FAST_S
            # As documented: without Redis the credential limit is not enforced, rather than refusing everyone.
            for _ in range(5):
                login = requests.post(f"{base}/api/auth/login", json={"email": "nobody@example.com", "password": "Wrong-pass9"}, timeout=30)
                assert login.status_code == 401, login.text
        finally:
            full_stack.redis.start()

        wait_until(lambda: requests.get(f"{base}/health/ready", timeout=10).json()["status"] == "ready", timeout=30)
        # Redis is back (empty): the limit counts again, without a restart.
        codes = [requests.post(f"{base}/api/auth/login", json={"email": "nobody@example.com", "password": "Wrong-pass9"}, timeout=10).status_code
                 for _ in range(4)]
        assert codes == [401, 401, 401, 429], codes
    finally:
        assert server.stop() == 0


def test_sigterm_under_load_loses_no_request_and_exits_within_the_grace_period(full_stack):
    grace_s = 10
    server = start_server(full_stack.project, **full_stack.env, SHUTDOWN_GRACE_MS=str(grace_s * 1000))
    base = server.base_url
    token = register(base)["tokens"]["accessToken"]
    post = requests.post(f"{base}/api/posts", headers={"Authorization": f"Bearer {token}"}, json={"title": "Load", "content": "c"}, timeout=10).json()
    paths = ["/api/posts?limit=20", f"/api/posts/{post['id']}", f"/api/posts/{post['id']}/comments", "/health"]
    with Load(base, paths, clients=16) as load:
        time.sleep(2)
        sigterm_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=grace_s + 5)
        exited_after = time.monotonic() - sigterm_at
        time.sleep(0.5)
    # Every request sent before the signal was in flight or done when it came: each must have been answered.
    before = [outcome for started, _, outcome in load.outcomes if started < sigterm_at]
    lost = [outcome for outcome in before if outcome != 200]
    print(f"\n{full_stack.project.stack}: {len(before)} requests before SIGTERM, {len(lost)} lost; exited {code} after {exited_after:.2f} s")
    assert len(before) > 100
    assert lost == []
    assert code == 0 and exited_after < grace_s
