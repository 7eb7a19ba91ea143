"""Fixtures of the dashboard tests."""

from __future__ import annotations

import pytest

from tests.support.sample import sample_services
from tui_analytics.config.settings import Settings
from tui_analytics.ui.dashboard_services import DashboardServices


@pytest.fixture
def services(settings: Settings) -> DashboardServices:
    """Real services over the sample data (frozen clock, job history, a filled cache); no scheduler."""
    return sample_services(settings, shown_paths=False)
