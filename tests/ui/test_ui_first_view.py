"""The first frame is a full frame: the panes from the last known view while the services open."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from rich.console import RenderableType
from textual.screen import Screen
from textual.widgets import DataTable

from tests.support.ui import cell, settle, static_text, until
from tui_analytics.config.settings import Settings
from tui_analytics.data.state.last_view import read_last_view
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.ui import build_app
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.ui.widgets.analytics_pane import AnalyticsPane
from tui_analytics.wiring import Services

WIDE = (160, 50)


async def _ran_before(settings: Settings, clock: FrozenClock) -> None:
    """What a data directory holds once a dashboard or `serve` has scheduled there: one job run."""
    root = Services(settings, clock=clock, processor_options={"warm_on_start": False, "probe_loop_lag": False})
    await asyncio.to_thread(root.open)
    root.start(follow=False)
    root.channel.tell(background=False)
    await root.processor.trigger_job("top-items")
    await asyncio.to_thread(root.channel.flush)
    root.stop(interrupt=True)


async def test_the_panes_show_the_last_known_view_until_the_services_are_open(settings, frozen_clock, monkeypatch):
    await _ran_before(settings, frozen_clock)
    frozen_clock.advance(30)
    opening = threading.Event()
    release = threading.Event()
    real_open = DashboardServices.open

    def slow_open(self: DashboardServices, *args: Any, **kwargs: Any) -> None:
        opening.set()
        release.wait(30)
        real_open(self, *args, **kwargs)

    monkeypatch.setattr(DashboardServices, "open", slow_open)
    app = build_app(settings, clock=frozen_clock, start_scheduler=False, last_view=read_last_view(settings.resolved_state_url))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, opening.is_set)
        screen = app.screen
        assert not app.services.ready
        jobs = screen.query_one("#jobs-table", DataTable)
        assert jobs.row_count == 6
        assert cell(jobs, "top-items", "status").endswith("completed")
        assert "top-items:10" in screen.query_one("#analytics", AnalyticsPane).shown_keys
        assert screen.query_one("#templates-table", DataTable).row_count == 4
        runs = [str(c) for c in screen.query_one("#metrics-table", DataTable).get_row_at(0)]
        assert runs[0] == "Runs" and runs[1].startswith("1 ✓")
        activity = static_text(screen.query_one("#activity-label"))
        assert activity.startswith("Opening the database… showing the last known state (")
        release.set()
        await until(pilot, lambda: app.services.ready)
        await settle(pilot)
        assert not screen.query_one("#activity").display
        assert cell(screen.query_one("#jobs-table"), "top-items", "status").endswith("completed")


async def test_without_a_last_view_the_panes_wait_as_before(settings, frozen_clock, monkeypatch):
    release = threading.Event()
    real_open = DashboardServices.open
    monkeypatch.setattr(DashboardServices, "open", lambda self, *a, **k: (release.wait(30), real_open(self, *a, **k)))
    app = build_app(settings, clock=frozen_clock, start_scheduler=False, last_view=read_last_view(settings.resolved_state_url))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#jobs-table", DataTable).row_count == 0
        assert static_text(app.screen.query_one("#activity-label")) == "Opening the database…"
        release.set()
        await until(pilot, lambda: app.services.ready)


async def test_after_the_first_frame_the_hook_runs_once_and_the_jobs_table_takes_the_focus(settings, frozen_clock):
    """The CLI turns the garbage collector back on there (runtime/collector.py); focusing the Jobs
    table waits for that frame too, since its restyle would delay it."""
    await _ran_before(settings, frozen_clock)
    seen: list[tuple[int, object]] = []  # (frames drawn before, what had the focus) at each call
    app = build_app(
        settings,
        clock=frozen_clock,
        start_scheduler=False,
        last_view=read_last_view(settings.resolved_state_url),
        after_first_frame=lambda: seen.append((len(frames), app.screen.focused)),
    )
    frames: list[tuple[bool, int]] = []  # each frame handed to the driver: Jobs focused, Jobs rows
    display = app._display

    def displayed(screen: Screen[Any], renderable: RenderableType | None) -> None:
        display(screen, renderable)
        focused = screen.focused is not None and screen.focused.id == "jobs-table"
        frames.append((focused, screen.query_one("#jobs-table", DataTable).row_count))

    app._display = displayed  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.screen.focused is not None)
        await settle(pilot)
        assert len(seen) == 1 and seen[0][0] >= 1
        assert frames[0] == (False, 6)  # a full frame, drawn before the focus moved
        assert frames[-1] == (True, 6)
