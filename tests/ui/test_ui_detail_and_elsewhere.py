"""Reading a selection in full (`v`, `enter`) and pane keys typed on another tab (80x24)."""

from __future__ import annotations

import pytest

from tests.support.sample import FAILED_TOP_ITEMS, app_for, concrete, sample_app, sample_services
from tests.support.ui import settle
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens.detail import DetailScreen
from tui_analytics.ui.screens.template import TemplateDialog

pytestmark = pytest.mark.slow  # Pilot

NARROW = (80, 24)


async def test_enter_on_a_failed_job_shows_its_whole_error_and_y_copies_it(settings) -> None:
    app = sample_app(settings, failed_job=True)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # top-items
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert FAILED_TOP_ITEMS in app.screen.text  # whole, however long
        assert "Top Items Ranking" in app.screen.text
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)


async def test_v_on_the_reports_pane_shows_the_template_with_every_recipient(services) -> None:
    template = services.reports.get_report_templates()[0]
    recipients = [f"person{n}@example.com" for n in range(12)]
    services.reports.update_report_template(template.id, recipients=recipients)
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("4", "v")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert all(r in app.screen.text for r in recipients)


async def test_t_on_the_analytics_tab_shows_the_jobs_pane_and_runs_its_selected_job(settings) -> None:
    services = sample_services(settings, shown_paths=False)
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        before = concrete(services).processor.get_job_status("user-growth").runs
        await pilot.press("3")  # Analytics: t is not in its footer
        await pilot.pause()
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.screen.active_pane == "jobs"
        assert concrete(services).processor.get_job_status("user-growth").runs == before + 1


async def test_enter_on_the_metrics_tab_opens_the_selected_template(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        app.screen.set_focus(None)  # enter not taken by a table
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TemplateDialog)


async def test_a_number_key_from_a_focused_table_focuses_the_new_panes_table(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("g")  # from the Jobs tab: shows Reports (its templates table takes the focus), generates
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "templates-table"
        await pilot.press("1", "down")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "jobs-table"  # was None: arrows went nowhere
        assert isinstance(app.screen, MainScreen) and app.screen.jobs.selected_job == "activity-trends"


async def test_the_detail_view_counts_down_with_the_clock_instead_of_keeping_a_snapshot(services) -> None:
    from datetime import timedelta

    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("4", "v")  # the first template: "next Jan 16 09:00 UTC (in 21h 00m)"
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert "(in 21h 00m)" in detail.text
        services.clock.advance(timedelta(minutes=30))
        app._tick()  # what the one-second timer does
        await pilot.pause()
        assert "(in 20h 30m)" in detail.text and "(in 21h 00m)" not in detail.text
        assert "in 20h 30m" in str(detail.query_one("#detail-text").render())


async def test_a_job_detail_shows_its_next_run_counting_down(services) -> None:
    from dataclasses import replace
    from datetime import timedelta

    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        now = services.clock.now()
        jobs = [replace(job, next_run=now + timedelta(minutes=5)) for job in services.job_statuses()]
        app.main_screen.jobs.show_jobs(jobs, now)
        await pilot.press("v")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen) and "(in 5m 00s)" in detail.text
        services.clock.advance(timedelta(seconds=70))
        app._tick()
        await pilot.pause()
        assert "(in 3m 50s)" in detail.text
