"""A small HTTP server on loopback whose behaviour a test sets: how long it answers, when it
stalls, how many requests a second it can serve, and which status each path returns. It counts
what it answered, so a load-test report can be checked against the server's own figures."""

from __future__ import annotations

import collections
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import services


class KnownServer:
    """`stall=(every, seconds)`: the server stops answering for the last `seconds` of every
    `every` seconds, counted from its first request (so a load test's run covers whole stalls). `capacity`: requests a second it serves, one at a time (the others queue).
    `statuses`: path -> status, or path -> (status, every n-th request; the others get 200).
    `delay`: seconds every answer takes."""

    def __init__(self, stall: tuple[float, float] | None = None, capacity: float | None = None,
                 statuses: dict[str, int | tuple[int, int]] | None = None, delay: float = 0.0) -> None:
        self.stall, self.capacity, self.statuses, self.delay = stall, capacity, statuses or {}, delay
        self.answered: collections.Counter = collections.Counter()  # (method, path, status) -> count
        self.lock = threading.Lock()
        self.worker = threading.Lock()  # the one request being served, under `capacity`
        self.started: float | None = None  # the first request's arrival
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

            def log_message(self, *args) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status = server.serve(self.command, self.path)
                body = b'{"ok":true}' if status < 400 else b'{"error":"known"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = answer

        self.port = services.free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self, method: str, path: str) -> int:
        if self.delay:
            time.sleep(self.delay)
        if self.stall:
            every, seconds = self.stall
            with self.lock:
                self.started = self.started or time.monotonic()
            into = (time.monotonic() - self.started) % every
            if into >= every - seconds:
                time.sleep(every - into)
        if self.capacity:
            with self.worker:
                time.sleep(1 / self.capacity)
        bare = path.split("?")[0]
        with self.lock:
            rule = self.statuses.get(bare, 200)
            if isinstance(rule, tuple):
                status, nth = rule
                seen = sum(n for (m, p, _), n in self.answered.items() if (m, p) == (method, bare))
                rule = status if (seen + 1) % nth == 0 else 200
            self.answered[(method, bare, rule)] += 1
        return rule

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
