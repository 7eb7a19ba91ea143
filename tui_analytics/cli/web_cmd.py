"""`tui-analytics web`: the dashboard in a browser, through textual-serve.

textual-serve is a small web server: each browser tab that opens the page starts
its own dashboard process (`python -m tui_analytics`, with this process's
configuration) and relays its terminal over a WebSocket. Nobody gets a dashboard
without logging in (web_auth.py): with a token printed at start, or as one of the
`[web.users]` of the configuration, a viewer (read-only) or an operator.
`--no-auth` is for this machine only: it is refused unless --host is a loopback address.

Whoever reaches the page can open tabs, so each one is kept within bounds: a page
of another site gets none (web_origin.py), at most --max-sessions are open, and
each session's dashboard has a bounded size and lifetime and does not take the
scheduler unless --schedule (web_session.py, web_child.py).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import socket
import sys
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.cli.serve_cmd import port_number
from tui_analytics.runtime.errors import TuiAnalyticsError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui_analytics.cli.web_auth import Authenticator
    from tui_analytics.cli.web_origin import OriginPolicy
    from tui_analytics.cli.web_session import DashboardServer

log = logging.getLogger("tui_analytics.web")

MAX_SESSIONS = 8  # open browser sessions at once: each is a dashboard process of its own


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = sub.add_parser(
        "web",
        help=summary("web"),
        description="Serve the dashboard on http://HOST:PORT/: each browser tab runs its own dashboard, which "
        "does not schedule the jobs and reports unless --schedule. A browser logs in first: with the token "
        "printed at start (http://HOST:PORT/?token=...), or as a user of [web.users] in the configuration "
        "(role viewer: read-only, or operator); see docs/deployment.md.",
    )
    web.add_argument(
        "--no-auth",
        action="store_true",
        help="no login: whoever reaches the page is an operator (only with --host 127.0.0.1, ::1 or localhost)",
    )
    web.add_argument(
        "--hash-password",
        action="store_true",
        help="print the argon2 hash of a password read from the terminal (or one line of stdin), for [web.users], and exit",
    )
    web.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: this machine only)")
    web.add_argument("--port", type=port_number, default=8000, help="the port to listen on (default 8000)")
    web.add_argument(
        "--public-url",
        type=public_url,
        metavar="URL",
        help="the address browsers use, when it is not http://HOST:PORT (behind a reverse proxy: https://analytics.example.com)",
    )
    web.add_argument(
        "--max-sessions",
        type=positive_count,
        default=MAX_SESSIONS,
        metavar="N",
        help=f"how many browser sessions (each a dashboard process) may be open at once; one more gets "
        f"HTTP 503 (default {MAX_SESSIONS})",
    )
    web.add_argument(
        "--schedule",
        action="store_true",
        help="let a browser session's dashboard take the scheduler (run the jobs and reports) when no "
        "other process does; by default it attaches to the process that schedules (serve, a "
        "terminal dashboard) or shows the data without scheduling",
    )
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
    if getattr(args, "read_only", False):  # `tui-analytics --read-only web`: every session's dashboard only looks
        argv.append("--read-only")
    return "exec " + shlex.join(argv)


# What `pip install 'tui-analytics[web]'` adds (pyproject.toml); the rest of the product runs without them.
WEB_MODULES = ("textual_serve", "aiohttp", "argon2")
WEB_MISSING = "tui-analytics web needs the web extra: pip install 'tui-analytics[web]'"


def require_web_extra() -> None:
    """One line saying how to install the web extra, when its packages are missing."""
    import importlib

    for name in WEB_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            if exc.name is None or exc.name.split(".")[0] == name:
                raise TuiAnalyticsError(WEB_MISSING) from None
            raise


LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")


def run_web(args: argparse.Namespace) -> int:
    from tui_analytics.cli.serve_log import log_to_stderr

    require_web_extra()
    if args.hash_password:
        return _print_hash()
    if args.no_auth and args.host not in LOOPBACK_HOSTS:
        raise TuiAnalyticsError(f"--no-auth is refused with --host {args.host}: only on 127.0.0.1, ::1 or localhost")
    auth = None if args.no_auth else _authenticator(args)
    _check_free(args.host, args.port)
    log_to_stderr(verbose=bool(getattr(args, "verbose", False)), events=False)
    server = _server_class()(
        dashboard_command(args),
        host=args.host,
        port=args.port,
        title="tui-analytics",
        public_url=args.public_url,
        max_sessions=args.max_sessions,
        schedule=args.schedule,
        auth=auth,
    )
    server.serve()
    log.info("stopped")
    return 0


def _authenticator(args: argparse.Namespace) -> Callable[[OriginPolicy, bool], Authenticator]:
    """How the server builds its Authenticator: [web.users], or a token made now when there are none."""
    import secrets

    from tui_analytics.cli.web_auth import Authenticator
    from tui_analytics.config.settings import load_settings

    users = load_settings(getattr(args, "config", None)).access.web_users
    token = None if users else secrets.token_urlsafe(32)
    return lambda origins, secure: Authenticator(users, token, origins, secure=secure)


def _print_hash() -> int:
    import getpass

    from tui_analytics.cli.web_auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise TuiAnalyticsError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise TuiAnalyticsError("an empty password is not a password")
    print(hash_password(password))
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


def _server_class() -> type[DashboardServer]:
    """textual-serve's Server as `web` runs it (web_session.py: importing textual-serve waits until here)."""
    from tui_analytics.cli.web_session import DashboardServer

    return DashboardServer
