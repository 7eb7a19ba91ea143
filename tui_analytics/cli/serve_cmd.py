"""`tui-analytics serve`: the jobs and the report schedule without a screen (systemd, a container).

It is the dashboard minus the screen, through the same composition root:
`Services.open()` in a worker thread, `claim_scheduler()`, `start()` on the
loop, and on SIGTERM/SIGINT `stop(interrupt=True)`, which cancels running work
(recorded as interrupted) as quitting the dashboard does. If another process
holds the scheduler lock, it says who in one line and exits 1: a second
scheduler would only sit read-only; so it does, without --take-over, when the data directory
belongs to another OS user (cli/ownership.py). With `--standby` it waits instead, attached to
the holder as a dashboard is, and takes over within seconds of the holder's end (the lock's
watch: locking.py). Each event of the services is one log line
on stderr (see `serve_log`).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.cli.ownership import TAKE_OVER_HELP, foreign_owner
from tui_analytics.config.settings import load_settings, mask_url
from tui_analytics.runtime.errors import TuiAnalyticsError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from tui_analytics.cli.serve_metrics import MetricsEndpoint
    from tui_analytics.wiring import Services

log = logging.getLogger("tui_analytics.serve")

PROGRAM = "serve"  # how other processes name us when we hold the scheduler lock


class CannotServe(TuiAnalyticsError):
    """serve cannot schedule here (the lock is held, or scheduling is disabled)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help=summary("serve"),
        description="Run the six jobs and the report schedule in the foreground, without a screen, logging one "
        "line per event to stderr. SIGTERM or SIGINT stops it (exit 0). Exits 1 when another "
        "process already schedules on the state database (unless --standby).",
    )
    serve.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="serve Prometheus metrics on http://HOST:PORT/metrics (off by default)",
    )
    serve.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="the address the metrics endpoint listens on (default 127.0.0.1: this machine only)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text: one plain line per record (default); json: one JSON object per line",
    )
    # SUPPRESS: `tui-analytics --take-over serve` (the global option) is not reset by this one's default.
    serve.add_argument("--take-over", action="store_true", default=argparse.SUPPRESS, help=TAKE_OVER_HELP)
    serve.add_argument(
        "--standby",
        action="store_true",
        help="when another process schedules, wait and take over when it stops (instead of exiting 1)",
    )
    serve.set_defaults(handler=run_serve)


def port_number(text: str) -> int:
    """argparse type: a TCP port, 1-65535 (a usage error otherwise, exit 2)."""
    # ASCII digits only: int() would read "١٨٢٥١" (Arabic-Indic digits) as 18251.
    if not (text.isascii() and text.strip().isdigit()) or len(text.strip()) > 5:
        raise argparse.ArgumentTypeError(f"not a port number (digits 0-9): {text!r}")
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, got {port}")
    return port


def run_serve(args: argparse.Namespace) -> int:
    from tui_analytics.cli.serve_log import log_to_stderr

    port = args.metrics_port
    log_to_stderr(verbose=bool(getattr(args, "verbose", False)), json_lines=getattr(args, "log_format", "text") == "json")
    settings = load_settings(getattr(args, "config", None))
    foreign = None if getattr(args, "take_over", False) else foreign_owner(settings.data_dir)
    if foreign is not None:
        raise CannotServe(foreign)
    from tui_analytics.data.state import locking
    from tui_analytics.wiring import Services

    locking.set_program(PROGRAM)
    from tui_analytics.cli.metrics_server import raise_open_files_limit

    raise_open_files_limit()
    root = Services(settings)
    import asyncio  # here, not at the top: --help must not pay for it

    # asyncio.run cancels what is left and waits for it: the interrupted runs are recorded by then.
    code = asyncio.run(_serve(root, args.metrics_host, port, standby=bool(args.standby)))
    log.info("stopped")
    return code


