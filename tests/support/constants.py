"""Constants shared by conftest.py, the support modules and the tests: the frozen "now", the
demo data specification, and the optional database URLs of the engine tests."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from tui_analytics.data.source.demo_data import DemoSpec

FROZEN_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
DEMO_SPEC = DemoSpec(users=300, items=40, activities=20_000, months=18, seed=7, end=FROZEN_NOW)

POSTGRES_URL = os.environ.get("TUI_ANALYTICS_TEST_POSTGRES_URL")
MYSQL_URL = os.environ.get("TUI_ANALYTICS_TEST_MYSQL_URL")
