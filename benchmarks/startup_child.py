"""One start-up measurement, run as `python -m benchmarks.startup_child dashboard|bare`.

Prints `FRAME <time.monotonic()>` once the app has drawn its first full frame
(headless: the compositor renders, nothing is written to a terminal), then exits.
CLOCK_MONOTONIC is system-wide on Linux, so the parent subtracts its own spawn time.
Also prints `PHASE <name> <time.monotonic()>` for: interpreter up, app built
(imports done), first frame (any content), services ready; and `GC <ms>`, how
long one full garbage collection takes once the app is up (it holds the GIL, so
the loop stalls for as long).

- bare: a Textual app with a Header, a DataTable of six rows and a Footer; full
  at its first frame.
- dashboard: `build_app(load_settings())`, as `tui-analytics` runs it; full once
  the services are up and the Jobs, Metrics and Reports panes show their rows.
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


def _dashboard() -> tuple[Any, Callable[[Any], bool]]:
    from tui_analytics.data.config import load_settings
    from tui_analytics.ui import build_app

    def full(app: Any) -> bool:
        if not app.services.ready:
            return False
        try:
            screen = app.screen
            tables = [screen.query_one(f"#{name}-table") for name in ("jobs", "metrics", "templates")]
        except Exception:  # not composed yet
            return False
        return all(table.row_count > 0 for table in tables)

    return build_app(load_settings()), full


def main(mode: str) -> int:
    app, full = {"bare": _bare, "dashboard": _dashboard}[mode]()
    phases = {"interpreter": STARTED, "built": time.monotonic()}
    stamps: list[float] = []

    async def pilot(pilot: Any) -> None:
        phases["first-frame"] = time.monotonic()  # the autopilot starts after the first frame
        deadline = time.monotonic() + GIVE_UP_S
        while not full(app):
            if "services" not in phases and getattr(getattr(app, "services", None), "ready", False):
                phases["services"] = time.monotonic()
            if time.monotonic() > deadline:
                app.exit(return_code=2)
                return
            await asyncio.sleep(0.002)
        drawn = asyncio.get_running_loop().create_future()
        # Rows added since the last frame are drawn by the next refresh: wait for it.
        app.call_after_refresh(lambda: drawn.done() or drawn.set_result(time.monotonic()))
        app.refresh()
        stamps.append(await drawn)
        # How long a full garbage collection stalls this app's loop now that it is up.
        started = time.perf_counter()
        gc.collect()
        phases["gc-ms"] = (time.perf_counter() - started) * 1000.0
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=pilot)
    if not stamps:
        print(f"{mode}: no full frame within {GIVE_UP_S:.0f} s (return code {app.return_code})", file=sys.stderr)
        return 1
    for name, stamp in phases.items():
        print(f"PHASE {name} {stamp:.6f}" if name != "gc-ms" else f"GC {stamp:.3f}")
    print(f"FRAME {stamps[0]:.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
