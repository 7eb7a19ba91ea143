"""Column widths by content, the report run's path, and no stray scrollbar glyphs (issue 15, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tests.support.sample import FAILED_TOP_ITEMS, app_for, generate_sample_reports, sample_app, sample_services
from tests.support.ui import settle, static_text
from tui_analytics.ui.app import DashboardApp
from tui_analytics.ui.widgets.columns import total

pytestmark = pytest.mark.slow  # Pilot

SIZES = [(80, 24), (120, 40), (160, 50)]
BLOCKS = set("▁▂▃▄▅▆▇█▔▏▕▋▌▍▎▐")


def screen_lines(app: DashboardApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def column_widths(table: DataTable[Any]) -> dict[str, int]:
    return {str(key.value): column.width for key, column in table.columns.items()}


@pytest.mark.parametrize("size", [(160, 50), (200, 60)])
async def test_the_jobs_table_has_no_empty_error_column_and_an_error_takes_the_room_left(settings, size) -> None:
    app = sample_app(settings)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.main_screen.jobs.table
        assert "error" not in column_widths(table)  # no job has an error: no column of blanks
    app = sample_app(settings, failed_job=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.main_screen.jobs.table
        widths = column_widths(table)
        shown = str(table.get_cell("top-items", "error"))
        assert total(widths) <= table.size.width
        if len(FAILED_TOP_ITEMS) + 2 <= table.size.width - total(widths) + widths["error"] + 2:
            assert shown == FAILED_TOP_ITEMS  # room for it all: whole
        else:
            assert shown.endswith("…") and total(widths) >= table.size.width - 1  # cut only at the pane's edge
        assert widths["error"] == len(shown)  # as wide as what it shows, no blank columns after


@pytest.mark.parametrize("size", SIZES)
async def test_analytics_tables_share_the_width_by_what_their_names_need(settings, size) -> None:
    app = sample_app(settings)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot, rounds=2)
        tables = [app.screen.query_one(f"#{name}-table", DataTable) for name in ("top", "recent")]
        room = app.screen.query_one("#tables").size.width - 2  # less the gutter
        used = sum(total(column_widths(t)) for t in tables)
        cut = any(
            str(t.get_cell_at(Coordinate(row, col))).endswith("…")
            for t in tables
            for row in range(t.row_count)
            for col in range(len(t.columns))
        )
        for table in tables:
            assert table.virtual_size.width <= table.size.width  # nothing out of sight sideways
        if cut:  # a name is cut only when the two tables' columns fill the room between them
            assert used >= room - 1, (used, room)
        top = app.screen.query_one("#top-table", DataTable)
        names = {str(top.get_cell_at(Coordinate(row, 1))) for row in range(top.row_count)}
        assert names and all(len(name) >= 6 for name in names)


async def test_both_analytics_tables_show_whole_names_when_there_is_room(settings) -> None:
    app = sample_app(settings)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        for name in ("top", "recent"):
            table = app.screen.query_one(f"#{name}-table", DataTable)
            assert not any(
                str(table.get_cell_at(Coordinate(row, col))).endswith("…")
                for row in range(table.row_count)
                for col in range(len(table.columns))
            )


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_report_run_under_the_history_shows_its_folder_and_whole_file_name(settings, size) -> None:
    services = sample_services(settings, shown_paths=True)
    app = app_for(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await generate_sample_reports(app.services)
        app.refresh_panes("reports")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot, rounds=2)
        run = app.services.reports.get_scheduled_reports(1)[0]
        assert run.filename is not None
        shown = static_text(app.screen.query_one("#history-detail"))
        assert run.filename in shown.replace("\n", "")
        assert f"{services.shown_data_dir}/reports/" in shown
        text = "\n".join(screen_lines(app))
        assert run.filename in text and f"{services.shown_data_dir}/reports/" in text  # on screen, not cut off


async def test_a_table_taller_than_its_pane_draws_no_lone_scrollbar_glyph(settings) -> None:
    app = sample_app(settings)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#recent-table", DataTable)
        assert table.virtual_size.height > table.size.height  # it does scroll
        region = table.region
        lines = screen_lines(app)
        edge = {lines[y][region.right - 1] for y in range(region.y, region.bottom)}
        assert not edge & BLOCKS, edge
        table.focus()
        await pilot.pause()
        for _ in range(table.row_count):
            await pilot.press("down")
        assert table.cursor_row == table.row_count - 1 and table.scroll_y > 0  # still scrolls, by the keys