async def _serve(root: Services, metrics_host: str = "127.0.0.1", metrics_port: int | None = None, *, standby: bool = False) -> int:
    """Serve until SIGTERM, SIGINT or SIGHUP; returns the exit code (raises CannotServe: exit 1)."""
    import asyncio

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGHUP too: the terminal that started it went away, or a supervisor's "reload". Left to the
    # default it ends the process at once, leaving its runs "running" and no line in the log.
    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for signum in signals:
        loop.add_signal_handler(signum, _stop_on, stopping, signum)
    try:
        return await _run(root, stopping, metrics_host, metrics_port, standby)
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def _run(root: Services, stopping: asyncio.Event, metrics_host: str, metrics_port: int | None, standby: bool) -> int:
    import asyncio

    from tui_analytics.cli.serve_log import EventLogger

    await asyncio.to_thread(root.open, _progress())
    if stopping.is_set():  # told to stop while opening (a first start builds the demo database)
        return 0
    waiting = not await asyncio.to_thread(root.claim_scheduler)
    if waiting:
        why = await asyncio.to_thread(_why_not, root)
        if not standby or root.processor.auto_sync_disabled:
            raise CannotServe(why)
    unsubscribe = [bus.subscribe(EventLogger(log)) for bus in root.buses()]
    metrics = None
    try:
        if metrics_port is not None:
            metrics = await asyncio.to_thread(_start_metrics, root, metrics_host, metrics_port)
            unsubscribe += [bus.subscribe(metrics.metrics) for bus in root.buses()]
        root.start()
        settings = root.settings
        if waiting:
            holder = await asyncio.to_thread(root.processor.lock_holder)
            log.info(
                "standby: %s schedules on state %s; taking over when it stops (pid %d on %s)",
                holder.describe() if holder is not None else "another process",
                mask_url(settings.resolved_state_url),
                os.getpid(),
                socket.gethostname(),
            )
            await stopping.wait()
            return 0
        log.info(
            "scheduling %d jobs and %d report templates from %s, state %s (pid %d on %s)",
            len(root.processor.specs),
            await asyncio.to_thread(_active_templates, root),
            mask_url(settings.source_url),
            mask_url(settings.resolved_state_url),
            os.getpid(),
            socket.gethostname(),
        )
        await stopping.wait()
    finally:
        root.stop(interrupt=True)
        for undo in unsubscribe:
            undo()
        if metrics is not None:
            metrics.close()
    return 0


def _stop_on(stopping: asyncio.Event, signum: int) -> None:
    if not stopping.is_set():
        log.info("%s received: stopping (running work is interrupted)", signal.Signals(signum).name)
    stopping.set()


def _progress() -> Callable[[str, int, int], None]:
    said: set[str] = set()

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in said:  # one line per stage, not one per batch
            said.add(stage)
            log.info("first start: creating the demo database (%s)", stage)

    return progress


def _why_not(root: Services) -> str:
    """One line: why this process cannot schedule (blocking on a server state database)."""
    processor = root.processor
    if processor.auto_sync_disabled:
        return "DISABLE_AUTO_SYNC is set: serve has nothing to schedule"
    holder = processor.lock_holder()
    if holder is not None:
        return (
            f"the scheduler lock is held by {holder.describe()}: it already schedules the jobs and reports on this state database"
        )
    error = processor.lease.lock.last_error if processor.lease.lock is not None else None
    return f"cannot take the scheduler lock{': ' + error if error else ''}"


def _active_templates(root: Services) -> int:
    return sum(1 for template in root.reports.get_report_templates() if template.is_active)


def _start_metrics(root: Services, host: str, port: int) -> MetricsEndpoint:
    """The metrics endpoint, listening, its series primed from the state database (blocking)."""
    from tui_analytics.cli.serve_metrics import MetricsEndpoint

    endpoint = MetricsEndpoint(root, host, port)
    try:
        endpoint.metrics.prime()
    except BaseException:
        endpoint.close()
        raise
    log.info("metrics on http://%s:%d/metrics", endpoint.host, endpoint.port)
    return endpoint
