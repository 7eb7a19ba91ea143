"""One start-up measurement, run as `python -m benchmarks.startup_child dashboard|bare|prepare`.

Prints `FRAME <time.monotonic()>` for the first frame the app hands to its driver with every
pane filled (headless: the compositor renders, nothing is written to a terminal), then exits.
CLOCK_MONOTONIC is system-wide on Linux, so the parent subtracts its own spawn time.
Also prints `PHASE <name> <time.monotonic()>` for: interpreter up, app built
(imports done), first frame (any content), services ready, live (the panes redrawn
from the open services, dashboard only); and `GC <ms>`, how long one full garbage collection takes once
the app is up (it holds the GIL, so the loop stalls for as long).

- bare: a Textual app with a Header, a DataTable of six rows and a Footer; full
  at its first frame.
- dashboard: as `tui-analytics` runs it (cli/dashboard.py: the collector off until the first frame, the last known view read
  from the state file, then `build_app`); full once the Jobs, Metrics, templates and
  top-items tables all show rows, from the last known view or from the live services.
- prepare: the dashboard until every job has run once and the scheduling process has
  written its view (what "a data directory that has run before" holds); no FRAME line.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # the interpreter is up; nothing of ours imported yet

import asyncio  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

SIZE = (160, 48)
GIVE_UP_S = 120.0


def _bare() -> tuple[Any, Callable[[Any], bool]]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("job", "status", "last run", "next run", "duration", "error")
            table.add_rows([(f"job {n}", "scheduled", "-", "in 10s", "-", "") for n in range(6)])

    return Bare(), lambda app: True


TABLES = ("jobs", "metrics", "templates")


def _build_dashboard() -> Any:
    from tui_analytics.config.settings import load_settings
    from tui_analytics.runtime.collector import pause_collector

    settings = load_settings()
    resume_collector = pause_collector()  # as cli/dashboard.py: off until the first frame is drawn
    from tui_analytics.data.state.last_view import read_last_view
    from tui_analytics.ui import build_app

    return build_app(settings, last_view=read_last_view(settings.resolved_state_url), after_first_frame=resume_collector)


def _panes_filled(app: Any) -> bool:
    """Jobs, Metrics and the templates list show rows; Analytics shows the cached datasets (a
    dataset with nothing in its span says so: a true empty state, as on the benchmark's data)."""
    try:
        screen = app.screen
        tables = [screen.query_one(f"#{name}-table") for name in TABLES]
        analytics = screen.query_one("#analytics")
    except Exception:  # not composed yet
        return False
    return all(table.row_count > 0 for table in tables) and len(analytics.shown_keys) >= 4


def _dashboard() -> tuple[Any, Callable[[Any], bool]]:
    return _build_dashboard(), _panes_filled


def _prepare() -> tuple[Any, Callable[[Any], bool]]:
    def every_job_ran(app: Any) -> bool:
        services = app.services
        if not services.ready or not _panes_filled(app):
            return False
        statuses = services.job_statuses()
        # cache-cleanup runs hourly: the five warm-up jobs are what fills the panes.
        return sum(s.last_run is not None for s in statuses) >= len(statuses) - 1

    return _build_dashboard(), every_job_ran


def main(mode: str) -> int:
    app, full = {"bare": _bare, "dashboard": _dashboard, "prepare": _prepare}[mode]()
    phases = {"interpreter": STARTED, "built": time.monotonic()}
    stamps: list[float] = []  # when each frame was handed to the (headless) driver
    full_at: list[float] = []  # the first of them with every pane filled
    # Textual hands each composed frame to App._display; watching it gives the moment a frame
    # is out, the same way for both apps (waiting for "the next refresh" instead counted one
    # more full repaint, which costs more on a busy screen than on the bare one).
    display = app._display

    def displayed(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        stamps.append(time.monotonic())
        if not full_at and full(app):
            full_at.append(stamps[-1])

    app._display = displayed

    async def pilot(pilot: Any) -> None:
        deadline = time.monotonic() + GIVE_UP_S
        while not full_at if mode != "prepare" else not full(app):
            if time.monotonic() > deadline:
                app.exit(return_code=2)
                return
            await asyncio.sleep(0.002)
        if mode == "prepare":
            await asyncio.sleep(0.5)  # the channel's writer stores the view a moment after the last event
            app.exit()
            return
        phases["first-frame"] = stamps[0]
        if mode == "dashboard":  # and when the live services have replaced the last known view
            while not app._shown and time.monotonic() < deadline:  # set when the live panes are drawn
                if "services" not in phases and app.services.ready:
                    phases["services"] = time.monotonic()
                await asyncio.sleep(0.002)
            phases.setdefault("services", time.monotonic())
            phases["live"] = time.monotonic()
        # How long a full garbage collection stalls this app's loop now that it is up.
        started = time.perf_counter()
        gc.collect()
        phases["gc-ms"] = (time.perf_counter() - started) * 1000.0
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=pilot)
    if mode == "prepare":
        return int(app.return_code or 0)
    if not full_at:
        print(f"{mode}: no full frame within {GIVE_UP_S:.0f} s (return code {app.return_code})", file=sys.stderr)
        return 1
    for name, stamp in phases.items():
        print(f"PHASE {name} {stamp:.6f}" if name != "gc-ms" else f"GC {stamp:.3f}")
    print(f"FRAME {full_at[0]:.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
