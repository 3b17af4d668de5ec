"""Load test: users who {% if auth %}register, keep and refresh their token, {% endif %}read and write posts the way real clients do.

Web UI:       npm run loadtest                 (then open http://localhost:8089)
Smoke + gates npm run loadtest:smoke           (headless; exit code 1 when a gate fails)
Distributed   npm run loadtest:processes       (one worker per core on this machine)
One endpoint  npm run loadtest:endpoint -- --endpoint /api/posts --users 10 --requests 100
Compare       npm run loadtest:compare -- loadtest/reports/baseline.json loadtest/reports/latest.json
"""

import uuid

import loadkit  # noqa: F401  (exact percentiles, --gates, --requests, JSON and HTML reports)
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

API = "{{ api_prefix }}"


class ApiUser(FastHttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        email = f"load-{uuid.uuid4().hex}@example.com"
{%- if auth %}
        password = "Load-test-1"
        response = self.client.post(
            f"{API}/auth/register", json={"email": email, "password": password, "name": "Load Tester"}, name="register"
        )
        tokens = response.json()["tokens"]
        self.refresh_token = tokens["refreshToken"]
        self.headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
{%- else %}
        response = self.client.post(f"{API}/users", json={"email": email, "name": "Load Tester"}, name="create user")
        self.headers = {"X-User-Id": response.json()["id"]}
{%- endif %}
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
        response = self.client.post(
            f"{API}/posts",
            json={"title": "Load test post", "content": "Written by locust.", "published": True},
            headers=self.headers,
            name="create post",
        )
        if response.status_code == 201:
            self.post_ids.insert(0, response.json()["id"])

    @task(1)
    def comment_and_like(self) -> None:
        if not self.post_ids:
            return
        post_id = self.post_ids[0]
        self.client.post(f"{API}/posts/{post_id}/comments", json={"content": "Nice."}, headers=self.headers, name="comment")
        self.client.put(f"{API}/posts/{post_id}/like", headers=self.headers, name="like")
{%- if auth %}

    @task(1)
    def refresh_token(self) -> None:
        response = self.client.post(f"{API}/auth/refresh", json={"refreshToken": self.refresh_token}, name="refresh")
        if response.status_code == 200:
            tokens = response.json()
            self.refresh_token = tokens["refreshToken"]
            self.headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
{%- endif %}
