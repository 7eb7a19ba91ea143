"""`z` pauses and resumes the selected job, `s` changes its interval, the palette backfills a
template, and the template editor sets skip-empty and the attachment cap; driven with Pilot."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, ProgressBar

from tests.support.sample import app_for, concrete
from tests.support.ui import cell, notes, settle, static_text, until
from tui_analytics.processor import jobsettings
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens.backfill_dialog import BackfillDialog
from tui_analytics.ui.screens.interval import IntervalDialog
from tui_analytics.ui.screens.template import TemplateDialog

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)
NARROW = (80, 24)


def stored(services: DashboardServices) -> dict[str, jobsettings.JobSetting]:
    return jobsettings.load(concrete(services).processor.state_engine)


async def test_z_pauses_the_selected_job_and_z_again_resumes_it(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # top-items
        await pilot.press("z")
        await settle(pilot)
        assert stored(services) == {"top-items": jobsettings.JobSetting(paused=True)}
        table = app.screen.query_one("#jobs-table")
        assert "paused" in cell(table, "top-items", "next")
        assert "paused (z resumes)" in static_text(app.screen.query_one("#job-detail"))
        assert any(n[1] == "Job paused" and "t still runs it" in n[2] for n in notes(app))
        await pilot.press("t")  # a manual run still happens
        await settle(pilot)
        assert concrete(services).processor.get_job_status("top-items").runs >= 1
        await pilot.press("z")
        await settle(pilot)
        assert stored(services) == {}
        assert "paused" not in cell(table, "top-items", "next")
        assert any(n[1] == "Job resumed" for n in notes(app))


async def test_z_typed_on_another_tab_shows_the_jobs_pane_first(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4", "z")  # on the Reports tab: the Jobs pane comes to the front, then acts
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.screen.active_pane == "jobs"
        assert stored(services) == {"user-growth": jobsettings.JobSetting(paused=True)}


async def test_s_changes_the_interval_checking_it_as_typed(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, IntervalDialog)
        field = dialog.query_one("#interval", Input)
        assert field.value == "10m"  # user-growth's configured interval
        field.value = ""
        await pilot.press(*"5 minutes", "enter")
        await pilot.pause()
        assert app.screen is dialog and "not a length of time" in static_text(dialog.query_one("#error"))
        field.value = ""
        await pilot.press(*"40d", "enter")
        await pilot.pause()
        assert app.screen is dialog and "out of range" in static_text(dialog.query_one("#error"))
        field.value = ""
        await pilot.press(*"1h30m", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert stored(services) == {"user-growth": jobsettings.JobSetting(interval_s=5400.0)}
        assert concrete(services).processor.get_job_status("user-growth").interval_s == 5400
        assert "every 1h 30m" in static_text(app.screen.query_one("#job-detail"))
        assert any(n[1] == "Interval changed" for n in notes(app))
        await pilot.press("s")
        await pilot.press("escape")  # escape changes nothing
        assert isinstance(app.screen, MainScreen) and stored(services)["user-growth"].interval_s == 5400
        await pilot.press("s")
        app.screen.query_one("#interval", Input).value = ""
        await pilot.press(*"default", "enter")
        await settle(pilot)
        assert stored(services) == {}


async def open_backfill(pilot: Pilot[Any], words: str) -> BackfillDialog:
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*words)
    commands = app.screen.query_one(CommandList)
    await until(pilot, lambda: commands.option_count > 0)
    await pilot.pause(0.3)  # every provider has answered
    assert str(commands.get_option_at_index(0).prompt).startswith("Backfill Daily Activity Summary")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, BackfillDialog))
    dialog = app.screen
    assert isinstance(dialog, BackfillDialog)
    return dialog


async def test_backfill_from_the_palette_makes_a_report_per_day_with_progress(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        dialog = await open_backfill(pilot, "backfill daily")
        start, end = dialog.query_one("#start", Input), dialog.query_one("#end", Input)
        assert (start.value, end.value) == ("2026-01-08", "2026-01-14")  # the last seven days by default
        start.value = "2026-01-10"
        end.value = "2026-01-01"
        await pilot.pause()
        assert "is after To" in static_text(dialog.query_one("#error"))
        await pilot.press("enter")
        assert app.screen is dialog
        start.value, end.value = "2026-01-01", "2026-01-20"
        await pilot.pause()
        assert static_text(dialog.query_one("#plan")).startswith("14 daily periods")
        assert "6 not over yet, left out" in static_text(dialog.query_one("#plan"))
        end.value = "2026-01-10"
        await pilot.pause()
        assert static_text(dialog.query_one("#plan")).startswith("10 daily periods")
        shown: list[str] = []
        strip = app.main_screen.query_one("#activity")
        original = app.main_screen.show_activity

        def spy(message: str, done: int | None = None, total: int | None = None) -> None:
            shown.append(message)
            original(message, done, total)

        app.main_screen.show_activity = spy  # type: ignore[method-assign]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        history = services.reports.get_scheduled_reports()
        assert [(h.trigger, h.status) for h in history] == [("backfill", "completed")] * 10
        assert "Backfilling Daily Activity Summary: 1/10 2026-01-01 completed" in shown
        assert shown[-1].endswith("10/10 2026-01-10 completed") and not strip.display
        bar = app.main_screen.query_one("#activity-progress", ProgressBar)  # mounted by the first total
        assert (bar.total, bar.progress) == (10, 10)
        assert any(n[1] == "Daily Activity Summary backfilled" and n[2].startswith("10 periods: 10 made") for n in notes(app))
        assert app.screen.query_one("#history-table", DataTable).row_count == 10


async def test_the_editor_sets_skip_empty_and_the_attachment_cap(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")  # edit daily-activity-summary
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        cap = dialog.query_one("#max_attachment_mb", Input)
        assert cap.value == "" and not dialog.query_one("#skip_empty", Checkbox).value
        cap.focus()
        await pilot.press(*"0")
        await pilot.pause()
        assert "max_attachment_mb must be a number" in static_text(dialog.query_one("#error"))
        await pilot.press("enter")
        assert app.screen is dialog
        cap.value = ""
        await pilot.press(*"2.5")
        dialog.query_one("#skip_empty", Checkbox).value = True
        cap.focus()
        await pilot.press("enter")
        await settle(pilot)
        template = services.reports.get_report_template("daily-activity-summary")
        assert (template.skip_empty, template.max_attachment_mb) == (True, 2.5)
        detail = static_text(app.screen.query_one("#template-detail"))
        assert "empty periods skipped" in detail and "attached up to 2.5 MB" in detail
        await pilot.press("enter")  # reopened: the values are there
        reopened = app.screen
        assert isinstance(reopened, TemplateDialog)
        assert reopened.query_one("#max_attachment_mb", Input).value == "2.5"
        assert reopened.query_one("#skip_empty", Checkbox).value
