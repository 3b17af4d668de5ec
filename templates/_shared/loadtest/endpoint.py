"""Generic mode: one endpoint, any method, an optional JSON body and headers, an exact request count.
{% if api_type == 'graphql' %}
  npm run loadtest:endpoint -- http://localhost:{{ port }}/graphql --method POST --data query.json --users 10 --requests 100
  (query.json: {"query": "{ posts(first: 20) { nodes { id title } } }"}; add --headers headers.json for a bearer token)
{%- else %}
  npm run loadtest:endpoint -- http://localhost:{{ port }}{{ api_prefix }}/posts --users 10 --requests 100
  npm run loadtest:endpoint -- {{ api_prefix }}/posts --method POST --data body.json --headers headers.json \\
      --users 50 --requests 500 --gates "p95<200,error_rate<1%" --report-html loadtest/reports/posts.html
{%- endif %}
"""

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import loadkit  # noqa: F401  (exact percentiles, --gates, --requests, JSON and HTML reports)
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

REQUEST: dict = {}


def fail(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr)
    raise SystemExit(2)


@events.init.add_listener
def _prepare(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:
        return
    if not options.endpoint:
        fail("name the endpoint to call with --endpoint URL (or a path, with --host)")
    target = urlsplit(options.endpoint)
    if target.scheme:
        environment.host = f"{target.scheme}://{target.netloc}"
    elif not environment.host:
        fail(f"--endpoint {options.endpoint} is a path: give --host too, or a full URL")
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    headers = {}
    if options.headers:
        try:
            headers = json.loads(Path(options.headers).read_text())
        except (OSError, ValueError) as exc:
            fail(f"--headers {options.headers}: {exc}; give a JSON object of header names and values")
        if not isinstance(headers, dict):
            fail(f"--headers {options.headers} must hold a JSON object of header names and values")
    body = None
    if options.data:
        try:
            body = Path(options.data).read_bytes()
            json.loads(body)
        except (OSError, ValueError) as exc:
            fail(f"--data {options.data}: {exc}; give a file of valid JSON")
        headers.setdefault("Content-Type", "application/json")
    REQUEST.update(method=options.method.upper(), path=path, headers=headers, body=body, name=target.path or "/")


class Endpoint(FastHttpUser):
    wait_time = constant(0)
    # Set the host from --endpoint when it is a full URL.
    host = ""

    @task
    def call(self) -> None:
        self.client.request(REQUEST["method"], REQUEST["path"], data=REQUEST["body"], headers=REQUEST["headers"], name=REQUEST["name"])
