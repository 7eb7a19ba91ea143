"""Texts that said the wrong thing or were cut: each as the operator sees it."""

from __future__ import annotations

import io
from datetime import timezone

import pytest
from rich.console import Console
from textual.app import App, ComposeResult

from tests.support.sample import app_for
from tests.support.ui import notes, settle, static_text
from tui_analytics.ui import format as fmt
from tui_analytics.ui.screens.confirm import ConfirmDialog
from tui_analytics.ui.screens.help import help_table
from tui_analytics.ui.screens.invalidate import InvalidateDialog
from tui_analytics.ui.widgets import ReportsPane

pytestmark = pytest.mark.slow  # Pilot

NARROW = (80, 24)
WIDE = (160, 50)


def rendered(renderable, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def test_templates_say_loading_until_they_are_read() -> None:
    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield ReportsPane(tz=timezone.utc)

    app = Bare()
    async with app.run_test(size=WIDE):
        text = static_text(app.query_one("#templates-empty"))
        assert "Loading" in text and "No report templates yet" not in text


async def test_after_a_cache_clear_the_analytics_pane_says_it_was_cleared(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        summary = static_text(app.screen.query_one("#summary"))
        assert "Cache empty: the next job runs refill it" in summary and "Waiting for the first" not in summary


async def test_ctrl_c_says_how_to_quit_without_raw_markup(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert ("information", "Do you want to quit?", "Press q to quit the dashboard.") in notes(app)
        assert not any("[b]" in n[2] for n in notes(app))


def test_help_group_titles_are_whole_at_the_help_width() -> None:
    text = rendered(help_table(), 80)
    for title in ("Jobs and cache", "Export and reports", "Moving around", "In dialogs"):
        assert title in text


async def test_the_invalidate_hint_keeps_its_example_whole_at_80x24(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InvalidateDialog)
        hint = app.screen.query_one("#pattern-hint")
        lines = str(hint.render()).splitlines()
        assert "For example: user-growth*" in lines
        assert max(len(line) for line in lines) <= hint.content_region.width


def test_counts_are_singular_for_one() -> None:
    assert fmt.plural(1, "run") == "1 run"
    assert fmt.plural(2, "report") == "2 reports"
    assert fmt.plural(1200, "run") == "1,200 runs"


async def test_help_says_where_the_log_is(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        log_line = static_text(app.screen.query_one("#help-log"))
        assert services.settings.dashboard_log == services.settings.data_dir / "dashboard.log"
        assert f"Log: {app.services.display_path(services.settings.dashboard_log)} (rotated" in log_line
