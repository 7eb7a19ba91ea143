"""User growth and activity trends by day, week and month (`--by`) on the foreign schema stored
five ways (SQLite three ways, PostgreSQL, MariaDB), against hand-written SQL run once per local
Berlin day on the plain reference rows; and `export user-growth --by day --from D1 --to D2`
through the export service, the same figures as the file a user gets."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.data.test_mapped_source import BERLIN, NOW, RANGES, US, _midnight, mapped  # noqa: F401 (the fixture)
from tests.support import foreign
from tui_analytics.data.source.period_trends import start_of, step
from tui_analytics.export import AnalyticsExportService, ExportOptions
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError


def _day_counts(db: Any, table: str, day: date, start: datetime, end: datetime) -> tuple[int, int]:
    """(rows, distinct users) of one Berlin day, clipped to [start, end): one query per day."""
    low = max(_midnight(day), start)
    high = min(_midnight(day + timedelta(days=1)), end)
    user = "id" if table == "users" else "user_id"
    row = db.execute(
        f"SELECT count(*), count(DISTINCT {user}) FROM {table} WHERE us >= ? AND us < ?",
        (foreign.micros(low), foreign.micros(high)),
    )
    n, u = row.fetchone()
    return int(n), int(u)


def _period_users(db: Any, start: datetime, end: datetime) -> int:
    query = "SELECT count(DISTINCT user_id) FROM events WHERE us >= ? AND us < ?"
    return int(db.execute(query, (foreign.micros(start), foreign.micros(end))).fetchone()[0])


def expected(db: Any, dataset: str, unit: str, rng: DateRange | None, count: int) -> list[dict[str, Any]]:
    """The answer built from per-day queries: the periods of the range (or the last `count` up to
    NOW), each period's figures summed over its days (distinct users counted over the period)."""
    start, end = rng.bounds(BERLIN) if rng is not None else (None, NOW)
    last = start_of((end - US).astimezone(BERLIN).date(), unit)
    first = step(last, unit, -(count - 1))
    if start is not None:
        first = max(first, start_of(start.astimezone(BERLIN).date(), unit))
    start = _midnight(first) if start is None else max(start, _midnight(first))
    if start >= end:
        return []
    column = {"day": "date", "week": "week", "month": "month"}[unit]
    total = int(db.execute("SELECT count(*) FROM users WHERE us < ?", (foreign.micros(start),)).fetchone()[0])
    out = []
    period = first
    while period <= last:
        days = [period + timedelta(days=i) for i in range((step(period, unit) - period).days)]
        label = period.isoformat() if unit != "month" else period.isoformat()[:7]
        low, high = max(start, _midnight(period)), min(end, _midnight(step(period, unit)))
        if dataset == "user-growth":
            new = sum(_day_counts(db, "users", d, start, end)[0] for d in days)
            total += new
            out.append({column: label, "newUsers": new, "totalUsers": total})
        else:
            n = sum(_day_counts(db, "events", d, start, end)[0] for d in days)
            out.append({column: label, "activities": n, "activeUsers": _period_users(db, low, high) if low < high else 0})
        period = step(period, unit)
    return out


@pytest.mark.parametrize("which", ["none", "berlin-days", "dst", "berlin-time", "half-second"])
def test_trends_by_day_week_and_month_equal_per_day_queries(mapped: Any, which: str) -> None:  # noqa: F811
    repo, db, _storage = mapped
    rng = RANGES[which]
    for dataset in ("user-growth", "activity-trends"):
        for unit, count in (("day", 400), ("day", 9), ("week", 60), ("week", 3), ("month", 24)):
            got = repo.trend_by(dataset, unit, count, rng)
            assert got == expected(db, dataset, unit, rng, count), (dataset, unit, count)
    # The trends' own units agree with their documented methods.
    assert repo.trend_by("user-growth", "month", 24, rng) == repo.user_growth(24, rng)
    assert repo.trend_by("activity-trends", "day", 400, rng) == repo.activity_trends(400, rng)


def test_export_user_growth_by_day_over_a_range_equals_per_day_queries(mapped: Any, tmp_path: Any) -> None:  # noqa: F811
    repo, db, _storage = mapped
    rng = DateRange(date(2026, 3, 20), date(2026, 4, 5))  # across Berlin's spring-forward day
    service = AnalyticsExportService(repo)
    # What `export user-growth --by day --from 2026-03-20 --to 2026-04-05` runs: no size, the whole range.
    written = service.write_file("user-growth", tmp_path / "g.csv", ExportOptions(date_range=rng, by="day"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text(encoding="utf-8"))))
    start, end = rng.bounds(BERLIN)
    days = [date(2026, 3, 20) + timedelta(days=i) for i in range(17)]
    assert written.rows == 17
    assert [r["date"] for r in rows] == [d.isoformat() for d in days]
    assert [int(r["newUsers"]) for r in rows] == [_day_counts(db, "users", d, start, end)[0] for d in days]
    before = int(db.execute("SELECT count(*) FROM users WHERE us < ?", (foreign.micros(start),)).fetchone()[0])
    assert int(rows[-1]["totalUsers"]) == before + sum(int(r["newUsers"]) for r in rows)
    # The API's keyword: the count is then days (at most the last 17 of the range).
    result = asyncio.run(service.export_user_growth_trends(17, ExportOptions(date_range=rng), by="day"))
    assert list(csv.DictReader(io.StringIO(str(result.data)))) == rows
    shorter = asyncio.run(service.export_user_growth_trends(5, ExportOptions(date_range=rng), by="day"))
    assert list(csv.DictReader(io.StringIO(str(shorter.data)))) == rows[-5:]


def test_by_is_refused_where_it_does_not_apply(mapped: Any) -> None:  # noqa: F811
    repo, _db, _storage = mapped
    service = AnalyticsExportService(repo)
    with pytest.raises(ExportOptionsError, match="by applies to user-growth, activity-trends, comprehensive, not top-items"):
        asyncio.run(service.export_dataset("top-items", ExportOptions(by="day")))
    with pytest.raises(ExportOptionsError, match="unknown unit for by: 'hour'"):
        asyncio.run(service.export_activity_trends(7, by="hour"))
    with pytest.raises(ExportOptionsError, match="weeks must be between 1 and 5,300"):
        asyncio.run(service.export_activity_trends(6000, by="week"))
