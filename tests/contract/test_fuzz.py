"""Schemathesis against each REST stack's own OpenAPI document, with a verified administrator's token."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation and phase: bounded, about a minute per stack
CHECKS = ",".join([
    "not_a_server_error",  # no 5xx, whatever the input
    "status_code_conformance",  # every status returned is documented
    "content_type_conformance",  # and so is its content type
    "response_schema_conformance",  # every body matches the documented schema
    "negative_data_rejection",  # input outside the schema is refused with a 4xx
    "unsupported_method",  # a method a documented path does not answer is a 405 with Allow
])
# Ending the fuzzer's own session would turn the rest of the run into 401s.
EXCLUDED = ["/api/auth/logout"]

# Documented statuses random input with one administrator's token cannot produce, and the tests
# that produce them instead. Anything else documented must turn up in the fuzzer's own traffic.
STATUS_ELSEWHERE = {
    "401": "test_attacks.py and test_rest_contract.py: missing, forged, expired and revoked tokens",
    "403": "test_rest_contract.py and test_account_contract.py: someone else's post, an unverified address, a non-administrator",
    "404": "test_rest_contract.py: every operation on an unknown id (the fuzzer mostly reuses the ids it created)",
    "429": "reliability/test_scale_out.py and test_faults.py: the credential rate limit",
    "503": "reliability/test_faults.py: PostgreSQL stopped",
}
# Operations whose success needs a secret the fuzzer cannot guess: a password, a refresh token, a mailed link.
SUCCESS_ELSEWHERE = {
    ("POST", "/api/auth/login"), ("POST", "/api/auth/refresh"), ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/verify-email"), ("GET", "/api/auth/verify-email"),
    ("GET", "/api/auth/reset-password"), ("POST", "/api/auth/reset-password"), ("POST", "/api/auth/change-password"),
}


def documented_statuses(document: dict) -> dict[tuple[str, str], set[str]]:
    return {
        (method.upper(), path): set(operation.get("responses", {})) - {"default"}
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def observed_statuses(har: dict, base_url: str, operations) -> dict[tuple[str, str], set[str]]:
    matchers = [(key, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(key[1])) + "$")) for key in operations]
    seen: dict[tuple[str, str], set[str]] = {}
    for entry in har["log"]["entries"]:
        method, path = entry["request"]["method"], entry["request"]["url"].removeprefix(base_url).split("?")[0]
        for key, pattern in matchers:
            if key[0] == method and pattern.match(path):
                seen.setdefault(key, set()).add(str(entry["response"]["status"]))
                break
    return seen


def test_schemathesis_finds_no_fault_and_reaches_every_documented_status(api, tmp_path):
    account = api.register()
    api.sql("UPDATE users SET role = 'admin' WHERE id = %s", account["user"]["id"])
    har = tmp_path / "fuzz.har"
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{api.base_url}/docs/json",
        "--url", api.base_url,
        "--header", f"Authorization: Bearer {account['tokens']['accessToken']}",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--seed", "20261126",
        "--workers", "1",  # two workers hit a CPython 3.11 AST race inside the fuzzer now and then
        "--request-timeout", "10",
        "--report", "har", "--report-har-path", str(har),
        "--no-color",
        *[arg for path in EXCLUDED for arg in ("--exclude-path", path)],
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)  # its cache stays out of the repo
    server_log = "".join(api.server.lines[-40:])
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-3000:] + "\n--- the server's last lines\n" + server_log

    documented = documented_statuses(api.call("GET", "/docs/json").json())
    observed = observed_statuses(json.loads(har.read_text()), api.base_url, documented)
    cases = sum(len(statuses) for statuses in observed.values())
    unreached = {
        key: sorted(status for status in statuses - observed.get(key, set())
                    if status not in STATUS_ELSEWHERE and not (key in SUCCESS_ELSEWHERE and status.startswith("2")))
        for key, statuses in documented.items()
        if key[1] not in EXCLUDED
    }
    requests_sent = len(json.loads(har.read_text())["log"]["entries"])
    # The fuzzer's session lived through its run: no operation was only ever answered 401.
    assert api.call("GET", "/api/auth/me", account["tokens"]["accessToken"]).status_code == 200
    assert sorted(key for key, statuses in observed.items() if statuses == {"401"}) == []
    print(f"\nschemathesis: {requests_sent} requests over {len(observed)} operations, {cases} distinct (operation, status) pairs")
    assert {key: statuses for key, statuses in unreached.items() if statuses} == {}
