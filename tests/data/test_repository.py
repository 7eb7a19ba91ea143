"""The repository against a demo database, checked against answers computed here
from the raw rows in plain Python (not by the repository's SQL)."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.support.constants import FROZEN_NOW
from tui_analytics.data.schema import activities, items, users
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import DatabaseError, ExportOptionsError


@pytest.fixture
def raw(repository):
    """Every row of the demo database, read plainly."""
    with repository.engine.connect() as conn:
        return {
            "users": list(conn.execute(select(users))),
            "items": {r.id: r for r in conn.execute(select(items))},
            "activities": list(conn.execute(select(activities))),
        }


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc)


def test_user_growth_matches_rows(repository, raw):
    result = repository.user_growth(12)
    assert len(result) == 12
    assert result[-1]["month"] == "2026-01" and result[0]["month"] == "2025-02"
    per_month = Counter(u.created_at.strftime("%Y-%m") for u in raw["users"])
    first = datetime(2025, 2, 1)
    before = sum(1 for u in raw["users"] if u.created_at < first)
    running = before
    for row in result:
        running += per_month.get(row["month"], 0)
        assert row["newUsers"] == per_month.get(row["month"], 0)
        assert row["totalUsers"] == running
    # growth: the last six months sign up more than the first six
    assert sum(r["newUsers"] for r in result[6:]) > sum(r["newUsers"] for r in result[:6])


def test_activity_trends_match_rows(repository, raw):
    result = repository.activity_trends(7)
    assert [r["date"] for r in result] == [(date(2026, 1, 15) - timedelta(days=6 - i)).isoformat() for i in range(7)]
    counts: Counter[str] = Counter()
    people: dict[str, set[int]] = defaultdict(set)
    for a in raw["activities"]:
        day = a.created_at.date().isoformat()
        counts[day] += 1
        people[day].add(a.user_id)
    for row in result:
        assert row["activities"] == counts[row["date"]]
        assert row["activeUsers"] == len(people[row["date"]])


def test_weekly_seasonality_in_demo_data(raw):
    weekday = Counter(a.created_at.weekday() for a in raw["activities"])
    assert min(weekday[0], weekday[1], weekday[2]) > max(weekday[5], weekday[6])


def test_top_items_match_rows(repository, raw):
    result = repository.top_items(5)
    start = (FROZEN_NOW - timedelta(days=30)).replace(tzinfo=None)
    end = FROZEN_NOW.replace(tzinfo=None)
    window = [a for a in raw["activities"] if start <= a.created_at < end]
    counts = Counter(a.item_id for a in window)
    uniq: dict[int, set[int]] = defaultdict(set)
    for a in window:
        uniq[a.item_id].add(a.user_id)
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert [r["itemId"] for r in result] == [item_id for item_id, _ in expected]
    assert [r["rank"] for r in result] == [1, 2, 3, 4, 5]
    for row in result:
        assert row["interactions"] == counts[row["itemId"]]
        assert row["uniqueUsers"] == len(uniq[row["itemId"]])
        assert row["name"] == raw["items"][row["itemId"]].name
        assert row["category"] == raw["items"][row["itemId"]].category
    # long tail: the top item is far more popular than the median one
    ordered = sorted(counts.values(), reverse=True)
    assert ordered[0] > 4 * ordered[len(ordered) // 2]


def test_recent_activity_newest_first(repository, raw):
    result = repository.recent_activity(20)
    newest = sorted(raw["activities"], key=lambda a: (a.created_at, a.id), reverse=True)[:20]
    assert [r["timestamp"] for r in result] == [_utc(a.created_at).isoformat() for a in newest]
    assert [r["itemId"] for r in result] == [a.item_id for a in newest]
    assert result[0]["timestamp"].endswith("+00:00")
    assert set(result[0]) == {"timestamp", "userId", "userName", "action", "itemId", "itemName"}


def test_summary_matches_rows(repository, raw):
    s = repository.summary()
    since = (FROZEN_NOW - timedelta(days=30)).replace(tzinfo=None)
    assert s["totalUsers"] == len(raw["users"])
    assert s["totalItems"] == len(raw["items"])
    assert s["totalActivities"] == len(raw["activities"])
    assert s["activeUsers"] == len({a.user_id for a in raw["activities"] if a.created_at >= since})


def test_date_range_limits_every_dataset(repository, raw):
    rng = DateRange(date(2025, 12, 1), date(2025, 12, 31))  # all of December
    dec = [a for a in raw["activities"] if a.created_at.year == 2025 and a.created_at.month == 12]
    trends = repository.activity_trends(31, rng)
    assert trends[0]["date"] == "2025-12-01" and trends[-1]["date"] == "2025-12-31"
    assert sum(r["activities"] for r in trends) == len(dec)
    assert sum(r["interactions"] for r in repository.top_items(1000, rng)) == len(dec)
    recent = repository.recent_activity(100_000, rng)
    assert len(recent) == len(dec)
    assert all(r["timestamp"].startswith("2025-12") for r in recent)
    assert repository.summary(rng)["totalActivities"] == len(dec)
    growth = repository.user_growth(12, rng)
    assert [g["month"] for g in growth] == ["2025-12"]


def test_date_range_edges_are_half_open(repository, raw):
    # A datetime end is exclusive: an activity exactly at `end` is left out.
    a = sorted(raw["activities"], key=lambda r: r.created_at)[1000]
    at = _utc(a.created_at)
    same_second = sum(1 for r in raw["activities"] if r.created_at == a.created_at)
    assert repository.summary(DateRange(at, at + timedelta(seconds=1)))["totalActivities"] == same_second
    assert repository.summary(DateRange(at - timedelta(seconds=1), at))["totalActivities"] == sum(
        1 for r in raw["activities"] if at - timedelta(seconds=1) <= _utc(r.created_at) < at
    )


def test_streamed_recent_activity_equals_list(repository):
    assert list(repository.iter_recent_activity(limit=500, batch_size=64)) == repository.recent_activity(500)
    assert sum(1 for _ in repository.iter_recent_activity(batch_size=1000)) == 20_000


def test_bad_arguments(repository):
    with pytest.raises(ValueError, match="months"):
        repository.user_growth(0)
    with pytest.raises(ValueError, match="limit"):
        repository.top_items(-3)
    with pytest.raises(ExportOptionsError, match="before end"):
        repository.activity_trends(7, DateRange(date(2025, 2, 1), date(2025, 1, 1)))


def test_ping_measures_a_round_trip(repository):
    assert 0 < repository.ping() < 5000


def test_missing_tables_is_a_clear_error(tmp_path):
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.source.opening import open_source

    empty = tmp_path / "empty.sqlite3"
    with sqlite3.connect(empty) as conn:  # a database, but not the analytics one
        conn.execute("CREATE TABLE other (a INTEGER)")
    settings = Settings.for_dir(tmp_path, database_url=f"sqlite:///{empty}")
    with pytest.raises(DatabaseError, match="no users, items, activities table"):
        open_source(settings)


def test_unreachable_database_masks_password():
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.source.opening import open_source

    settings = Settings.for_dir("/tmp", database_url="postgresql://bob:canary-s3cret@127.0.0.1:1/nowhere")
    with pytest.raises(DatabaseError) as info:
        open_source(settings)
    message = str(info.value)
    assert "canary-s3cret" not in message
    assert "bob:***@127.0.0.1:1" in message and "\n" not in message
