"""The HTTP server behind `serve --metrics-port`: prometheus_client's WSGI app, within bounds.

prometheus_client's own server gives each connection a thread that waits for a request as long
as the client likes: a thousand idle connections held a thousand descriptors and threads, and
`serve` ran out of descriptors for its reports. Here an idle connection is closed after
IDLE_SECONDS, and at most MAX_CONNECTIONS are served at once (one more is closed at once: a
scraper retries at its next interval).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from socketserver import BaseRequestHandler, ThreadingMixIn
from typing import TYPE_CHECKING, TypeAlias
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

if TYPE_CHECKING:
    from collections.abc import Iterable
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

IDLE_SECONDS = 10.0
MAX_CONNECTIONS = 32

Request: TypeAlias = socket.socket | tuple[bytes, socket.socket]  # what socketserver hands a handler


class _QuietHandler(WSGIRequestHandler):
    timeout = IDLE_SECONDS  # StreamRequestHandler sets it on the connection's socket

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # a scrape every few seconds is not worth a log line

    def handle(self) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError):  # an idle or vanished client
            super().handle()


class BoundedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, server_address: tuple[str, int], handler: Callable[..., BaseRequestHandler], bind_and_activate: bool = True
    ) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.refused = 0
        super().__init__(server_address, handler, bind_and_activate)

    def process_request(self, request: Request, client_address: object) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            self.shutdown_request(request)  # over the cap: closed now, its descriptor freed
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Request, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def only_path(path: str, app: WSGIApplication) -> WSGIApplication:
    """`app` at `path` (and `path/`), 404 elsewhere: a typo in a scrape config should fail loudly."""

    def routed(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/").rstrip("/") == path:
            return app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [f"not found: the metrics are at {path}\n".encode()]

    return routed


def start(app: WSGIApplication, host: str, port: int) -> tuple[BoundedServer, threading.Thread]:
    """Listen on host:port and serve `app` in a daemon thread."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(BoundedServer):
        address_family = family

    server = make_server(host, port, app, server_class=Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    return server, thread


def raise_open_files_limit() -> None:
    """Lift the soft limit on open descriptors to the hard one: serve holds a database pool, report
    files, alert connections and metrics clients at once, and 1024 is the usual soft default."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            log.debug("open files limit raised from %d to %d", soft, wanted)
