"""Timeouts, from outside: a client that trickles its request, and a statement PostgreSQL runs too long."""

from __future__ import annotations

import socket
import time

import psycopg
import pytest

from tests.projects import start_server

pytestmark = pytest.mark.slow


def test_a_client_that_trickles_its_body_gets_a_408_and_loses_its_socket(full_stack):
    server = start_server(full_stack.project, **full_stack.env, REQUEST_TIMEOUT_MS="2000")
    graphql = full_stack.project.stack == "apollo-graphql"
    path = "/graphql" if graphql else "/api/auth/login"
    host, port = server.base_url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                         "Content-Length: 4096\r\n\r\n{".encode())
            started, answer = time.monotonic(), b""
            sock.settimeout(0.25)
            # One byte every quarter second, for up to 20 s: a body that would take 17 minutes to arrive.
            while time.monotonic() - started < 20:
                try:
                    sock.sendall(b" ")
                    chunk = sock.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                answer += chunk
            held = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert held < 6, f"the server held the trickling client {held:.1f} s with REQUEST_TIMEOUT_MS=2000"
        # Nothing else suffered.
        assert full_stack.client(server.base_url).live().status_code == 200
    finally:
        assert server.stop() == 0


def test_a_statement_past_the_database_timeout_answers_503_instead_of_hanging(full_stack):
    server = start_server(full_stack.project, **full_stack.env, DATABASE_STATEMENT_TIMEOUT_MS="500")
    api = full_stack.client(server.base_url)
    try:
        token = api.register()["accessToken"]
        created = api.create_post(token, "Locked away")
        post_id = created.data["id"]
        # Another session holds the table: the API's read waits on the lock until its statement times out.
        with psycopg.connect(full_stack.database_url) as locker:
            locker.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            if full_stack.project.stack == "apollo-graphql":
                answer = api.call("query ($id: ID!) { post(id: $id) { title } }", {"id": post_id}, timeout=30)
            else:
                answer = api.call("GET", f"/posts/{post_id}", timeout=30)
            waited = time.monotonic() - started
            locker.rollback()
        assert (answer.status, answer.code) == (503, "dependency_unavailable"), answer
        assert 0.4 < waited < 5, f"answered after {waited:.1f} s with DATABASE_STATEMENT_TIMEOUT_MS=500"
        assert api.post_title(post_id) == "Locked away"
    finally:
        assert server.stop() == 0
