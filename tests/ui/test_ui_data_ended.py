"""The dashboard on data that ended long ago: the Analytics pane says when, instead of empty charts,
and the export dialog offers (and starts on) the last 30 days that have data. And the header says
when the source is mapped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from textual.widgets import Input, Select, Static

from tests.support import foreign
from tests.support.sample import SAMPLE_NOW, app_for, concrete, fill_cache, sample_services
from tests.support.ui import settle, static_text
from tui_analytics.config.source_mapping import parse_source
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.ui.screens.export import ExportDialog, period_dates
from tui_analytics.ui.widgets.chart import BarChart
from tui_analytics.wiring import Services


def test_the_data_period_is_the_last_30_days_up_to_the_data_end() -> None:
    assert period_dates("data", date(2027, 1, 15), date(2026, 1, 15)) == (date(2025, 12, 17), date(2026, 1, 15))
    assert period_dates("data", date(2027, 1, 15)) is None  # not offered without an end


def test_the_header_names_a_mapped_source(settings) -> None:
    mapped = replace(settings, database_url="sqlite:////srv/shop.sqlite3", source=parse_source(foreign.mapping()))
    assert DashboardServices(Services(mapped)).database_label == "sqlite:////srv/shop.sqlite3 (mapped)"
    assert not DashboardServices(Services(settings)).database_label.endswith("(mapped)")


@pytest.mark.slow
async def test_data_that_ended_a_year_ago(settings) -> None:
    services = sample_services(settings, shown_paths=False)
    clock, repository = services.clock, concrete(services).repository
    assert isinstance(clock, FrozenClock) and repository is not None  # the sample's frozen clock and opened source
    clock.set(SAMPLE_NOW + timedelta(days=365))  # the sample's newest activity is a year old now
    fill_cache(services, repository)
    app = app_for(services)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        summary = static_text(app.main_screen.analytics.query_one("#summary", Static))
        assert "nothing in the last 30 days: the data ends 2026-01-15" in summary
        chart = app.main_screen.analytics.query_one("#activity-chart", BarChart)
        assert "the data ends 2026-01-15" in str(chart.render())
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#period", Select).value == "data"
        assert (dialog.query_one("#start", Input).value, dialog.query_one("#end", Input).value) == ("2025-12-17", "2026-01-15")
        await pilot.press("3")  # another preset, then back with 7
        await pilot.pause()
        assert dialog.query_one("#end", Input).value == "2027-01-15"
        await pilot.press("7")
        await pilot.pause()
        assert dialog.query_one("#end", Input).value == "2026-01-15"
