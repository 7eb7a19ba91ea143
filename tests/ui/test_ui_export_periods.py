"""Export period presets: a common range in a few keys, computed for the operator's today."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, Select

from tests.support.sample import app_for
from tests.support.ui import settle
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens.export import ExportDialog, period_dates

NARROW = (80, 24)
TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("today", (date(2026, 3, 15), date(2026, 3, 15))),
        ("7d", (date(2026, 3, 9), date(2026, 3, 15))),
        ("30d", (date(2026, 2, 14), date(2026, 3, 15))),
        ("this-month", (date(2026, 3, 1), date(2026, 3, 15))),
        ("last-month", (date(2026, 2, 1), date(2026, 2, 28))),
        ("all", (date(1970, 1, 1), date(2026, 3, 15))),
        ("", None),
        ("custom", None),
    ],
)
def test_period_dates(period, expected) -> None:
    assert period_dates(period, TODAY) == expected


def test_last_month_in_january_is_december() -> None:
    assert period_dates("last-month", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


@pytest.mark.slow
async def test_e_2_ctrl_s_exports_the_last_7_days_in_three_keys(services) -> None:
    app = app_for(services)
    export_dir = services.settings.resolved_export_dir
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#dataset", Select).value = "activity-trends"
        await pilot.press("2")  # Last 7 days (the focus is on a list, not in a text field)
        await pilot.pause()
        assert dialog.query_one("#start", Input).value == "2026-01-09"
        assert dialog.query_one("#end", Input).value == "2026-01-15"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        files = sorted(p for p in export_dir.iterdir() if p.suffix == ".csv")
        days = [line.split(",")[0] for line in files[0].read_text().splitlines()[1:]]
        assert days[0] == "2026-01-09" and days[-1] == "2026-01-15"


@pytest.mark.slow
async def test_typing_a_date_makes_the_period_custom(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("e", "3")  # last 30 days
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#period", Select).value == "30d"
        dialog.query_one("#start", Input).focus()
        await pilot.press("backspace")
        await pilot.pause()
        assert dialog.query_one("#period", Select).value == "custom"
