"""The same seeded demo data on SQLite, PostgreSQL and MariaDB gives the same datasets."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.support.constants import DEMO_SPEC, MYSQL_URL, POSTGRES_URL
from tui_analytics.data.engines import new_engine
from tui_analytics.data.source.demo_data import load_demo_data
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.daterange import DateRange

# loads the demo data into PostgreSQL and MariaDB; one xdist worker runs every test that uses the shared servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("database-servers")]

ENGINES = [
    pytest.param(
        POSTGRES_URL,
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)"),
    ),
    pytest.param(
        MYSQL_URL,
        id="mariadb",
        marks=pytest.mark.skipif(not MYSQL_URL, reason="TUI_ANALYTICS_TEST_MYSQL_URL is not set (.ci/run sets it)"),
    ),
]


@pytest.mark.parametrize("url", ENGINES)
def test_same_datasets_as_sqlite(url, repository, frozen_clock):
    engine = new_engine(url)
    try:
        load_demo_data(engine, DEMO_SPEC, replace=True)
        december = DateRange(date(2025, 12, 1), date(2025, 12, 31))
        # Sub-second sign-up times: MariaDB keeps them (DATETIME(6)), so this range agrees too.
        split = DateRange(datetime(2025, 6, 1), datetime(2025, 6, 2, 11, 41, 17, 100000))
        for zone in (timezone.utc, ZoneInfo("Europe/Berlin")):  # days in UTC, and in a zone with DST
            other = AdminAnalyticsOptimizedRepository(engine, clock=frozen_clock, zone=zone)
            mine = AdminAnalyticsOptimizedRepository(repository.engine, clock=frozen_clock, zone=zone)
            for rng in (None, december, split):
                assert other.user_growth(12, rng) == mine.user_growth(12, rng)
                assert other.activity_trends(400, rng) == mine.activity_trends(400, rng)
                assert other.top_items(10, rng) == mine.top_items(10, rng)
                assert other.recent_activity(50, rng) == mine.recent_activity(50, rng)
                assert other.summary(rng) == mine.summary(rng)
            assert list(other.iter_recent_activity(limit=300, batch_size=50)) == mine.recent_activity(300)
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ENGINES)
def test_refuses_to_overwrite_without_replace(url):
    from tui_analytics.runtime.errors import DatabaseError

    engine = new_engine(url)
    try:
        load_demo_data(engine, DEMO_SPEC, replace=True)
        with pytest.raises(DatabaseError, match="--replace"):
            load_demo_data(engine, DEMO_SPEC)
    finally:
        engine.dispose()
