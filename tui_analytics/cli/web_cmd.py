"""`tui-analytics web`: the dashboard in a browser, through textual-serve.

textual-serve is a small web server: each browser tab that opens the page starts
its own dashboard process (`python -m tui_analytics`, with this process's
configuration) and relays its terminal over a WebSocket. It has no
authentication of its own, so it listens on 127.0.0.1 unless told otherwise;
the README shows how to put it behind a reverse proxy that authenticates.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import socket
import sys
from typing import Any

from tui_analytics.cli.commands import summary
from tui_analytics.cli.serve_cmd import port_number
from tui_analytics.cli.web_origin import OriginPolicy
from tui_analytics.runtime.errors import TuiAnalyticsError, one_line

log = logging.getLogger("tui_analytics.web")

SESSION_CLOSE_SECONDS = 10.0  # how long a stop waits for the open sessions' dashboards to quit
MAX_SESSIONS = 8  # open browser sessions at once: each is a dashboard process of its own


def register(sub: argparse._SubParsersAction) -> None:
    web = sub.add_parser(
        "web", help=summary("web"),
        description="Serve the dashboard on http://HOST:PORT/: each browser tab runs its own dashboard. There is no "
                    "authentication: keep the default 127.0.0.1, or put it behind a reverse proxy that "
                    "authenticates (see the README).",
    )
    web.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: this machine only)")
    web.add_argument("--port", type=port_number, default=8000, help="the port to listen on (default 8000)")
    web.add_argument("--public-url", type=public_url, metavar="URL",
                     help="the address browsers use, when it is not http://HOST:PORT (behind a reverse proxy: "
                          "https://analytics.example.com)")
    web.add_argument("--max-sessions", type=positive_count, default=MAX_SESSIONS, metavar="N",
                     help=f"how many browser sessions (each a dashboard process) may be open at once; one more gets "
                          f"HTTP 503 (default {MAX_SESSIONS})")
    web.add_argument("--schedule", action="store_true",
                     help="let a browser session's dashboard take the scheduler (run the jobs and reports) when no "
                          "other process does; by default it attaches to the process that schedules (serve, a "
                          "terminal dashboard) or shows the data without scheduling")
    web.set_defaults(handler=run_web)


def positive_count(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return number


def public_url(text: str) -> str:
    """argparse type: an http(s) address without a trailing slash (the page appends its paths)."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"must start with http:// or https://, got {text!r}")
    return text.rstrip("/")


def dashboard_command(args: argparse.Namespace) -> str:
    """The shell command each browser session runs: this Python, this configuration. `exec`: the
    dashboard replaces the shell, so its parent is `web`, whose end it watches (web_child.py)."""
    argv = [sys.executable, "-m", "tui_analytics"]
    if getattr(args, "config", None):
        argv += ["--config", str(args.config)]
    if getattr(args, "verbose", False):
        argv.append("-v")
    return "exec " + shlex.join(argv)


def run_web(args: argparse.Namespace) -> int:
    from tui_analytics.cli.serve_log import log_to_stderr

    _check_free(args.host, args.port)
    log_to_stderr(verbose=bool(getattr(args, "verbose", False)), events=False)
    server = _server_class()(dashboard_command(args), host=args.host, port=args.port, title="tui-analytics",
                             public_url=args.public_url, max_sessions=args.max_sessions, schedule=args.schedule)
    server.serve()
    log.info("stopped")
    return 0


def _check_free(host: str, port: int) -> None:
    """Fail with one line before anything starts when the address cannot be listened on
    (aiohttp would say so only after announcing the server, in a longer message)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            probe.bind(address)
    except OSError as exc:
        raise TuiAnalyticsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _server_class() -> Any:
    """textual-serve's Server with plain logging (ours) instead of its banner and Rich handler, the
    origin check, a cap on open sessions, and each session's dashboard kept in bounds (web_session.py)."""
    import asyncio

    from aiohttp import web
    from textual_serve.server import Server

    from tui_analytics.cli.web_session import DashboardSession, bounded_size

    class DashboardServer(Server):
        def __init__(self, *args: Any, max_sessions: int = MAX_SESSIONS, schedule: bool = False, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task[Any]] = set()
            self.origins = OriginPolicy(self.host, self.port, self.public_url)
            self.max_sessions = max_sessions
            self.schedule = schedule

        def initialize_logging(self) -> None:
            pass  # log_to_stderr has set up logging already

        async def on_startup(self, app: Any) -> None:
            log.info("serving the dashboard on %s (no authentication: anyone who can reach it can use the dashboard)",
                     self.public_url)

        async def handle_websocket(self, request: Any) -> Any:
            origin = request.headers.get("Origin")
            # Both refusals come before the handshake: no dashboard process is started.
            if not self.origins.allows(origin):
                log.warning("refused a session from %s: origin %r is not this dashboard's page (%s); "
                            "behind a proxy, pass its address as --public-url", request.remote, origin,
                            ", ".join(sorted(self.origins.allowed)))
                return web.Response(status=403, text="forbidden: this page's origin may not open a session\n")
            if len(self.sessions) >= self.max_sessions:
                log.warning("refused a session from %s: %d sessions are open, the most allowed (--max-sessions)",
                            request.remote, len(self.sessions))
                return web.Response(status=503, text="too many sessions are open: close one, or try again later\n")
            task = asyncio.current_task()
            assert task is not None  # aiohttp runs each request in its own task
            self.sessions.add(task)  # no await since the count above: a burst of requests cannot pass it together
            try:
                log.info("session opened from %s", request.remote)
                return await self._run_session(request)
            finally:
                self.sessions.discard(task)
                log.info("session closed")

        async def _run_session(self, request: Any) -> Any:
            """textual-serve's session, with a DashboardSession; it ends its dashboard whatever ends the session."""
            websocket = web.WebSocketResponse(heartbeat=15)
            width, height = bounded_size(request.query.get("width"), request.query.get("height"))
            session: DashboardSession | None = None
            try:
                await websocket.prepare(request)
                session = DashboardSession(self.command, schedule=self.schedule, write_bytes=websocket.send_bytes,
                                           write_str=websocket.send_str, close=websocket.close,
                                           download_manager=self.download_manager, debug=self.debug)
                await session.start(width, height)
                await self._process_messages(websocket, session)  # until the client leaves or the dashboard exits
            except asyncio.CancelledError:  # `web` stopping (on_shutdown): the page is closed once its dashboard ended
                pass
            except Exception as exc:  # a message that is not textual-serve's protocol, a lost connection
                log.warning("session ended by an error: %s", one_line(exc, with_type=True))
                log.debug("the session's error", exc_info=True)
            finally:
                if session is not None:
                    await session.stop()
            if websocket.prepared:
                await websocket.close()
            return websocket

        async def on_shutdown(self, app: Any) -> None:
            # aiohttp would wait for open sessions (a browser tab left open) until its timeout. Cancelling
            # one closes its WebSocket and tells its dashboard to quit (DashboardSession.stop);
            # waiting for that here lets each dashboard finish its interrupted work and free the lock.
            sessions = list(self.sessions)
            if sessions:
                log.info("closing %d open session(s)", len(sessions))
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=SESSION_CLOSE_SECONDS)

    return DashboardServer
