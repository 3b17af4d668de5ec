"""Schemathesis against each REST stack's own OpenAPI document, with a verified user's token."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation and phase: bounded, so the run takes about a minute per stack
CHECKS = ",".join([
    "not_a_server_error",  # no 5xx, whatever the input
    "status_code_conformance",  # every status returned is documented
    "content_type_conformance",  # and so is its content type
    "response_schema_conformance",  # every body matches the documented schema
    "negative_data_rejection",  # input outside the schema is refused with a 4xx
])
# Ending the session or spending mailed tokens would only turn the rest of the run into 401s.
EXCLUDED = ["/api/auth/logout"]


def test_schemathesis_finds_no_fault(api, tmp_path):
    token = api.register()["tokens"]["accessToken"]
    junit = tmp_path / "fuzz.xml"
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{api.base_url}/docs/json",
        "--url", api.base_url,
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--seed", "20261126",
        "--workers", "2",
        "--request-timeout", "10",
        "--report", "junit", "--report-junit-path", str(junit),
        "--no-color",
        *[arg for path in EXCLUDED for arg in ("--exclude-path", path)],
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900)
    summary = proc.stdout[-8000:]
    cases = ElementTree.parse(junit).getroot() if junit.exists() else None
    tested = int(cases.get("tests", 0)) if cases is not None else 0
    print(f"\nschemathesis: {tested} operations tested\n{summary[-1500:]}")
    assert proc.returncode == 0, summary + proc.stderr[-3000:]
    assert tested >= 20
