"""The one-second tick repaints only what changed (operators on SSH pay for every byte).

A frozen clock is moved by one second and the app's tick is run: the tables must not
be rebuilt or repainted whole, only the cells whose text changed; a tick with the
clock standing still must repaint nothing at all. The byte figures themselves are
measured by the benchmark (benchmarks/output_cases.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Static

from tests.support.sample import app_for
from tests.support.ui import cell, settle
from tui_analytics.ui.widgets.table import StyledTable

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)


class Repaints:
    """Counts, per widget id, whole-widget repaints, rows added and tables cleared."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole: list[str] = []
        self.rows_added: list[str] = []
        self.cleared: list[str] = []
        refresh, add_row, clear = Widget.refresh, StyledTable.add_row, StyledTable.clear

        def counting_refresh(widget: Widget, *regions: Any, **options: Any) -> Any:
            if not regions and isinstance(widget, (StyledTable, Static)):
                self.whole.append(widget.id or type(widget).__name__)
            return refresh(widget, *regions, **options)

        def counting_add_row(table: StyledTable, *cells: Any, **options: Any) -> Any:
            self.rows_added.append(table.id or "")
            return add_row(table, *cells, **options)

        def counting_clear(table: StyledTable, *args: Any, **options: Any) -> Any:
            self.cleared.append(table.id or "")
            return clear(table, *args, **options)

        monkeypatch.setattr(Widget, "refresh", counting_refresh)
        monkeypatch.setattr(StyledTable, "add_row", counting_add_row)
        monkeypatch.setattr(StyledTable, "clear", counting_clear)


async def test_a_tick_repaints_only_the_cells_whose_text_changed(services, monkeypatch) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        # As the running scheduler would report them: every job due in 90 s (no scheduler runs here).
        now = services.clock.now()
        statuses = [replace(job, next_run=now + timedelta(seconds=90)) for job in services.job_statuses()]
        app.main_screen.jobs.show_jobs(statuses, now)
        await settle(pilot)
        jobs = app.main_screen.query_one("#jobs-table", StyledTable)
        assert cell(jobs, "user-growth", "next") == "in 1m 30s"
        before = {job: cell(jobs, job, "next") for job in ("user-growth", "cache-cleanup")}
        seen = Repaints(monkeypatch)
        app._tick()  # the clock stands still: nothing shown changes
        assert (seen.whole, seen.rows_added, seen.cleared) == ([], [], [])

        services.clock.advance(1)
        app._tick()
        assert seen.rows_added == [] and seen.cleared == []  # no table rebuilt
        tables = {w for w in seen.whole if w.endswith("-table")}
        assert tables == set(), f"tables repainted whole on a tick: {tables}"
        # The countdowns did move, cell by cell; the header clock is the only other change.
        assert {job: cell(jobs, job, "next") for job in before} != before
        assert set(seen.whole) <= {"clock", "growth-title", "activity-title", "top-title", "recent-title", "template-detail"}


async def test_recent_activity_fits_its_pane_when_ages_run_to_hundreds_of_days(services) -> None:
    """A horizontal scrollbar under the table was the one line repainted on every layout pass."""
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        entries = services.cache_entries()  # as cached now, shown 400 days on (the cache would expire them)
        # The clock moves too: the second's tick redraws the ages from the clock, and must agree.
        services.clock.advance(timedelta(days=400))
        app.main_screen.analytics.show(entries, services.clock.now())
        await settle(pilot)
        app._tick()  # what the once-a-second timer does, whenever it comes
        await settle(pilot)
        table = app.main_screen.query_one("#recent-table", StyledTable)
        assert cell(table, "0", "age").endswith("d") and len(cell(table, "0", "age")) == 4  # e.g. 400d
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert not table.show_horizontal_scrollbar


async def test_the_metrics_age_moves_with_the_tick_and_repaints_its_cell_alone(services, monkeypatch) -> None:
    """ "Measured 4s ago" stayed at 4s until the next measurement (the performance job runs every 30 s)."""
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = app.main_screen.query_one("#metrics-table", StyledTable)

        def measured() -> str:
            rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
            return next(value for name, value in rows if name == "Measured")

        before = measured()
        assert before.endswith(" ago"), before  # the sample services have measured once
        seen = Repaints(monkeypatch)
        services.clock.advance(75)
        app._tick()
        assert measured() != before and measured().startswith("1m ")  # 75 s later than it said
        assert "metrics-table" not in seen.whole and seen.rows_added == []  # one cell, not the table
