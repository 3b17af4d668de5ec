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
{%- if auth %}
from locust.exception import StopUser
{%- endif %}
from locust.contrib.fasthttp import FastHttpUser

API = "{{ api_prefix }}"
{%- if auth %}
# The simulated users write right after registering and never read their mail.
UNVERIFIED = "the API keeps unverified users from writing; load-test an API started with UNVERIFIED_USER_ACCESS=full"
{%- endif %}


class SignedInUser(FastHttpUser):
    """A simulated user with an account{% if auth %} and a session{% endif %}: `self.headers` act as them, `self.user_id` is their id.
    The base of every user class here and in the resource files `npm run new:resource` writes."""

    abstract = True
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        email = f"load-{uuid.uuid4().hex}@example.com"
{%- if auth %}
        password = "Load-test-1"
        response = self.client.post(
            f"{API}/auth/register", json={"email": email, "password": password, "name": "Load Tester"}, name="register"
        )
        if response.status_code != 201:
            raise StopUser()  # already counted as a failed request
        tokens = response.json().get("tokens")
        if not tokens:  # UNVERIFIED_USER_ACCESS=none: no session until the mail is read
            self.environment.events.request.fire(
                request_type="POST", name="register", response_time=0, response_length=0, exception=RuntimeError(UNVERIFIED)
            )
            raise StopUser()
        self.refresh_token = tokens["refreshToken"]
        self.headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
        self.user_id = response.json()["user"]["id"]
{%- else %}
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
{%- if auth %}
            elif response.status_code == 403 and "email_not_verified" in response.text:
                response.failure(UNVERIFIED)
{%- endif %}

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
