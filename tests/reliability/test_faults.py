"""Faults, from outside: PostgreSQL or Redis stopped while the API serves, and SIGTERM under load."""

from __future__ import annotations

import signal
import time

import pytest

from tests import services
from tests.projects import start_server
from tests.reliability.conftest import Load, wait_until

pytestmark = pytest.mark.slow

FAST_S = 5.0  # a request that cannot be served must say so within this, not hang


def unavailable(ready) -> dict:
    """The readiness answer of an API that cannot serve: a 503 problem document."""
    assert ready.status_code == 503, ready.text
    assert ready.headers["content-type"].startswith("application/problem+json")
    return ready.json()


@pytest.mark.parametrize("path", ["direct", "through PgBouncer"])
def test_database_outage_fails_fast_and_the_api_recovers_without_a_restart(full_stack, path):
    env = dict(full_stack.env)
    bouncer = None
    if path == "through PgBouncer":  # as docker-compose.yml runs it: the pooler stays up, PostgreSQL goes
        bouncer = services.PgBouncer.in_front_of(full_stack.project.path, full_stack.database_url)
        env.update(bouncer.api_env())
    server = start_server(full_stack.project, **env)
    api = full_stack.client(server.base_url)
    try:
        token = api.register()["accessToken"]
        assert api.ready().status_code == 200

        full_stack.postgres.stop()
        try:
            assert unavailable(api.ready())["checks"]["database"] == "down"
            for name, call in (("me", lambda: api.me(token)), ("create a post", lambda: api.create_post(token, "t", timeout=30))):
                started = time.monotonic()
                answer = call()
                assert (answer.status, answer.code) == (503, "dependency_unavailable"), answer
                assert time.monotonic() - started < FAST_S, f"{name} took {time.monotonic() - started:.1f} s"
            # Liveness stays up: the process is fine, restarting it would not bring the database back.
            assert api.live().status_code == 200
        finally:
            full_stack.postgres.start()

        wait_until(lambda: api.ready().status_code == 200, timeout=30)
        created = api.create_post(token, "After the outage")
        assert created.status in (200, 201) and created.data["title"] == "After the outage", created
    finally:
        assert server.stop() == 0
        if bouncer:
            bouncer.stop()


def test_redis_outage_keeps_the_api_serving_from_the_database(full_stack):
    server = start_server(full_stack.project, **full_stack.env, AUTH_RATE_LIMIT_MAX="3")
    api = full_stack.client(server.base_url)
    try:
        token = api.register()["accessToken"]
        api.first_page()  # the first page is cached now

        full_stack.redis.stop()
        try:
            ready = api.ready()
            assert ready.status_code == 200 and ready.json() == {"status": "degraded", "checks": {"database": "up", "cache": "down"}}
            started = time.monotonic()
            created = api.create_post(token, "No cache", timeout=30)
            assert created.status in (200, 201), created
            assert created.data["id"] in [post_id for post_id, _ in api.first_page(timeout=30)]
            assert time.monotonic() - started < FAST_S
            # Without Redis the credential limit is counted in the process: still 3 per client.
            codes = [api.login("nobody@example.com", "Wrong-pass9").status for _ in range(4)]
            assert codes == [401, 401, 401, 429], codes
        finally:
            full_stack.redis.start()

        wait_until(lambda: api.ready().json()["status"] == "ready", timeout=30)
        # Redis is back (empty): the limit counts again, without a restart.
        codes = [api.login("nobody@example.com", "Wrong-pass9").status for _ in range(4)]
        assert codes == [401, 401, 401, 429], codes
    finally:
        assert server.stop() == 0


def test_sigterm_under_load_loses_no_request_and_exits_within_the_grace_period(full_stack):
    grace_s = 10
    server = start_server(full_stack.project, **full_stack.env, SHUTDOWN_GRACE_MS=str(grace_s * 1000))
    api = full_stack.client(server.base_url)
    post = api.create_post(api.register()["accessToken"], "Load")
    with Load(api.reads(post.data["id"]), clients=16) as load:
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
