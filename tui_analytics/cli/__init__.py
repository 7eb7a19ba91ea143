"""The `tui-analytics` command: the dashboard, plus sub-commands for scripts and servers.

Each sub-command group lives in its own module with a `register(subparsers)`
function; errors print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from ..errors import TuiAnalyticsError

# Modules that add sub-commands, in help order.
_COMMAND_MODULES = ("demo", "export_cmd", "report_cmd", "jobs_cmd", "cache_cmd")

EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tui-analytics",
        description="Terminal dashboard for an application's analytics. With no command, opens the dashboard.",
    )
    parser.add_argument("--config", metavar="PATH", help="TOML settings file (environment variables win)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to the log file / stderr")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"tui-analytics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(name):
                continue  # that command group is not built yet
            raise
        module.register(sub)
    return parser


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Print one error line to stderr and return the exit code."""
    print(f"tui-analytics: error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from .dashboard import run_dashboard

            return run_dashboard(args)
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0
    except (TuiAnalyticsError, ValueError, KeyError, OSError) as exc:
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        if isinstance(exc, OSError) and not isinstance(exc, TuiAnalyticsError):
            message = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
        return fail(message or type(exc).__name__)
