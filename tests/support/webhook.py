"""A webhook receiver on loopback (http.server in a thread) for the alert tests.

It records every request (path, headers, JSON body) and answers the first
`failures` of them with `fail_status` (a target that is down, then recovers).
Given a `gate`, it takes each request only once the gate is set (a slow target).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes = b""  # the body as sent (a signature is over these bytes)


class Hook:
    """`with Hook() as hook:` ... `hook.url`, `hook.received`, `hook.bodies(event=...)`."""

    def __init__(
        self,
        *,
        failures: int = 0,
        fail_status: int = 500,
        redirect_to: str | None = None,
        gate: threading.Event | None = None,
        retry_after: str | None = None,
    ) -> None:
        self.failures = failures
        self.retry_after = retry_after  # the Retry-After header of a failing answer
        self.gate = gate
        self.fail_status = fail_status
        self.redirect_to = redirect_to
        self.received: list[Received] = []
        self.answers: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Hook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if hook.gate is not None:
                    hook.gate.wait(10)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with hook._lock:
                    hook.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw))
                    failing = hook.failures > 0
                    if failing:
                        hook.failures -= 1
                    status = hook.fail_status if failing else (307 if hook.redirect_to else 200)
                    hook.answers.append(status)
                self.send_response(status)
                if status == 307 and hook.redirect_to:
                    self.send_header("Location", hook.redirect_to)
                if failing and hook.retry_after is not None:
                    self.send_header("Retry-After", hook.retry_after)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="test webhook", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, **match: Any) -> list[Any]:
        """The JSON bodies received (those answered with anything), optionally those whose fields match."""
        with self._lock:
            bodies = [r.body for r in self.received]
        return [b for b in bodies if all(isinstance(b, dict) and b.get(k) == v for k, v in match.items())]

    def delivered(self, **match: Any) -> list[Any]:
        """The bodies answered with 2xx (what the target really took)."""
        with self._lock:
            pairs = list(zip(self.received, self.answers))
        return [
            r.body
            for r, status in pairs
            if 200 <= status < 300 and all(isinstance(r.body, dict) and r.body.get(k) == v for k, v in match.items())
        ]
