"""The dashboard's dialogs (export, template editor, delete, generate, help, palette), driven with Pilot.

The services run on the demo database of the `settings` fixture with a frozen
clock, without a scheduler.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from tests.support.sample import app_for
from tests.support.ui import cell, current_screen, notes, settle, static_text, until
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens import ConfirmDialog, ExportDialog, HelpScreen, TemplateDialog

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot, seconds per test

WIDE = (160, 50)
NARROW = (80, 24)


async def test_e_refuses_a_reversed_date_range_then_exports_a_good_one(services) -> None:
    app = app_for(services)
    export_dir = services.settings.resolved_export_dir
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#dataset", Select).value = "activity-trends"
        dialog.query_one("#start", Input).focus()
        await pilot.press(*"2026-01-10")
        dialog.query_one("#end", Input).focus()
        await pilot.press(*"2026-01-01", "enter")
        await pilot.pause()
        assert app.screen is dialog  # not dismissed
        assert "must be before" in static_text(dialog.query_one("#error"))
        assert not export_dir.exists() or not any(export_dir.iterdir())
        dialog.query_one("#end", Input).value = ""
        await pilot.press(*"2026-01-14", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        files = sorted(p for p in export_dir.iterdir() if p.suffix == ".csv")
        assert len(files) == 1
        lines = files[0].read_text().splitlines()
        assert lines[0] == "date,activities,activeUsers"
        days = [line.split(",")[0] for line in lines[1:]]
        assert days[0] == "2026-01-10" and days[-1] == "2026-01-14" and len(days) == 5
        saved = [n for n in notes(app) if n[1] == "Export saved"]
        assert saved and str(files[0]) in saved[0][2]


async def test_e_with_a_typed_name_and_gzip_and_escape_does_nothing(services) -> None:
    app = app_for(services)
    export_dir = services.settings.resolved_export_dir
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e", "escape")
        assert isinstance(app.screen, MainScreen)
        assert not export_dir.exists()
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#dataset", Select).value = "recent-activity"
        dialog.query_one("#gzip", Checkbox).value = True
        dialog.query_one("#name", Input).focus()
        await pilot.press(*"../out")
        await pilot.pause()
        assert "path" in static_text(dialog.query_one("#error"))
        dialog.query_one("#name", Input).value = ""
        await pilot.press(*"latest", "enter")
        await settle(pilot)
        path = export_dir / "latest.csv.gz"
        assert path.is_file()
        assert not app.screen.query_one("#activity").display  # progress gone once the export is done
        import gzip

        rows = gzip.decompress(path.read_bytes()).decode().splitlines()
        assert rows[0].startswith("timestamp,userId") and len(rows) == 20_001  # every row, streamed


async def _open_new_template(pilot) -> TemplateDialog:
    await pilot.press("4", "n")
    dialog = pilot.app.screen
    assert isinstance(dialog, TemplateDialog)
    return dialog


async def test_n_refuses_a_bad_cron_then_creates_the_template(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        dialog = await _open_new_template(pilot)
        await pilot.press(*"Ops digest")
        dialog.query_one("#schedule", Select).value = "custom"
        dialog.query_one("#cron", Input).focus()
        await pilot.press(*"61 * * * *")
        await pilot.pause()
        assert "minute value 61 is out of range" in static_text(dialog.query_one("#error"))
        assert "none until the schedule is valid" in static_text(dialog.query_one("#preview"))
        await pilot.press("enter")
        assert app.screen is dialog
        assert len(services.reports.get_report_templates()) == 4
        dialog.query_one("#cron", Input).value = ""
        await pilot.press(*"30 7 * * 1-5")
        await pilot.pause()
        preview = static_text(dialog.query_one("#preview"))
        assert "At 07:30, Monday through Friday" in preview
        assert "Fri 2026-01-16 07:30" in preview and "Thu 2026-01-22 07:30" in preview  # next five, no weekend
        assert static_text(dialog.query_one("#error")) == ""
        dialog.query_one("#recipients", Input).focus()
        await pilot.press(*"ops@example.com", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        created = [t for t in services.reports.get_report_templates() if t.name == "Ops digest"]
        assert len(created) == 1
        assert created[0].cron == "30 7 * * 1-5" and created[0].recipients == ["ops@example.com"]
        assert any(n[1] == "Template saved" for n in notes(app))
        assert created[0].id in [str(k.value) for k in app.screen.query_one("#templates-table", DataTable).rows]


async def test_enter_edits_the_selected_template(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4", "down", "enter")  # weekly-user-growth
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        assert dialog.query_one("#name", Input).value == "Weekly User Growth Report"
        dialog.query_one("#recipients", Input).focus()
        await pilot.press(*"not-an-address")
        await pilot.pause()
        assert "invalid e-mail address" in static_text(dialog.query_one("#error"))
        await pilot.press("enter")
        assert app.screen is dialog
        dialog.query_one("#recipients", Input).value = ""
        await pilot.press(*"a@example.com, b@example.com")
        dialog.query_one("#cron", Input).focus()
        await pilot.press(*"0 8 * * 1", "enter")
        await settle(pilot)
        template = services.reports.get_report_template("weekly-user-growth")
        assert template.recipients == ["a@example.com", "b@example.com"]
        assert template.effective_cron == "0 8 * * 1"
        assert template.next_generation == datetime.fromisoformat("2026-01-19T08:00:00+00:00")


async def test_d_deletes_the_selected_template_after_asking(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4", "d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert len(services.reports.get_report_templates()) == 4
        await pilot.press("d", "y")
        await settle(pilot)
        ids = [t.id for t in services.reports.get_report_templates()]
        assert "daily-activity-summary" not in ids and len(ids) == 3
        assert ("information", "Template deleted", "Deleted Daily Activity Summary.") in notes(app)
        assert app.screen.query_one("#templates-table", DataTable).row_count == 3


async def test_g_generates_the_selected_report_now(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#history-empty").display
        await pilot.press("4", "down", "g")
        await settle(pilot)
        history = services.reports.get_scheduled_reports()
        assert len(history) == 1 and history[0].status == "completed"
        assert history[0].template_id == "weekly-user-growth" and history[0].trigger == "manual"
        assert Path(history[0].path).is_file()
        done = [n for n in notes(app) if n[1] == "Weekly User Growth Report generated"]
        assert done and history[0].path in done[0][2]
        table = app.screen.query_one("#history-table", DataTable)
        assert table.display and table.row_count == 1
        assert "✓ completed" in cell(table, str(history[0].id), "status")


async def test_help_lists_every_key_and_the_palette_runs_them(services) -> None:
    from tui_analytics.ui.keys import BINDINGS, key_label, palette_bindings

    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.screen.query_one("#help-keys", Static).content)
        lines = console.export_text().splitlines()
        text = " ".join(" ".join(lines).split())
        for binding in BINDINGS:
            assert binding.tooltip.split("(")[0].strip()[:30] in text
            assert any(line.split()[:1] == [key_label(binding)] for line in lines), key_label(binding)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Export", "enter")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert {b.id for b in palette_bindings()} >= {
            "trigger",
            "clear-cache",
            "invalidate",
            "pause",
            "export",
            "new-template",
            "edit-template",
            "delete-template",
            "generate",
            "help",
            "quit",
        }


async def test_escape_leaves_every_form_without_side_effects(services) -> None:
    app = app_for(services)
    export_dir = services.settings.resolved_export_dir
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        before = [(t.id, t.name, t.recipients) for t in services.reports.get_report_templates()]
        cached = len(services.processor.cache)  # the warm-up's datasets: none removed by an escape
        assert cached >= 6
        await pilot.press("4", "n", *"Half typed", "escape", "y")  # escape asks before discarding
        await pilot.press("enter")
        assert isinstance(app.screen, TemplateDialog)  # enter on the table opens the editor...
        await pilot.press(*" changed", "escape", "y")  # ...and escape, confirmed, drops the edit
        await pilot.press("e", "escape", "d", "escape", "c", "escape", "i", "escape", "question_mark", "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert [(t.id, t.name, t.recipients) for t in services.reports.get_report_templates()] == before
        assert len(services.processor.cache) == cached and not export_dir.exists()


async def test_a_berlin_template_reads_the_same_time_with_its_zone_everywhere(services) -> None:
    # The dashboard's zone is UTC; the template's is Berlin: 06:30 CET is 05:30 UTC.
    services.reports.create_report_template(name="Ops weekday", cron="30 6 * * 1-5", timezone="Europe/Berlin")
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#templates-table")
        template = next(t for t in services.reports.get_report_templates() if t.name == "Ops weekday")
        assert cell(table, template.id, "next") == "Jan 16 06:30 CET"
        await pilot.press("4", *["down"] * 4)
        await pilot.pause()
        detail = static_text(app.screen.query_one("#template-detail"))
        assert "At 06:30, Monday through Friday (30 6 * * 1-5) · next Jan 16 06:30 CET (05:30 UTC)" in detail
        history = app.screen.query_one("#history-table")
        await pilot.press("g")
        await settle(pilot)
        run = services.reports.get_scheduled_reports()[0]
        assert cell(history, str(run.id), "when") == "12:00 UTC"  # the run's time, in the dashboard's zone
        await pilot.press("enter")
        await settle(pilot, rounds=1)
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        preview = static_text(dialog.query_one("#preview"))
        assert "Next: Fri 2026-01-16 06:30 CET (05:30 UTC), Mon 2026-01-19 06:30 CET (05:30 UTC)" in preview
        assert "Note:" not in preview


async def test_the_editor_warns_when_the_schedule_and_its_cron_disagree(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        dialog = await _open_new_template(pilot)
        dialog.query_one("#cron", Input).value = "0 9 * * *"  # the schedule says weekly
        await pilot.pause()
        preview = static_text(dialog.query_one("#preview"))
        assert "Note: a weekly report covers the previous week, but this cron runs: At 09:00, every day" in preview
        dialog.query_one("#cron", Input).value = "0 9 * * 3-3"
        await pilot.pause()
        assert "Note:" not in static_text(dialog.query_one("#preview"))


async def test_escape_in_the_template_editor_asks_before_discarding_what_was_typed(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        dialog = await _open_new_template(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        dialog = await _open_new_template(pilot)
        await pilot.press(*"Ops digest", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing: the text is still there
        await pilot.pause()
        assert current_screen(app) is dialog and dialog.query_one("#name", Input).value == "Ops digest"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert len(services.reports.get_report_templates()) == 4  # nothing saved
