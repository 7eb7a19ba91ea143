"""Every key and dialog of the dashboard, driven with Textual's Pilot over real services.

The services run on the demo database of the `settings` fixture with a frozen
clock; the scheduler is not started except where pause/resume needs it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from tests.test_ui_support import GatedRepository, cell, notes, settle, until
from tui_analytics import scheduling
from tui_analytics.ui.sample import FailingRepository, app_for, sample_services
from tui_analytics.ui.screens import ConfirmDialog, ExportDialog, HelpScreen, InvalidateDialog, TemplateDialog
from tui_analytics.ui.screen import MainScreen

WIDE = (160, 50)
NARROW = (80, 24)


def static_text(widget: Static) -> str:
    return str(widget.render())


@pytest.fixture
def services(settings):
    return sample_services(settings, shown_paths=False)


async def test_the_panes_show_jobs_metrics_analytics_and_reports(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        jobs = screen.query_one("#jobs-table")
        assert [str(k.value) for k in jobs.rows] == [
            "user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics", "cache-cleanup"]
        assert "✓ completed" in cell(jobs, "top-items", "status")
        assert screen.query_one("#templates-table").row_count == 4
        assert screen.query_one("#top-table").row_count == 10
        assert screen.query_one("#recent-table").row_count == 20
        metrics = screen.query_one("#metrics-table")
        values = {str(metrics.get_row_at(i)[0]): str(metrics.get_row_at(i)[1]) for i in range(metrics.row_count)}
        assert values["Memory (RSS)"] == "86.4 MiB"
        assert values["Cache hit rate"].startswith("85.7%")
        assert "stopped" in static_text(screen.header.query_one("#scheduler"))


async def test_t_runs_the_selected_job(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        before = services.processor.get_job_status("top-items").runs
        await pilot.press("down", "down")  # top-items
        assert app.screen.jobs.selected_job == "top-items"
        await pilot.press("t")
        await settle(pilot)
        assert services.processor.get_job_status("top-items").runs == before + 1
        assert ("information", "Job finished", "top-items completed in 0 ms.") in notes(app)


async def test_t_on_a_running_job_says_it_was_skipped(settings) -> None:
    gate: list[GatedRepository] = []

    def slow(repository):
        gate.append(GatedRepository(repository, "user_growth"))
        return gate[0]

    services = sample_services(settings, wrap=slow, shown_paths=False)
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")  # user-growth, held in its query
        await until(pilot, gate[0].entered.is_set)
        await pilot.pause(0.1)
        assert "running" in cell(app.screen.query_one("#jobs-table"), "user-growth", "status")
        await pilot.press("t")
        await until(pilot, lambda: any(n[1] == "Skipped" for n in notes(app)))
        gate[0].release.set()
        await settle(pilot)
        assert ("warning", "Skipped", "user-growth skipped: it is already running.") in notes(app)
        status = services.processor.get_job_status("user-growth")
        assert status.skipped_runs == 1 and status.status == "completed"


async def test_a_failing_job_is_notified_and_its_data_marked_stale(settings) -> None:
    failing: list[FailingRepository] = []

    def wrap(repository):
        failing.append(FailingRepository(repository))
        return failing[0]

    services = sample_services(settings, wrap=wrap, shown_paths=False)
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        failing[0].fail["top_items"] = "database is locked"
        await pilot.press("down", "down", "t")
        await settle(pilot)
        errors = [n for n in notes(app) if n[0] == "error"]
        assert errors and errors[0][1] == "Job failed" and "database is locked" in errors[0][2]
        screen = app.screen
        assert "✗ failed" in cell(screen.query_one("#jobs-table"), "top-items", "status")
        assert "STALE" in str(screen.query_one("#top-title").render())
        assert screen.query_one("#top-table").row_count == 10  # the last good value stays on screen
        assert "database is locked" in static_text(screen.query_one("#job-error"))
        # the app keeps running: another job still works
        await pilot.press("up", "t")
        await settle(pilot)
        assert services.processor.get_job_status("activity-trends").status == "completed"


async def test_c_asks_first_and_clears_only_on_yes(services) -> None:
    app = app_for(services)
    cache = services.processor.cache
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert len(cache) == 6
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert len(cache) == 6 and isinstance(app.screen, MainScreen)
        await pilot.press("c")
        await pilot.press("escape")
        assert len(cache) == 6 and isinstance(app.screen, MainScreen)
        await pilot.press("c", "y")
        await settle(pilot)
        assert len(cache) == 0
        assert ("information", "Cache cleared", "Removed 6 cache entries.") in notes(app)
        assert "not loaded yet" in str(app.screen.query_one("#growth-title").render())


async def test_i_lists_matching_keys_live_then_confirms(services) -> None:
    app = app_for(services)
    cache = services.processor.cache
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "i")  # activity-trends selected: the pattern starts as activity-trends*
        dialog = app.screen
        assert isinstance(dialog, InvalidateDialog)
        field = dialog.query_one("#pattern", Input)
        assert field.value == "activity-trends*"
        listing = static_text(dialog.query_one("#matches"))
        assert "3 key(s)" in listing and "activity-trends:summary" in listing
        field.value = ""
        await pilot.press(*"nothing*")
        await pilot.pause()
        assert "No cache key matches" in static_text(dialog.query_one("#matches"))
        await pilot.press("enter")  # nothing to invalidate: the dialog stays
        assert app.screen is dialog
        field.value = ""
        await pilot.press(*"top-*", "enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert cache.keys("top-*") == [] and len(cache) == 5
        assert ("information", "Cache invalidated", "Removed 1 key(s) matching 'top-*'.") in notes(app)
        await pilot.press("i", "escape")
        assert isinstance(app.screen, MainScreen) and len(cache) == 5


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
        dialog.query_one("#dataset", Select).value = "recent-activity"
        dialog.query_one("#gzip").value = True
        dialog.query_one("#name", Input).focus()
        await pilot.press(*"../out")
        await pilot.pause()
        assert "path" in static_text(dialog.query_one("#error"))
        dialog.query_one("#name", Input).value = ""
        await pilot.press(*"latest", "enter")
        await settle(pilot)
        path = export_dir / "latest.csv.gz"
        assert path.is_file()
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
        assert created[0].id in [str(k.value) for k in app.screen.query_one("#templates-table").rows]


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
        assert app.screen.query_one("#templates-table").row_count == 3


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
        table = app.screen.query_one("#history-table")
        assert table.display and table.row_count == 1
        assert "✓ completed" in cell(table, str(history[0].id), "status")


async def test_p_pauses_and_resumes_the_scheduler_and_quit_shuts_it_down(settings) -> None:
    services = sample_services(settings, shown_paths=False, processor_options={"warm_on_start": False})
    app = app_for(services, start_scheduler=True)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        loop_scheduler = scheduling.current_scheduler()
        assert loop_scheduler is not None and scheduling.state() == "running"
        assert "● scheduler running" in static_text(app.screen.header.query_one("#scheduler"))
        assert "in " in cell(app.screen.query_one("#jobs-table"), "user-growth", "next")  # a live countdown
        assert len(services.reports.schedule.scheduled_ids()) == 4
        await pilot.press("p")
        await settle(pilot)
        assert scheduling.state() == "paused"
        assert "⏸ scheduler paused" in static_text(app.screen.header.query_one("#scheduler"))
        assert "paused" in cell(app.screen.query_one("#jobs-table"), "user-growth", "next")
        await pilot.press("t")  # manual triggers still work while paused
        await settle(pilot)
        assert services.processor.get_job_status("user-growth").runs == 13
        await pilot.press("p")
        await settle(pilot)
        assert scheduling.state() == "running"
        assert [n[1] for n in notes(app)].count("Scheduler paused") == 1
        await pilot.press("q")
        await pilot.pause()
    assert not loop_scheduler.running
    assert not services.processor.scheduled


async def test_help_lists_every_key_and_the_palette_runs_them(services) -> None:
    from tui_analytics.ui.keys import BINDINGS, key_label, palette_bindings

    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(app.screen.query_one("#help-keys").content)
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
            "trigger", "clear-cache", "invalidate", "pause", "export", "new-template", "edit-template",
            "delete-template", "generate", "help", "quit"}


async def test_tab_and_number_keys_move_between_panes_at_80x24(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.is_grid
        assert screen.pane("jobs").display and not screen.pane("reports").display
        await pilot.press("3")
        await pilot.pause()
        assert screen.active_pane == "analytics" and screen.pane("analytics").display
        assert not screen.pane("jobs").display
        assert app.focused.id == "top-table"
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused.id == "recent-table"
        await pilot.press("tab")
        await pilot.pause()
        assert screen.active_pane == "reports" and app.focused.id == "templates-table"
        await pilot.press("shift+tab", "shift+tab")
        await pilot.pause()
        assert screen.active_pane == "analytics"
        await pilot.press("2")
        await pilot.pause()
        assert screen.active_pane == "metrics"
        # template keys act only where the templates are on screen
        await pilot.press("d")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("1", "t")
        await settle(pilot)
        assert services.processor.get_job_status("user-growth").runs == 13


async def test_grid_layout_at_160x50_shows_all_panes(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.is_grid
        assert all(screen.pane(name).display for name in ("jobs", "metrics", "analytics", "reports"))
        assert not screen.query_one("#pane-tabs").display
        await pilot.press("4", "d")  # works from the grid too
        assert isinstance(app.screen, ConfirmDialog)


async def test_events_from_another_thread_refresh_the_panes(services) -> None:
    import threading

    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        metrics = app.screen.query_one("#metrics-table")

        def cache_row() -> str:
            return next(str(metrics.get_row_at(i)[1]) for i in range(metrics.row_count)
                        if str(metrics.get_row_at(i)[0]) == "Cache entries")

        assert cache_row().startswith("6 /")
        worker = threading.Thread(target=services.processor.cache.set, args=("user-growth:99", [], 60))
        worker.start()
        worker.join()
        await settle(pilot)
        assert cache_row().startswith("7 /")


async def test_first_start_builds_the_demo_database_with_progress(tmp_path, monkeypatch, frozen_clock) -> None:
    from tui_analytics import sources
    from tui_analytics.config import Settings
    from tui_analytics.demo_data import DemoSpec
    from tui_analytics.ui import build_app

    monkeypatch.setattr(sources, "FIRST_START_DEMO", DemoSpec(users=200, items=20, activities=20_000, seed=3))
    settings = Settings.for_dir(tmp_path / "fresh", timezone_name="UTC")
    app = build_app(settings, clock=frozen_clock, start_scheduler=False)
    seen: list[str] = []
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        label = app.screen.query_one("#activity-label")
        await until(pilot, lambda: seen.append(str(label.render())) or app.services.ready, timeout=60)
        await settle(pilot)
        assert any("creating the demo database" in text for text in seen)
        assert not app.screen.query_one("#activity").display
        assert app.screen.query_one("#jobs-table").row_count == 6
        assert ("information", "Demo data", "No database configured: showing the built-in demo data.") in notes(app)
        assert settings.demo_database_path.is_file()


async def test_an_unreachable_database_is_reported_and_the_app_stays_up(tmp_path, frozen_clock) -> None:
    from tui_analytics.config import Settings
    from tui_analytics.ui import build_app

    settings = Settings.for_dir(tmp_path, database_url=f"sqlite:///{tmp_path}/missing/nothing.db", timezone_name="UTC")
    app = build_app(settings, clock=frozen_clock, start_scheduler=False)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await until(pilot, lambda: any(n[0] == "error" for n in notes(app)), timeout=20)
        assert "Cannot start" in str(app.screen.query_one("#activity-label").render())
        await pilot.press("t", "e")  # keys say the services are not ready instead of failing
        assert isinstance(app.screen, MainScreen)
        assert any("not ready" in n[2] for n in notes(app))
        await pilot.press("q")


async def test_a_second_dashboard_is_read_only_and_names_the_holder(settings) -> None:
    from tui_analytics import locking

    other = locking.SchedulerLock(settings.resolved_state_url)  # another dashboard holds the lock
    locking.set_program("other dashboard")
    try:
        assert other.join("other")
    finally:
        locking.set_program("")
    try:
        services = sample_services(settings, shown_paths=False, processor_options={"warm_on_start": False})
        app = app_for(services, start_scheduler=True)
        async with app.run_test(size=WIDE, notifications=True) as pilot:
            await settle(pilot)
            assert services.processor.read_only
            assert "◌ scheduler read-only" in static_text(app.screen.header.query_one("#scheduler"))
            warning = [n for n in notes(app) if n[1] == "Read-only"]
            assert warning and "other dashboard (pid" in warning[0][2]
            await pilot.press("p")
            assert any("Nothing to pause" in n[2] and "other dashboard" in n[2] for n in notes(app))
            await pilot.press("t")  # manual work still runs here
            await settle(pilot)
            assert services.processor.get_job_status("user-growth").runs == 13
    finally:
        other.leave("other")
        other.release()


async def test_after_q_no_key_opens_anything(services) -> None:
    from tui_analytics.ui.keys import BINDINGS

    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.check_action("export", ())
        app.exit()  # the keys already typed after q are still dispatched while the app shuts down
        assert not any(screen.check_action(b.action, ()) for b in BINDINGS if "." not in b.action)
    assert app.return_code == 0


async def test_no_color_draws_in_grey_and_keeps_every_meaning(settings, monkeypatch) -> None:
    import re

    from tui_analytics.ui.sample import sample_app

    monkeypatch.setenv("NO_COLOR", "1")
    app = sample_app(settings, failed_job=True)
    assert app.no_color
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
    window_frame = {"ff5f57", "febc2e", "28c840", "c5c8c6"}  # the SVG's window buttons and title, not the app
    colours = set(re.findall(r"#([0-9a-f]{6})", svg)) - window_frame
    assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours), sorted(colours)[:10]
    for meaning in ("✗ failed", "✓ completed", "⚠ STALE", "DEMO DATA", "scheduler stopped"):
        assert meaning.replace(" ", "&#160;") in svg or meaning in svg, meaning
