"""Load test: users who {% if auth %}log in as seeded accounts, {% endif %}read and write posts the way real clients do.
{%- if auth %}

The simulated users are the verified accounts `npm run db:seed` makes (seed-N@example.com), so the
API is measured as it runs: verification required, credential limits on. A few logins are shared
by all users of a process (`loadkit.SESSIONS`), which keeps them inside the per-client limit.
{%- endif %}

Web UI:       npm run loadtest                 (then open http://localhost:8089)
Smoke + gates npm run loadtest:smoke           (seeds, then headless; exit code 1 when a gate fails)
Distributed   npm run loadtest:processes       (one worker per core on this machine)
One endpoint  npm run loadtest:endpoint -- {{ api_prefix }}/posts --users 10 --requests 100 --output json --save run.json
Compare       npm run loadtest:compare -- loadtest/reports/baseline.json loadtest/reports/latest.json
"""

{%- if not auth %}

import uuid
{%- endif %}

import loadkit  # {% if not auth %}noqa: F401  {% endif %}(exact percentiles, --gates, --requests, JSON and HTML reports{% if auth %}; seeded sessions{% endif %})
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

API = "{{ api_prefix }}"


class SignedInUser(FastHttpUser):
    """A simulated user with an account{% if auth %} and a session{% endif %}: `self.headers` act as them, `self.user_id` is their id.
    The base of every user class here and in the resource files `npm run new:resource` writes."""

    abstract = True
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
{%- if auth %}
        self.headers, self.user_id = loadkit.shared_session(self.log_in)

    def log_in(self, email: str) -> tuple[dict[str, str], str] | None:
        with self.client.post(
            f"{API}/auth/login", json={"email": email, "password": loadkit.SEED_PASSWORD}, name="log in", catch_response=True
        ) as response:
            if response.status_code == 401:
                response.failure(loadkit.NO_SEED)
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
