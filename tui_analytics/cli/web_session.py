"""`web`'s server and sessions: the dashboard process behind each browser WebSocket, kept within bounds.

textual-serve's Server accepts the WebSocket and its AppService starts the process and relays its
terminal. Whoever reaches the page can open sessions, so here

- a page of another site gets none (web_origin.py), and at most --max-sessions are open at once;
- the terminal size the page asks for is bounded, at the start and on each resize: the dashboard
  lays out every cell of it (9000x9000 grew one process past a gigabyte);
- the end is bounded: the dashboard is told to quit, then terminated, then killed, so a client
  that left never leaves its dashboard running (one busy drawing, or blocked writing output
  nobody reads any more, used to run on);
- the dashboard is told who started it and whether it may schedule (web_child.py);
- the page asks nothing of another site: our copy of textual-serve's page (web_page/) uses local
  fonts instead of a web font, and /favicon.ico is served.

Imports textual-serve and aiohttp: only `web` loads this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import SupportsInt, TypeVar

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server

from tui_analytics.cli.web_auth import Authenticator, WebSession
from tui_analytics.cli.web_child import child_environment
from tui_analytics.cli.web_cmd import MAX_SESSIONS
from tui_analytics.cli.web_origin import OriginPolicy
from tui_analytics.runtime.errors import one_line

log = logging.getLogger("tui_analytics.web")

MAX_COLUMNS, MAX_ROWS = 500, 200  # wider than any screen's terminal at a readable font size
DEFAULT_SIZE = (80, 24)
QUIT_SECONDS = 2.0  # a dashboard told to quit has this long to finish its interrupted work and exit
TERMINATE_SECONDS = 1.0  # then SIGTERM; SIGKILL after this (the flock it may hold goes with the process)
SESSION_CLOSE_SECONDS = 10.0  # how long a stop of `web` waits for the open sessions' dashboards to end

DataT = TypeVar("DataT", bytes, str)

WEB_PAGE = Path(__file__).parent / "web_page"  # app_index.html (textual-serve's, offline) and favicon.ico


def bounded_size(width: object, height: object, current: tuple[int, int] = DEFAULT_SIZE) -> tuple[int, int]:
    """The terminal size a page asked for, within 1..MAX_COLUMNS x 1..MAX_ROWS; `current` for what is not a number."""
    return _bounded(width, current[0], MAX_COLUMNS), _bounded(height, current[1], MAX_ROWS)


def _bounded(value: object, fallback: int, limit: int) -> int:
    if not isinstance(value, (str, SupportsInt)):  # None, a list: what int() refuses
        return fallback
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return fallback
    return max(1, min(number, limit))


class DashboardSession(AppService):
    """textual-serve's AppService with bounds on size and lifetime (see the module's docstring)."""

    def __init__(
        self,
        command: str,
        *,
        schedule: bool,
        user: WebSession | None = None,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
        debug: bool = False,
    ) -> None:
        super().__init__(
            command,
            write_bytes=self._to_client(write_bytes),
            write_str=self._to_client(write_str),
            close=close,
            download_manager=download_manager,
            debug=debug,
        )
        self.schedule = schedule
        self.user = user  # who logged in (None: --no-auth, an operator nobody named)
        self.size = DEFAULT_SIZE
        self.client_gone = False

    def _to_client(self, write: Callable[[DataT], Awaitable[None]]) -> Callable[[DataT], Awaitable[None]]:
        """`write`, dropping the output once the client is gone: the relay goes on reading the
        dashboard's output, so a dashboard told to quit is never blocked writing to a full pipe."""

        async def send(data: DataT) -> None:
            if self.client_gone:
                return
            try:
                await write(data)
            except (ConnectionError, RuntimeError):  # closed, or closing (aiohttp says either)
                self.client_gone = True

        return send

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(*bounded_size(width, height))
        user, role = (self.user.user, self.user.role) if self.user is not None else ("", "operator")
        environment.update(child_environment(os.getpid(), self.schedule, user, role))
        return environment

    async def start(self, width: int, height: int) -> None:
        self.size = bounded_size(width, height)
        await super().start(*self.size)

    async def set_terminal_size(self, width: object, height: object) -> None:
        self.size = bounded_size(width, height, self.size)
        await super().set_terminal_size(*self.size)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        """End the dashboard: quit, then SIGTERM, then SIGKILL (see QUIT_SECONDS); idempotent."""
        task, self._task = self._task, None
        process = self._process
        if task is None or process is None:
            return
        self.client_gone = True
        try:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            await self._end(process)
        except BaseException:  # cancelled while waiting (`web` stopping): never leave the process behind
            _signal(process, "kill")
            raise
        finally:
            # The relay reads the output to its end: quick once the process has exited.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=1.0)

    async def _end(self, process: asyncio.subprocess.Process) -> None:
        if await _exited(process, QUIT_SECONDS):
            return
        log.warning("the dashboard (pid %d) did not quit within %g s: terminating it", process.pid, QUIT_SECONDS)
        _signal(process, "terminate")
        if await _exited(process, TERMINATE_SECONDS):
            return
        log.warning("the dashboard (pid %d) is still running: killing it", process.pid)
        _signal(process, "kill")
        await process.wait()


