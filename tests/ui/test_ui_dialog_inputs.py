"""Typing into a dialog never ends the dashboard: bad input is one line in the dialog.

Each case here once killed the app: a time zone that names a directory of the zone
database or is too long for a file name (the template editor), a size that
`str.isdigit()` accepts but `int()` refuses, and the last day of the calendar as
the (inclusive) end of an export.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from tests.support.sample import app_for
from tests.support.ui import settle, static_text
from tui_analytics.reports.validation import validate_field
from tui_analytics.runtime.errors import ExportOptionsError, TemplateValidationError
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens import ExportDialog, TemplateDialog
from tui_analytics.ui.screens.export import build_request

WIDE = (160, 50)


@pytest.mark.parametrize("zone", ["Europe", "America", "Etc", "x" * 5000, "Europe/" + "y" * 300])
def test_a_zone_the_database_cannot_open_is_an_unknown_time_zone(zone: str) -> None:
    with pytest.raises(TemplateValidationError) as caught:
        validate_field("timezone", zone)
    message = str(caught.value)
    assert message.startswith("unknown time zone") and len(message) < 200 and "\n" not in message


@pytest.mark.parametrize(
    ("start", "end", "size", "expected"),
    [
        ("", "", "²", "size must be a whole number"),
        ("", "", "١٢", "size must be a whole number"),  # Arabic-Indic digits: int() reads 12
        ("", "", "9" * 5000, "size must be a whole number"),  # int() refuses over 4,300 digits
        ("2026-01-01", "9999-12-31", "", "out of range"),
        ("9999-12-31", "9999-12-31", "", "out of range"),
    ],
)
def test_export_form_values_out_of_range_are_one_line(start: str, end: str, size: str, expected: str) -> None:
    with pytest.raises(ExportOptionsError) as caught:
        build_request("activity-trends", "csv", start, end, size, "", True, False)
    message = str(caught.value)
    assert expected in message and len(message) < 200


@pytest.mark.slow
async def test_the_template_editor_says_unknown_time_zone_and_stays_open(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("4", "n")
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        await pilot.press(*"Zone test")
        dialog.query_one("#timezone", Input).focus()
        await pilot.press(*"Europe")  # each prefix is checked as typed: E, Eu, ..., Europe (a directory)
        await pilot.pause()
        assert app.is_running and app.screen is dialog
        assert "unknown time zone 'Europe'" in static_text(dialog.query_one("#error"))
        assert "none until the schedule is valid" in static_text(dialog.query_one("#preview"))
        dialog.query_one("#timezone", Input).value = "z" * 5000
        await pilot.pause()
        error = static_text(dialog.query_one("#error"))
        assert app.is_running and error.startswith("unknown time zone") and len(error) < 200
        await pilot.press("enter")  # refused: nothing saved
        assert app.screen is dialog
        assert "Zone test" not in [t.name for t in services.reports.get_report_templates()]
        dialog.query_one("#timezone", Input).value = "Europe/Berlin"
        await pilot.pause()
        assert static_text(dialog.query_one("#error")) == ""
        assert "Europe/Berlin" in static_text(dialog.query_one("#preview"))


@pytest.mark.slow
async def test_the_export_dialog_says_what_is_wrong_with_size_and_end_date(services) -> None:
    app = app_for(services)
    export_dir = services.settings.resolved_export_dir
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#dataset", Select).value = "activity-trends"
        dialog.query_one("#size", Input).focus()
        await pilot.press("²", "enter")
        await pilot.pause()
        assert app.is_running and app.screen is dialog
        assert "size must be a whole number" in static_text(dialog.query_one("#error"))
        dialog.query_one("#size", Input).value = ""
        dialog.query_one("#start", Input).focus()
        await pilot.press(*"2026-01-01")
        dialog.query_one("#end", Input).focus()
        await pilot.press(*"9999-12-31", "enter")
        await pilot.pause()
        assert app.is_running and app.screen is dialog
        assert "out of range" in static_text(dialog.query_one("#error"))
        assert not export_dir.exists() or not any(export_dir.iterdir())
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def test_the_export_form_counts_trends_per_the_unit_chosen() -> None:
    assert build_request("user-growth", "csv", "2026-01-01", "2026-01-10", "", "", True, False, "day").options.by == "day"
    assert build_request("comprehensive", "csv", "", "", "", "", True, False, "week").options.by == "week"
    assert build_request("activity-trends", "csv", "", "", "", "", True, False, "").options.by is None
    assert build_request("top-items", "csv", "", "", "", "", True, False, "day").options.by is None  # Per is off there


@pytest.mark.slow
async def test_the_export_dialog_exports_new_users_per_day(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#by", Select).value = "day"
        await pilot.pause()
        assert dialog.query_one("#size", Input).placeholder == "days (default 12)"
        dialog.query_one("#start", Input).value = "2026-01-01"
        dialog.query_one("#end", Input).value = "2026-01-07"
        await pilot.pause()
        request = dialog._validate()
        assert request is not None and request.dataset == "user-growth" and request.options.by == "day"
        dialog.query_one("#dataset", Select).value = "top-items"
        await pilot.pause()
        assert dialog.query_one("#by", Select).disabled
        await pilot.press("escape")
