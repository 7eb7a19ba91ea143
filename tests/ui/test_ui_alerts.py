"""The dashboard says when the last alert went out and whether it arrived: the Metrics pane's
"Last alert" row, the job detail (`v`), and a warning when a target could not be reached."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.support.sample import app_for, concrete, sample_services
from tests.support.ui import notes, settle, until
from tests.support.webhook import Hook
from tui_analytics.config.alert_targets import AlertTarget
from tui_analytics.runtime.event_types import JobFailed
from tui_analytics.ui.screens.detail import DetailScreen

pytestmark = pytest.mark.slow  # Pilot

WIDE = (160, 50)
ON = frozenset({"job-failed", "recovered"})


def metric(app, name: str) -> str:
    table = app.screen.query_one("#metrics-table")
    return next((str(table.get_row_at(i)[1]) for i in range(table.row_count) if str(table.get_row_at(i)[0]) == name), "")


async def fail_top_items(services) -> None:
    alerts = concrete(services).alerts
    assert alerts is not None
    event = JobFailed("top-items", "scheduled", duration_ms=5.0, error="boom", at=services.clock.now())
    await asyncio.to_thread(alerts.handle, event)
    assert await asyncio.to_thread(alerts.drain, 10)


async def test_the_metrics_pane_and_the_job_detail_show_a_delivered_alert(settings) -> None:
    with Hook() as hook:
        services = sample_services(replace(settings, alerts=(AlertTarget("ops", ON, url=hook.url()),)), shown_paths=False)
        app = app_for(services)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            assert metric(app, "Last alert") == "none sent"
            await fail_top_items(services)
            await until(pilot, lambda: metric(app, "Last alert").endswith("· delivered"))
            await pilot.press("1", "down", "down", "v")  # top-items
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            assert "job-failed top-items: delivered to 1 of 1 target" in app.screen.text
            await pilot.press("escape", "up", "v")  # activity-trends: nothing sent about it
            await pilot.pause()
            assert "last alert: none sent about this job" in app.screen.text
    assert len(hook.bodies(event="job-failed")) == 1


async def test_an_alert_that_did_not_arrive_is_shown_and_said(settings) -> None:
    with Hook(failures=99) as down:
        target = AlertTarget("ops", ON, url=down.url(), attempts=1)
        services = sample_services(replace(settings, alerts=(target,)), shown_paths=False)
        app = app_for(services)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await fail_top_items(services)
            await until(pilot, lambda: metric(app, "Last alert").endswith("· NOT delivered"))
            await until(pilot, lambda: any(title == "Alert not delivered" for _, title, _ in notes(app)))
            message = next(m for _, title, m in notes(app) if title == "Alert not delivered")
            assert message == "job-failed top-items to ops: HTTP 500 Internal Server Error"


async def test_without_alert_targets_the_pane_has_no_alert_row(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert metric(app, "Runs") and not metric(app, "Last alert")


async def test_the_metrics_pane_has_a_row_per_data_rule(settings) -> None:
    from tui_analytics.config.alert_rules import AlertPolicy, AlertRule

    rules = (AlertRule("users-exist", "summary.totalUsers", above=0), AlertRule("many-users", "summary.totalUsers", above=10**9))
    services = sample_services(replace(settings, alert_policy=AlertPolicy(rules=rules)), shown_paths=False)
    alerts = concrete(services).alerts
    assert alerts is not None  # rules alone build the alert service (nobody to tell: no Last alert row)
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert metric(app, "Rule users-exist") == "not read yet" and not metric(app, "Last alert")
        await asyncio.to_thread(alerts.evaluate_rules, "activity-trends")  # publishes RuleRead: the pane redraws
        repository = concrete(services).repository
        assert repository is not None
        users = repository.summary()["totalUsers"]
        await until(pilot, lambda: metric(app, "Rule users-exist") == f"FIRING · {users:,}")
        assert metric(app, "Rule many-users") == f"ok · {users:,}"
