"""Screenshots of the dashboard over fixed data, compared with the accepted SVGs.

Every app here is `sample_app`: the seed-7 demo database, a frozen clock, fixed
job history and performance figures, no scheduler, no cursor blink, and an
explicit terminal size, so a run draws the same screen every time. Update with
`pytest tests/test_ui_snapshots.py --snapshot-update` only after looking at the
report (snapshot_report.html).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Select

from tests.test_ui_support import settle
from tui_analytics.ui.sample import generate_sample_reports, sample_app

SMALL = (80, 24)
MEDIUM = (120, 40)
LARGE = (160, 50)
HUGE = (200, 60)


async def with_reports(pilot: Any) -> None:
    await generate_sample_reports(pilot.app.services)
    await settle(pilot)


async def just_settle(pilot: Any) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, LARGE, HUGE], ids=["80x24", "160x50", "200x60"])
def test_main_screen(snap_compare, settings, size) -> None:
    assert snap_compare(sample_app(settings), terminal_size=size, run_before=with_reports)


def test_failed_job_small(snap_compare, settings) -> None:
    """top-items failed: ✗ in the table, the error under it, the metrics count it."""
    assert snap_compare(sample_app(settings, failed_job=True), terminal_size=SMALL, press=["down", "down"],
                        run_before=just_settle)


def test_failed_job_medium(snap_compare, settings) -> None:
    """The grid at 120x40: the error column and the stale mark on Top items."""
    assert snap_compare(sample_app(settings, failed_job=True), terminal_size=MEDIUM, run_before=just_settle)


def test_metrics_pane_small(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["2"], run_before=just_settle)


def test_analytics_pane_small(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["3"], run_before=just_settle)


def test_reports_pane_small(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["4"], run_before=with_reports)


def test_reports_empty_small(snap_compare, settings) -> None:
    """No report generated yet: the history says which key makes one."""
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["4"], run_before=just_settle)


def test_help_screen(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["question_mark"], run_before=just_settle)


def test_help_screen_large(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=LARGE, press=["question_mark"], run_before=just_settle)


def test_export_dialog(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["e"], run_before=just_settle)


def test_export_dialog_bad_range(snap_compare, settings) -> None:
    async def bad_range(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("e")
        dialog = pilot.app.screen
        dialog.query_one("#dataset", Select).value = "top-items"
        dialog.query_one("#start", Input).value = "2026-01-10"
        dialog.query_one("#end", Input).value = "2026-01-01"
        dialog.query_one("#end", Input).focus()
        await pilot.pause()

    assert snap_compare(sample_app(settings), terminal_size=SMALL, run_before=bad_range)


def test_template_dialog_new(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["4", "n"], run_before=just_settle)


def test_template_dialog_edit_bad_cron(snap_compare, settings) -> None:
    async def bad_cron(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("4", "down", "enter")
        dialog = pilot.app.screen
        dialog.query_one("#schedule", Select).value = "custom"
        dialog.query_one("#cron", Input).value = "0 25 * * *"
        dialog.query_one("#cron", Input).focus()
        await pilot.pause()

    assert snap_compare(sample_app(settings), terminal_size=SMALL, run_before=bad_cron)


def test_template_dialog_custom_cron_preview(snap_compare, settings) -> None:
    async def good_cron(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("4", "n")
        dialog = pilot.app.screen
        dialog.query_one("#name", Input).value = "Weekday digest"
        dialog.query_one("#schedule", Select).value = "custom"
        dialog.query_one("#cron", Input).value = "30 7 * * 1-5"
        dialog.query_one("#timezone", Input).value = "Europe/Berlin"
        dialog.query_one("#recipients", Input).value = "ops@example.com"
        await pilot.pause()

    assert snap_compare(sample_app(settings), terminal_size=LARGE, run_before=good_cron)


def test_invalidate_dialog(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["down", "i"], run_before=just_settle)


def test_confirm_clear_dialog(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["c"], run_before=just_settle)


def test_confirm_delete_dialog(snap_compare, settings) -> None:
    assert snap_compare(sample_app(settings), terminal_size=SMALL, press=["4", "d"], run_before=just_settle)
