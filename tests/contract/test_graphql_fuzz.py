"""Schemathesis in GraphQL mode against the generated Apollo project, with a verified user's token."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation and phase, as for the REST stacks
# Ending the fuzzer's own session would turn the rest of the run into refusals.
EXCLUDED = ["Mutation.logout"]
# What the API answers to a request it refuses: each code means the caller must change something.
REFUSALS = {
    "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "BAD_REQUEST",
    "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "RATE_LIMITED", "QUERY_TOO_COMPLEX",
}


def test_schemathesis_graphql_mode_finds_no_server_error(gql_api, tmp_path):
    account = gql_api.register()
    schema = tmp_path / "schema.graphql"
    schema.write_text(gql_api.sdl)  # production answers no introspection: the fuzzer reads the generated schema
    har = tmp_path / "fuzz.har"
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", str(schema),
        "--url", gql_api.url,
        "--header", f"Authorization: Bearer {account['tokens']['accessToken']}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", str(EXAMPLES),
        "--seed", "20261126",
        "--workers", "1",
        "--request-timeout", "10",
        "--report", "har", "--report-har-path", str(har),
        "--no-color",
        *[arg for name in EXCLUDED for arg in ("--exclude-name", name)],
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), output[-8000:]  # 1: findings, judged below

    # Schemathesis counts every error that carries a `path` as a server error (ST113) unless Apollo's
    # validation codes label it, so a refused token or an unknown id is one too. The verdict here is
    # stricter and exact: every response, over HTTP and inside GraphQL, is either data or a refusal.
    entries = json.loads(har.read_text())["log"]["entries"]
    codes: Counter[str] = Counter()
    faults = []
    for entry in entries:
        status, text = entry["response"]["status"], entry["response"]["content"].get("text", "")
        try:
            body = json.loads(text)
        except ValueError:
            faults.append((status, text[:300]))
            continue
        errors = body.get("errors") or []
        for error in errors:
            codes[error.get("extensions", {}).get("code", "(none)")] += 1
        if status >= 500 or any(error.get("extensions", {}).get("code") not in REFUSALS for error in errors):
            faults.append((status, text[:500]))
    for kind in ("ST114", "ST115"):  # null in a non-null field; a response that is not a GraphQL object
        assert kind not in output, output[-8000:]
    answered = sum(1 for entry in entries if '"data":{' in entry["response"]["content"].get("text", ""))
    print(f"\nschemathesis (GraphQL): {len(entries)} requests, {answered} with data; refusals by code: {dict(codes)}")
    assert faults == []
    assert answered > len(entries) // 10, "the fuzzer's operations must mostly run, not only be refused"
