"""The same numbers, in the same order, on SQLite, PostgreSQL and MariaDB.

A small schema of our own (tables prefixed `numbers_`, so the shared servers keep it apart)
with events that have no item (NULL) or an item that is gone, and times placed on the edges
of days in zones far from UTC:

- a range given as date-times gives every day and month of it in the reporting zone, the first
  one included (Australia/Lord_Howe: UTC+11 in March, +10:30 from 5 April 2026);
- top items tied on interactions come in one order everywhere: ids ascending, NULL last;
- a report's days and months are its template's zone (New York), whatever the reporting zone.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.support import foreign
from tests.support.constants import MYSQL_URL, POSTGRES_URL
from tui_analytics.config.settings import Settings
from tui_analytics.config.source_mapping import parse_source
from tui_analytics.data.engines import new_engine
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.export import AnalyticsExportService, ExportOptions
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
P = "numbers_"
TABLES = ("events", "items", "users")


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# (item id or None, how many events) in the top-items window: four items tied at 3.
TIES = [(3, 3), (None, 3), (1, 3), (99, 3), (2, 2)]  # 99 is an item that is no longer in the items table
TIES_AT = _utc(2026, 4, 20, 10, 0)
# Events on the edges of Lord Howe and New York days.
EDGES = [
    _utc(2026, 3, 8, 6, 30),  # the Lord Howe range's first instant: 17:30 on 8 March there (UTC+11)
    _utc(2026, 3, 8, 12, 59),  # 23:59 on 8 March there, still 8 March in UTC too
    _utc(2026, 3, 8, 13, 0),  # midnight of 9 March there
    _utc(2026, 4, 4, 15, 44),  # 02:14 on 5 April there, after the clocks went back
    _utc(2025, 3, 7, 4, 59),  # 23:59 on 6 March in New York
    _utc(2025, 3, 7, 5, 0),  # midnight of 7 March in New York
    _utc(2025, 3, 8, 3, 0),  # 22:00 on 7 March in New York, 8 March in UTC
    _utc(2025, 3, 31, 23, 30),  # 19:30 on 31 March in New York
    _utc(2025, 4, 1, 3, 30),  # 23:30 on 31 March in New York, 1 April in UTC
]
SAME_AT = _utc(2026, 4, 25, 8, 0, 0)
SIGN_UPS = [
    _utc(2026, 2, 28, 12, 30),  # 23:30 on 28 February in Lord Howe
    _utc(2026, 3, 31, 13, 30),  # 00:30 on 1 April in Lord Howe
    _utc(2025, 3, 31, 12, 0),
    _utc(2025, 4, 1, 2, 0),  # 22:00 on 31 March in New York
    _utc(2025, 1, 1, 0, 0),
]


@dataclass(frozen=True)
class Source:
    engine: Engine
    storage: foreign.Storage
    events: list[tuple[int, int, int | None, datetime]]  # id, user, item, time

    def repository(self, zone: ZoneInfo | timezone) -> AdminAnalyticsOptimizedRepository:
        return AdminAnalyticsOptimizedRepository(self.engine, clock=FrozenClock(NOW), zone=zone, mapping=parse_source(MAPPING))

    def count_on(self, day: date, zone: ZoneInfo) -> int:
        """Events on `day` in `zone`, worked out by zoneinfo (the answer the SQL must match)."""
        return sum(1 for *_rest, at in self.events if at.astimezone(zone).date() == day)


MAPPING = {
    "timestamps": "auto",
    "time_zone": "UTC",
    "users": {"table": f"{P}users", "columns": {"id": "id", "name": "name", "email": "email", "created_at": "joined"}},
    "items": {"table": f"{P}items", "columns": {"id": "id", "name": "name", "category": "category"}},
    "activities": {
        "table": f"{P}events",
        "columns": {"id": "id", "user_id": "account", "item_id": "item", "action": "kind", "created_at": "at"},
    },
}


def _events() -> list[tuple[int, int, int | None, datetime]]:
    out: list[tuple[int, int, int | None, datetime]] = []
    for item, n in TIES:
        for k in range(n):
            out.append((len(out) + 1, 1 + k, item, TIES_AT + timedelta(minutes=len(out))))
    for at in EDGES:
        out.append((len(out) + 1, 1 + len(out) % 4, 1, at))
    for item in (2, None, 3):  # three at one instant: the highest id first in recent activity
        out.append((len(out) + 1, 2, item, SAME_AT))
    return out


def _build(engine: Engine, storage: foreign.Storage, events: list[tuple[int, int, int | None, datetime]]) -> None:
    with engine.begin() as conn:
        for name in TABLES:
            conn.execute(text(f"DROP TABLE IF EXISTS {P}{name}"))
        conn.execute(
            text(f"CREATE TABLE {P}users (id INTEGER PRIMARY KEY, name VARCHAR(50), email VARCHAR(50), joined {storage.user_type})")
        )
        conn.execute(text(f"CREATE TABLE {P}items (id INTEGER PRIMARY KEY, name VARCHAR(50), category VARCHAR(50))"))
        conn.execute(
            text(
                f"CREATE TABLE {P}events (id INTEGER PRIMARY KEY, account INTEGER NOT NULL, item INTEGER NULL, "
                f"kind VARCHAR(20) NOT NULL, at {storage.event_type} NOT NULL)"
            )
        )
        conn.execute(
            text(f"INSERT INTO {P}users VALUES (:i, :n, :e, :t)"),
            [{"i": i, "n": f"u{i}", "e": f"u{i}@example.com", "t": storage.user_value(t)} for i, t in enumerate(SIGN_UPS, 1)],
        )
        conn.execute(text(f"INSERT INTO {P}items VALUES (:i, :n, 'Rock')"), [{"i": i, "n": f"Track {i}"} for i in (1, 2, 3)])
        conn.execute(
            text(f"INSERT INTO {P}events VALUES (:i, :u, :item, 'view', :t)"),
            [{"i": i, "u": u, "item": item, "t": storage.event_value(t)} for i, u, item, t in events],
        )


def _server(name: str, url: str | None, var: str) -> object:
    marks = [pytest.mark.skipif(not url, reason=f"{var} is not set (.ci/run sets it)"), pytest.mark.slow]
    return pytest.param((name, url), id=name, marks=[*marks, pytest.mark.xdist_group("database-servers")])


ENGINES = [
    pytest.param(("sqlite-django-text", None), id="sqlite"),
    _server("postgresql", POSTGRES_URL, "TUI_ANALYTICS_TEST_POSTGRES_URL"),
    _server("mariadb", MYSQL_URL, "TUI_ANALYTICS_TEST_MYSQL_URL"),
]


@pytest.fixture(params=ENGINES)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Source]:
    name, url = request.param
    engine = new_engine(url or f"sqlite:///{tmp_path / 'numbers.sqlite3'}")
    events = _events()
    _build(engine, foreign.STORAGES[name], events)
    try:
        yield Source(engine, foreign.STORAGES[name], events)
    finally:
        if url:
            with engine.begin() as conn:
                for table in TABLES:
                    conn.execute(text(f"DROP TABLE IF EXISTS {P}{table}"))
        engine.dispose()


# -- a range of date-times: every day and month of it, in the reporting zone ----------------------


async def test_a_date_time_range_keeps_its_first_day_in_the_reporting_zone(source: Source) -> None:
    service = AnalyticsExportService(source.repository(LORD_HOWE))
    rng = DateRange.parse("2026-03-08T01:30-05:00", "2026-04-05T02:15+10:30")
    assert rng is not None
    # No size given (the CLI without --limit): the whole range.
    result = await service.export_dataset("activity-trends", ExportOptions(format="csv", date_range=rng, include_metadata=False))
    rows = list(csv.DictReader(io.StringIO(str(result.data))))
    days = [r["date"] for r in rows]
    assert days[0] == "2026-03-08" and days[-1] == "2026-04-05" and len(days) == 29
    # The first day counts from the range's start (17:30 there), the last up to its end.
    assert int(rows[0]["activities"]) == 2 == source.count_on(date(2026, 3, 8), LORD_HOWE)
    assert int(rows[1]["activities"]) == 1 and int(rows[-1]["activities"]) == 1


async def test_user_growth_over_a_date_time_range_keeps_its_first_month(source: Source) -> None:
    service = AnalyticsExportService(source.repository(LORD_HOWE))
    rng = DateRange.parse("2026-02-28T12:00:00Z", "2026-03-31T14:00:00Z")
    assert rng is not None
    result = await service.export_dataset("user-growth", ExportOptions(format="csv", date_range=rng, include_metadata=False))
    rows = [(r["month"], r["newUsers"]) for r in csv.DictReader(io.StringIO(str(result.data)))]
    # 23:30 on 28 February and 00:30 on 1 April there: the range's first and last months.
    assert rows == [("2026-02", "1"), ("2026-03", "0"), ("2026-04", "1")]


async def test_the_comprehensive_export_covers_the_whole_range_too(source: Source) -> None:
    service = AnalyticsExportService(source.repository(LORD_HOWE))
    rng = DateRange.parse("2026-03-08T01:30-05:00", "2026-04-05T02:15+10:30")
    result = await service.export_comprehensive_report(ExportOptions(format="json", date_range=rng, include_metadata=False))
    doc = json.loads(str(result.data))
    assert [r["date"] for r in doc["activityTrends"]][:1] == ["2026-03-08"] and len(doc["activityTrends"]) == 29
    assert [r["month"] for r in doc["userGrowth"]] == ["2026-03", "2026-04"]


# -- top items: one order among ties ----------------------------------------------------------------


def test_top_items_ties_are_ordered_by_id_with_no_item_last(source: Source) -> None:
    rows = source.repository(UTC).top_items(10, DateRange(date(2026, 4, 20), date(2026, 4, 20)))
    assert [(r["itemId"], r["interactions"]) for r in rows] == [(1, 3), (3, 3), (99, 3), (None, 3), (2, 2)]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    # An item that is gone keeps its id and has no name; no item at all is itemId null.
    assert rows[2]["name"] is None and rows[3]["name"] is None and rows[0]["name"] == "Track 1"
    # A limit that cuts through the ties cuts the same rows everywhere.
    assert [r["itemId"] for r in source.repository(UTC).top_items(3, DateRange(date(2026, 4, 20), date(2026, 4, 20)))] == [1, 3, 99]


# -- reports: the template's zone, not the reporting zone ---------------------------------------


def _report_rows(data: str | bytes, section: str) -> list[dict[str, str]]:
    body = data if isinstance(data, str) else data.decode()
    return [r for r in csv.DictReader(io.StringIO(body)) if r["section"] == section]


async def _report(source: Source, settings: Settings, schedule: str, at: datetime) -> list[dict[str, str]]:
    service = AnalyticsScheduledReportsService(
        replace(settings, timezone_name="UTC"),
        clock=FrozenClock(at),
        bus=EventBus(),
        auto_start=False,
        repository=source.repository(UTC),
    )
    service.open()
    template = service.create_report_template(
        name=f"New York {schedule}",
        schedule=schedule,
        format="csv",
        timezone="America/New_York",
        datasets=["activity-trends", "user-growth"],
    )
    report = await service.generate_report(template)
    service.stop()
    return _report_rows(report.data, "activityTrends") + _report_rows(report.data, "userGrowth")


async def test_a_new_york_daily_report_has_one_new_york_day(source: Source, settings: Settings) -> None:
    rows = await _report(source, settings, "daily", _utc(2025, 3, 8, 14, 0))
    days = [(r["activityTrends.date"], r["activityTrends.activities"]) for r in rows if r["section"] == "activityTrends"]
    # Midnight and 22:00 on 7 March in New York (the second is 8 March in UTC); not 23:59 on the 6th.
    assert days == [("2025-03-07", "2")] and source.count_on(date(2025, 3, 7), NEW_YORK) == 2


async def test_a_new_york_monthly_report_has_the_months_days_and_one_month(source: Source, settings: Settings) -> None:
    rows = await _report(source, settings, "monthly", _utc(2025, 4, 2, 14, 0))
    days = [r["activityTrends.date"] for r in rows if r["section"] == "activityTrends"]
    assert days[0] == "2025-03-01" and days[-1] == "2025-03-31" and len(days) == 31
    last = next(r for r in rows if r.get("activityTrends.date") == "2025-03-31")
    assert int(last["activityTrends.activities"]) == source.count_on(date(2025, 3, 31), NEW_YORK) == 2
    months = [(r["userGrowth.month"], r["userGrowth.newUsers"]) for r in rows if r["section"] == "userGrowth"]
    assert months == [("2025-03", "2")]  # 12:00 UTC on the 31st and 22:00 on the 31st in New York


def test_recent_activity_at_one_instant_is_highest_id_first(source: Source) -> None:
    rows = source.repository(UTC).recent_activity(10, DateRange(SAME_AT, SAME_AT + timedelta(seconds=1)))
    assert [r["itemId"] for r in rows] == [3, None, 2]  # stored last first, as docs/data.md says
    assert rows[1]["itemName"] is None and rows[0]["itemName"] == "Track 3"


def test_docs_data_say_what_these_tests_hold() -> None:
    """docs/data.md states each behaviour above (it said comprehensive held 12 months and 30 days
    whatever the range, and nothing about ties, NULL items or clipped months)."""
    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text(encoding="utf-8").split())
    for claim in (
        "with one, every month and day of the range.",
        "A range that starts or ends inside a month clips that month",
        "by `itemId` ascending, and the activities without an item after them",
        "`itemId` null is one row for every activity whose item is NULL",
        "A date range given as date-times covers every day and month it touches in the reporting zone",
        "activities at the same instant by `id`, highest (the one stored last) first",
    ):
        assert claim in text, claim