class DashboardServer(Server):
    """textual-serve's Server with plain logging (ours) instead of its banner and Rich handler, the
    origin check, a cap on open sessions, and a DashboardSession for each."""

    def __init__(
        self,
        command: str,
        host: str = "localhost",
        port: int = 8000,
        title: str | None = None,
        public_url: str | None = None,
        *,
        max_sessions: int = MAX_SESSIONS,
        schedule: bool = False,
        auth: Callable[[OriginPolicy, bool], Authenticator] | None = None,
    ) -> None:
        super().__init__(command, host, port, title, public_url)
        self.sessions: set[asyncio.Task[object]] = set()
        self.origins = OriginPolicy(self.host, self.port, self.public_url)
        self.max_sessions = max_sessions
        self.schedule = schedule
        self.templates_path = WEB_PAGE
        # None: --no-auth. Built over this server's origins; Secure cookies when the page is https.
        self.auth = auth(self.origins, self.public_url.startswith("https://")) if auth is not None else None

    async def handle_favicon(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB_PAGE / "favicon.ico", headers={"Content-Type": "image/x-icon"})

    def initialize_logging(self) -> None:
        pass  # log_to_stderr has set up logging already

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/favicon.ico", self.handle_favicon)
        app.on_response_prepare.append(_no_framing)
        if self.auth is not None:
            app.router.add_post("/login", self.auth.login)
            app.router.add_post("/logout", self.auth.logout)
        return app

    async def on_startup(self, app: web.Application) -> None:
        if self.auth is None:
            log.warning(
                "serving the dashboard on %s with --no-auth: anyone who can reach it can use the dashboard", self.public_url
            )
        elif self.auth.token is not None:
            log.info("serving the dashboard on %s to whoever opens it with its token", self.public_url)
            # The one place the token is shown, as Jupyter shows its own: straight to the terminal that
            # started `web` (the log, and everything else printed, mask it as a secret).
            stream = sys.__stderr__ or sys.stderr
            print(f"open the dashboard at {self.public_url}/?token={self.auth.token}", file=stream, flush=True)
        else:
            log.info("serving the dashboard on %s to %d user(s) of [web.users]", self.public_url, len(self.auth.users))

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The dashboard's page for a logged-in browser; the login page (or a token's login) otherwise."""
        if self.auth is not None and self.auth.session_of(request) is None:
            return self.auth.token_login(request) or self.auth.login_page()
        response: web.StreamResponse = await super().handle_index(request)
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        if self.auth is not None and self.auth.session_of(request) is None:
            return web.Response(status=401, text="log in first\n")
        return await super().handle_download(request)

    # textual-serve declares a WebSocketResponse; aiohttp takes any response, and a refusal is a plain one.
    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        origin = request.headers.get("Origin")
        # Both refusals come before the handshake: no dashboard process is started.
        if not self.origins.allows(origin):
            log.warning(
                "refused a session from %s: origin %r is not this dashboard's page (%s); "
                "behind a proxy, pass its address as --public-url",
                request.remote,
                origin,
                ", ".join(sorted(self.origins.allowed)),
            )
            return web.Response(status=403, text="forbidden: this page's origin may not open a session\n")
        user = self.auth.session_of(request) if self.auth is not None else None
        if self.auth is not None and user is None:
            log.warning("refused a session from %s: not logged in", request.remote)
            return web.Response(status=401, text="log in first\n")
        if len(self.sessions) >= self.max_sessions:
            log.warning(
                "refused a session from %s: %d sessions are open, the most allowed (--max-sessions)",
                request.remote,
                len(self.sessions),
            )
            return web.Response(status=503, text="too many sessions are open: close one, or try again later\n")
        task = asyncio.current_task()
        assert task is not None  # aiohttp runs each request in its own task
        self.sessions.add(task)  # no await since the count above: a burst of requests cannot pass it together
        try:
            log.info("session opened from %s%s", request.remote, f" by {user.user} ({user.role})" if user else "")
            return await self._run_session(request, user)
        finally:
            self.sessions.discard(task)
            log.info("session closed")

    async def _run_session(self, request: web.Request, user: WebSession | None) -> web.WebSocketResponse:
        """textual-serve's session, with a DashboardSession; it ends its dashboard whatever ends the session."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = bounded_size(request.query.get("width"), request.query.get("height"))
        session: DashboardSession | None = None
        try:
            await websocket.prepare(request)
            session = DashboardSession(
                self.command,
                schedule=self.schedule,
                user=user,
                write_bytes=websocket.send_bytes,
                # textual-serve wants a close that returns None; aiohttp's says whether it closed.
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]
                download_manager=self.download_manager,
                debug=self.debug,
            )
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

    async def on_shutdown(self, app: web.Application) -> None:
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


async def _no_framing(_request: web.Request, response: web.StreamResponse) -> None:
    # No other site may show the dashboard or the login in a frame (clickjacking a logged-in browser).
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")


async def _exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), timeout)
    except TimeoutError:
        return False
    return True


def _signal(process: asyncio.subprocess.Process, how: str) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited in the meantime
        getattr(process, how)()


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "DashboardServer", "DashboardSession", "bounded_size"]
