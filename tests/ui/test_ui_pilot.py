"""The dashboard's keys, panes and life cycle, driven with Textual's Pilot over real services.

The dialogs with forms are in test_ui_pilot_dialogs.py.

The services run on the demo database of the `settings` fixture with a frozen
clock; the scheduler is not started except where pause/resume needs it.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Tabs

from tests.support.sample import FailingRepository, app_for, concrete, sample_services
from tests.support.ui import cell, gated_services, notes, settle, static_text, until
from tui_analytics.runtime import scheduling
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens import ConfirmDialog, InvalidateDialog

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot, seconds per test

WIDE = (160, 50)
NARROW = (80, 24)


async def test_the_panes_show_jobs_metrics_analytics_and_reports(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        jobs = screen.query_one("#jobs-table", DataTable)
        assert [str(k.value) for k in jobs.rows] == [
            "user-growth",
            "activity-trends",
            "top-items",
            "recent-activity",
            "performance-metrics",
            "cache-cleanup",
        ]
        assert "✓ completed" in cell(jobs, "top-items", "status")
        assert screen.query_one("#templates-table", DataTable).row_count == 4
        assert screen.query_one("#top-table", DataTable).row_count == 10
        assert screen.query_one("#recent-table", DataTable).row_count == 20
        metrics = screen.query_one("#metrics-table", DataTable)
        values = {str(metrics.get_row_at(i)[0]): str(metrics.get_row_at(i)[1]) for i in range(metrics.row_count)}
        assert values["Memory (RSS)"] == "86.4 MiB"
        assert values["Cache hit rate"].startswith("87.5%")
        assert "stopped" in static_text(screen.header.query_one("#scheduler"))


async def test_t_runs_the_selected_job(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        before = services.processor.get_job_status("top-items").runs
        await pilot.press("down", "down")  # top-items
        assert isinstance(app.screen, MainScreen) and app.screen.jobs.selected_job == "top-items"
        await pilot.press("t")
        await settle(pilot)
        assert services.processor.get_job_status("top-items").runs == before + 1
        assert ("information", "Job finished", "top-items completed in 0 ms.") in notes(app)


async def test_t_on_a_running_job_says_it_was_skipped(settings) -> None:
    services, gate = gated_services(settings, "user_growth")
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")  # user-growth, held in its query
        await until(pilot, gate.entered.is_set)
        await pilot.pause(0.1)
        assert "running" in cell(app.screen.query_one("#jobs-table"), "user-growth", "status")
        await pilot.press("t")
        await until(pilot, lambda: any(n[1] == "Skipped" for n in notes(app)))
        gate.release.set()
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
        assert screen.query_one("#top-table", DataTable).row_count == 10  # the last good value stays on screen
        assert "database is locked" in static_text(screen.query_one("#job-error"))
        # the app keeps running: another job still works
        await pilot.press("up", "t")
        await settle(pilot)
        assert concrete(services).processor.get_job_status("activity-trends").status == "completed"


async def test_c_asks_first_and_clears_only_on_yes(services) -> None:
    app = app_for(services)
    cache = services.processor.cache
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert len(cache) == 7
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert len(cache) == 7 and isinstance(app.screen, MainScreen)
        await pilot.press("c")
        await pilot.press("escape")
        assert len(cache) == 7 and isinstance(app.screen, MainScreen)
        await pilot.press("c", "y")
        await settle(pilot)
        assert len(cache) == 0
        assert ("information", "Cache cleared", "Removed 7 cache entries.") in notes(app)
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
        assert "3 keys would be removed" in listing and "activity-trends:summary" in listing
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
        assert cache.keys("top-*") == [] and len(cache) == 6
        assert ("information", "Cache invalidated", "Removed 1 key matching 'top-*'.") in notes(app)
        await pilot.press("i", "escape")
        assert isinstance(app.screen, MainScreen) and len(cache) == 6


async def test_p_pauses_and_resumes_the_scheduler_and_quit_shuts_it_down(settings) -> None:
    services = sample_services(settings, shown_paths=False, processor_options={"warm_on_start": False})
    app = app_for(services, start_scheduler=True)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        loop_scheduler = scheduling.current_scheduler()
        assert loop_scheduler is not None and scheduling.state() == "running"
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert "● scheduler running" in static_text(screen.header.query_one("#scheduler"))
        assert "in " in cell(app.screen.query_one("#jobs-table"), "user-growth", "next")  # a live countdown
        assert len(concrete(services).reports.schedule.scheduled_ids()) == 4
        await pilot.press("p")
        await settle(pilot)
        assert scheduling.state() == "paused"
        assert "⏸ scheduler paused" in static_text(screen.header.query_one("#scheduler"))
        assert app.screen.active_bindings["p"].binding.description == "Resume"  # the footer says what p does now
        assert "paused" in cell(app.screen.query_one("#jobs-table"), "user-growth", "next")
        await pilot.press("t")  # manual triggers still work while paused
        await settle(pilot)
        assert concrete(services).processor.get_job_status("user-growth").runs == 13
        await pilot.press("p")
        await settle(pilot)
        assert scheduling.state() == "running"
        assert app.screen.active_bindings["p"].binding.description == "Pause"
        assert [n[1] for n in notes(app)].count("Scheduler paused") == 1
        await pilot.press("q")
        await pilot.pause()
    assert not loop_scheduler.running
    assert not concrete(services).processor.scheduled


async def test_tab_and_number_keys_move_between_panes_at_80x24(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert not screen.is_grid
        assert screen.pane("jobs").display and not screen.pane("reports").display
        await pilot.press("3")
        await pilot.pause()
        assert screen.active_pane == "analytics" and screen.pane("analytics").display
        assert not screen.pane("jobs").display
        assert app.focused is not None and app.focused.id == "top-table"
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "recent-table"
        await pilot.press("tab")
        await pilot.pause()
        assert screen.active_pane == "reports" and app.focused is not None and app.focused.id == "templates-table"
        await pilot.press("shift+tab", "shift+tab")
        await pilot.pause()
        assert screen.active_pane == "analytics"
        await pilot.press("2")
        await pilot.pause()
        assert screen.active_pane == "metrics"
        # a template key on another tab shows the Reports pane first, then asks about its selection
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and screen.active_pane == "reports"
        await pilot.press("n")
        await pilot.press("1", "t")
        await settle(pilot)
        assert services.processor.get_job_status("user-growth").runs == 13


async def test_grid_layout_at_160x50_shows_all_panes(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.is_grid
        assert all(screen.pane(name).display for name in ("jobs", "metrics", "analytics", "reports"))
        assert not screen.query("#pane-tabs")  # no tab bar in the grid, until a resize leaves it
        await pilot.press("4", "d")  # works from the grid too
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert not screen.is_grid and screen.query_one("#pane-tabs", Tabs).active == "tab-reports"
        assert [pane for pane in ("jobs", "metrics", "analytics", "reports") if screen.pane(pane).display] == ["reports"]
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one("#pane-tabs", Tabs).active == "tab-metrics"
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert screen.is_grid and not screen.query_one("#pane-tabs").display


async def test_events_from_another_thread_refresh_the_panes(services) -> None:
    import threading

    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        metrics = app.screen.query_one("#metrics-table", DataTable)

        def cache_row() -> str:
            return next(
                str(metrics.get_row_at(i)[1]) for i in range(metrics.row_count) if str(metrics.get_row_at(i)[0]) == "Cache entries"
            )

        assert cache_row().startswith("7 /")
        worker = threading.Thread(target=concrete(services).processor.cache.set, args=("user-growth:99", [], 60))
        worker.start()
        worker.join()
        await settle(pilot)
        assert cache_row().startswith("8 /")


async def test_first_start_builds_the_demo_database_with_progress(tmp_path, monkeypatch, frozen_clock) -> None:
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.source import opening as sources
    from tui_analytics.data.source.demo_data import DemoSpec
    from tui_analytics.ui import build_app

    monkeypatch.setattr(sources, "FIRST_START_DEMO", DemoSpec(users=200, items=20, activities=20_000, seed=3))
    settings = Settings.for_dir(tmp_path / "fresh", timezone_name="UTC")
    app = build_app(settings, clock=frozen_clock, start_scheduler=False)
    seen: list[str] = []
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        label = app.screen.query_one("#activity-label")

        def ready() -> bool:  # and note each text the label showed on the way
            seen.append(str(label.render()))
            return app.services.ready

        await until(pilot, ready, timeout=60)
        await settle(pilot)
        assert any("creating the demo database" in text for text in seen)
        assert not app.screen.query_one("#activity").display
        assert app.screen.query_one("#jobs-table", DataTable).row_count == 6
        assert ("information", "Demo data", "No database configured: showing the built-in demo data.") in notes(app)
        assert settings.demo_database_path.is_file()


async def test_an_unreachable_database_is_reported_and_the_app_stays_up(tmp_path, frozen_clock) -> None:
    from tui_analytics.config.settings import Settings
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


async def test_a_second_dashboard_attaches_and_names_the_holder(settings) -> None:
    from tui_analytics.data.state import channel_tables as channel
    from tui_analytics.data.state import locking

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
            assert isinstance(app.screen, MainScreen)
            assert "◌ attached to other dashboard (pid" in static_text(app.screen.header.query_one("#scheduler"))
            told = [n for n in notes(app) if n[1] == "Attached"]
            assert told and "other dashboard (pid" in told[0][2]
            await pilot.press("p")  # a change every attached process sees: asked first, naming who schedules
            await settle(pilot)
            question = static_text(app.screen.query_one("#message"))
            assert "Pause the jobs and reports of other dashboard" in question and "Every dashboard" in question
            await pilot.press("y")  # then asks the scheduling process, through the state database
            await pilot.pause(0.3)
            engine = concrete(services).open_state()
            asked = channel.read_command(engine, 1)
            assert asked is not None and (asked.op, asked.status) == ("pause", "pending")
            app.exit()
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

    from tests.support.sample import sample_app

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


async def test_metrics_show_how_often_and_how_long_the_loop_stalled(services) -> None:
    import time

    from tui_analytics.ui import build_app

    app = build_app(services.settings, services=concrete(services), start_scheduler=False, watch_stalls=True)
    app.cursor_blink = False

    def stalls_row() -> str:
        table = app.screen.query_one("#metrics-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
        return next(value for name, value in rows if name == "Loop stalls")

    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        before = stalls_row()  # "none", unless a busy machine already stalled the start-up
        seen = 0 if before == "none" else int(before.split(",")[0])
        time.sleep(0.3)  # hold the loop (the test runs on the app's loop), as a blocking call would
        await until(pilot, lambda: stalls_row() != before)
        count, worst = stalls_row().split(", worst ")
        # one more stall, and its length is shown (at least the monitor's 100 ms threshold, or it would not count)
        assert int(count) >= seen + 1 and int(worst.removesuffix(" ms")) >= 100  # >=: a busy machine may add one
