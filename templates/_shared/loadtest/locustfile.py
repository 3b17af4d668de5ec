"""Load test: users who {% if auth %}log in as seeded accounts, {% endif %}read and write posts the way real clients do.
{%- if auth %}

The simulated users are the verified accounts `npm run db:seed` makes (seed-N@example.com), so the
API is measured as it runs: verification required, credential limits on. A few logins are shared
by all users of a process (SESSIONS), which keeps them inside the per-client limit.
{%- endif %}

Web UI:       npm run loadtest                 (then open http://localhost:8089)
Smoke + gates npm run loadtest:smoke           (seeds, then headless; exit code 1 when a gate fails)
Distributed   npm run loadtest:processes       (one worker per core on this machine)
One endpoint  npm run loadtest:endpoint -- {{ api_prefix }}/posts --users 10 --requests 100 --output json --save run.json
Compare       npm run loadtest:compare -- loadtest/reports/baseline.json loadtest/reports/latest.json
"""

{%- if auth %}

import itertools
import time

import gevent
{%- else %}

import uuid
{%- endif %}

import loadkit  # noqa: F401  (exact percentiles, --gates, --requests, JSON and HTML reports)
from locust import between, task
{%- if auth %}
from locust.exception import StopUser
{%- endif %}
from locust.contrib.fasthttp import FastHttpUser

API = "{{ api_prefix }}"
{%- if auth %}
SEED_PASSWORD = "seed-password"  # the password `npm run db:seed` gives seed-N@example.com
# Logins per Locust process, shared by its simulated users: the API allows one client
# AUTH_RATE_LIMIT_MAX credential calls a window (10 a minute by default).
SESSIONS = 4
NO_SEED = "no seeded account to log in as: run `npm run db:seed` against the API's database first"
_sessions: dict[int, tuple[dict[str, str], str] | None] = {}
_turns = itertools.count()
{%- endif %}


class SignedInUser(FastHttpUser):
    """A simulated user with an account{% if auth %} and a session{% endif %}: `self.headers` act as them, `self.user_id` is their id.
    The base of every user class here and in the resource files `npm run new:resource` writes."""

    abstract = True
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
{%- if auth %}
        turn = next(_turns)
        slot = turn % SESSIONS
        if turn < SESSIONS:
            _sessions[slot] = self.log_in(f"seed-{slot + 1}@example.com")
        deadline = time.monotonic() + 30
        while slot not in _sessions and time.monotonic() < deadline:
            gevent.sleep(0.05)  # another user of this process is logging this session in
        session = _sessions.get(slot)
        if session is None:
            raise StopUser()  # the failed login is already counted
        self.headers, self.user_id = session

    def log_in(self, email: str) -> tuple[dict[str, str], str] | None:
        with self.client.post(
            f"{API}/auth/login", json={"email": email, "password": SEED_PASSWORD}, name="log in", catch_response=True
        ) as response:
            if response.status_code == 401:
                response.failure(NO_SEED)
                return None
            if response.status_code != 200:
                return None
            headers = {"Authorization": f"Bearer {response.json()['accessToken']}"}
        me = self.client.get(f"{API}/auth/me", headers=headers, name="me")
        return (headers, me.json()["id"]) if me.status_code == 200 else None
{%- else %}
        email = f"load-{uuid.uuid4().hex}@example.com"
        response = self.client.post(f"{API}/users", json={"email": email, "name": "Load Tester"}, name="create user")
        self.user_id = response.json()["id"]
        self.headers = {"X-User-Id": self.user_id}
{%- endif %}


class ApiUser(SignedInUser):
    def on_start(self) -> None:
        super().on_start()
        self.post_ids: list[str] = []
        self.create_post()

    @task(6)
    def list_posts(self) -> None:
        with self.client.get(f"{API}/posts?limit=20", name="list posts", catch_response=True) as response:
            page = response.json()
            ids = [post["id"] for post in page["data"]]
            if ids:
                self.post_ids = ids[:10]
            cursor = page.get("nextCursor")
        if cursor:
            self.client.get(f"{API}/posts?limit=20&cursor={cursor}", name="list posts (next page)")

    @task(3)
    def open_post(self) -> None:
        if self.post_ids:
            self.client.get(f"{API}/posts/{self.post_ids[0]}", name="open post")

    @task(2)
    def create_post(self) -> None:
        with self.client.post(
            f"{API}/posts",
            json={"title": "Load test post", "content": "Written by locust.", "published": True},
            headers=self.headers,
            name="create post",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.post_ids.insert(0, response.json()["id"])

    @task(1)
    def comment_and_like(self) -> None:
        if not self.post_ids:
            return
        post_id = self.post_ids[0]
        self.client.post(f"{API}/posts/{post_id}/comments", json={"content": "Nice."}, headers=self.headers, name="comment")
        self.client.put(f"{API}/posts/{post_id}/like", headers=self.headers, name="like")
