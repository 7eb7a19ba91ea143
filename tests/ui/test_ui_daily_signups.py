"""New users per day in the dashboard: a source whose sign-ups began a few weeks ago draws the
last 30 days per day (not twelve mostly empty months), and `v` on the Analytics pane lists every
day's sign-ups in full, each equal to a count of that day's rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Label

from tests.support.sample import SAMPLE_NOW, app_for, concrete, fill_cache, sample_services
from tests.support.ui import settle, static_text
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.ui.screens.detail import DetailScreen
from tui_analytics.ui.widgets.chart import BarChart


@pytest.mark.slow
async def test_a_short_history_shows_sign_ups_per_day(settings) -> None:
    services = sample_services(settings, shown_paths=False)
    repository = concrete(services).repository
    assert isinstance(repository, AdminAnalyticsOptimizedRepository)
    cut = (SAMPLE_NOW - timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S")
    with repository.engine.begin() as conn:  # an application that opened 40 days ago
        conn.exec_driver_sql("DELETE FROM activities WHERE user_id IN (SELECT id FROM users WHERE created_at < ?)", (cut,))
        conn.exec_driver_sql("DELETE FROM users WHERE created_at < ?", (cut,))
        per_day = {
            day: n for day, n in conn.exec_driver_sql("SELECT substr(created_at, 1, 10), count(*) FROM users GROUP BY 1").fetchall()
        }
    fill_cache(services, repository)
    app = app_for(services)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        pane = app.main_screen.analytics
        assert static_text(pane.query_one("#growth-title", Label)).startswith("New users per day")
        points = pane.query_one("#growth-chart", BarChart).points
        days = [SAMPLE_NOW.date() - timedelta(days=29 - i) for i in range(30)]
        assert points == [(d.isoformat()[5:], float(per_day.get(d.isoformat(), 0))) for d in days]
        assert sum(value for _, value in points) > 0
        await pilot.press("3", "v")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        lines = detail.text.splitlines()
        assert len(lines) == 30 and lines[0].startswith(days[-1].isoformat())  # newest first
        newest = next(line for line in lines if line.startswith(days[-1].isoformat()))
        assert newest.split()[1] == str(per_day.get(days[-1].isoformat(), 0))


@pytest.mark.slow
async def test_a_long_history_keeps_months_and_v_still_lists_days(settings) -> None:
    services = sample_services(settings, shown_paths=False)
    app = app_for(services)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        pane = app.main_screen.analytics
        assert static_text(pane.query_one("#growth-title", Label)).startswith("New users, ")  # by month: "New users, 12 months"
        assert len(pane.query_one("#growth-chart", BarChart).points) == 12
        await pilot.press("3", "v")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        lines = app.screen.text.splitlines()
        assert len(lines) == 30 and lines[0].startswith(SAMPLE_NOW.date().isoformat())
