"""Every dataset on a schema that is not ours equals an answer the test computes with its own SQL.

The foreign schema (tests/support/foreign.py: Django-style `auth_user`, products and genres
joined by a query, an `events` table) is stored five ways: SQLite text as Django writes it
(whole seconds without a fraction), SQLite epoch integers (users as JavaScript ISO text with
'Z'), SQLite text with differing UTC offsets, PostgreSQL `timestamptz`, MariaDB DATETIME(6) and
TIMESTAMP(6). The reference is the same rows in integer microseconds, with each row's day and
month in Europe/Berlin worked out by zoneinfo; the expected answers are plain SQL over it.
Rows sit exactly on the range bounds, a microsecond either side, at Berlin and UTC midnights
and at the daylight-saving changes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support import foreign
from tests.support.constants import MYSQL_URL, POSTGRES_URL
from tui_analytics.config.source_mapping import parse_source
from tui_analytics.data.engines import new_engine
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)

SPECIAL = [
    # The issue's example: the start is included, the end is not.
    datetime(2026, 11, 10, 17, 45, 2, tzinfo=UTC),
    datetime(2026, 11, 10, 17, 45, 7, tzinfo=UTC),
    datetime(2026, 11, 10, 17, 45, 2, 500000, tzinfo=UTC),
    datetime(2026, 11, 10, 17, 45, 7, tzinfo=UTC) - US,
    datetime(2026, 11, 10, 17, 45, 2, tzinfo=UTC) - US,
    # Berlin midnights (the bounds of a range of bare dates) and UTC midnights.
    datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 0, tzinfo=UTC) - US,
    datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 0, tzinfo=UTC) - US,
    datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 30, 22, 0, tzinfo=UTC),  # Berlin midnight in summer
    # Daylight-saving changes in Berlin, and around them.
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC) - timedelta(seconds=1),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, 59, 999000, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, 0, 500000, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    # The last 30 days' bounds of the frozen clock.
    NOW - timedelta(days=30),
    NOW - timedelta(days=30) - US,
]

RANGES = {
    "none": None,
    "seconds": DateRange(datetime(2026, 11, 10, 17, 45, 2), datetime(2026, 11, 10, 17, 45, 7)),
    "half-second": DateRange(datetime(2026, 11, 10, 17, 45, 2, 500000, tzinfo=UTC), datetime(2026, 11, 10, 17, 45, 7, tzinfo=UTC)),
    "berlin-days": DateRange(date(2026, 3, 1), date(2026, 10, 31)),
    "dst": DateRange(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, 0, 500000, tzinfo=UTC)),
    "berlin-time": DateRange(datetime(2026, 7, 1, 0, 0, tzinfo=BERLIN), datetime(2026, 7, 3, 0, 0, tzinfo=BERLIN)),
}


def _bounds(rng: DateRange | None, default_start: datetime) -> tuple[datetime, datetime]:
    return rng.bounds(BERLIN) if rng is not None else (default_start, NOW)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)


def _months_back(moment: datetime, n: int) -> datetime:
    local = moment.astimezone(BERLIN)
    index = local.year * 12 + local.month - 1 - (n - 1)
    return _midnight(date(index // 12, index % 12 + 1, 1))


def expected_growth(db: Any, rng: DateRange | None, months: int) -> list[dict[str, Any]]:
    start, end = _bounds(rng, _months_back(NOW, months))
    start = max(start, _months_back(end - US, months))
    if start >= end:
        return []
    m = foreign.micros
    counts = dict(
        db.execute("SELECT month, count(*) FROM users WHERE us >= ? AND us < ? GROUP BY month", (m(start), m(end))).fetchall()
    )
    total = db.execute("SELECT count(*) FROM users WHERE us < ?", (m(start),)).fetchone()[0]
    out, here, last = [], start.astimezone(BERLIN).replace(day=1), (end - US).astimezone(BERLIN)
    y, mo = here.year, here.month
    while (y, mo) <= (last.year, last.month):
        key = f"{y:04d}-{mo:02d}"
        total += counts.get(key, 0)
        out.append({"month": key, "newUsers": counts.get(key, 0), "totalUsers": total})
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out


def expected_trends(db: Any, rng: DateRange | None, days: int) -> list[dict[str, Any]]:
    today = NOW.astimezone(BERLIN).date()
    start, end = _bounds(rng, _midnight(today - timedelta(days=days - 1)))
    last_day = (end - US).astimezone(BERLIN).date()
    first_day = max(start.astimezone(BERLIN).date(), last_day - timedelta(days=days - 1))
    start = max(start, _midnight(first_day))
    found = {
        d: (n, u)
        for d, n, u in db.execute(
            "SELECT day, count(*), count(DISTINCT user_id) FROM events WHERE us >= ? AND us < ? GROUP BY day",
            (foreign.micros(start), foreign.micros(end)),
        )
    }
    out, day = [], first_day
    while day <= last_day:
        n, u = found.get(day.isoformat(), (0, 0))
        out.append({"date": day.isoformat(), "activities": n, "activeUsers": u})
        day += timedelta(days=1)
    return out


def expected_top(db: Any, rng: DateRange | None, limit: int) -> list[dict[str, Any]]:
    start, end = _bounds(rng, NOW - timedelta(days=30))
    rows = db.execute(
        "SELECT e.item_id, count(*) n, count(DISTINCT e.user_id), i.name, i.category FROM events e "
        "LEFT JOIN items i ON i.id = e.item_id WHERE e.us >= ? AND e.us < ? "
        "GROUP BY e.item_id ORDER BY n DESC, e.item_id LIMIT ?",
        (foreign.micros(start), foreign.micros(end), limit),
    )
    return [
        {"rank": rank, "itemId": item, "name": name, "category": category, "interactions": n, "uniqueUsers": u}
        for rank, (item, n, u, name, category) in enumerate(rows, start=1)
    ]


def expected_recent(db: Any, rng: DateRange | None, limit: int) -> list[dict[str, Any]]:
    start, end = rng.bounds(BERLIN) if rng is not None else (datetime(1970, 1, 1, tzinfo=UTC), NOW + timedelta(days=999))
    rows = db.execute(
        "SELECT e.us, e.user_id, u.name, e.action, e.item_id, i.name FROM events e "
        "LEFT JOIN users u ON u.id = e.user_id LEFT JOIN items i ON i.id = e.item_id "
        "WHERE e.us >= ? AND e.us < ? ORDER BY e.us DESC, e.id DESC LIMIT ?",
        (foreign.micros(start), foreign.micros(end), limit),
    )
    return [
        {"timestamp": foreign.iso_us(us), "userId": uid, "userName": uname, "action": action, "itemId": iid, "itemName": iname}
        for us, uid, uname, action, iid, iname in rows
    ]


def expected_summary(db: Any, rng: DateRange | None) -> dict[str, Any]:
    m = foreign.micros
    end = rng.bounds(BERLIN)[1] if rng is not None else NOW
    act_start = rng.bounds(BERLIN)[0] if rng is not None else NOW - timedelta(days=30)
    window = (m(act_start), m(end))
    one = lambda sql, args=(): db.execute(sql, args).fetchone()[0]  # noqa: E731
    first, last = db.execute("SELECT min(us), max(us) FROM events").fetchone()
    return {
        "totalUsers": one("SELECT count(*) FROM users WHERE us < ?", (m(end),)),
        "activeUsers": one("SELECT count(DISTINCT user_id) FROM events WHERE us >= ? AND us < ?", window),
        "totalItems": one("SELECT count(*) FROM items"),
        "totalActivities": one("SELECT count(*) FROM events WHERE us >= ? AND us < ?", window)
        if rng is not None
        else one("SELECT count(*) FROM events"),
        "newUsers": one("SELECT count(*) FROM users WHERE us >= ? AND us < ?", window),
        "actions": dict(
            db.execute(
                "SELECT action, count(*) FROM events WHERE us >= ? AND us < ? GROUP BY action ORDER BY action", window
            ).fetchall()
        ),
        "periodStart": act_start.isoformat(),
        "periodEnd": end.isoformat(),
        "firstActivity": foreign.iso_us(first),
        "lastActivity": foreign.iso_us(last),
    }


def _servers(name: str, url: str | None, var: str) -> Any:
    return pytest.param(
        (name, url),
        id=name,
        marks=[
            pytest.mark.skipif(not url, reason=f"{var} is not set (.ci/run sets it)"),
            pytest.mark.slow,
            pytest.mark.xdist_group("database-servers"),
        ],
    )


STORES = [
    pytest.param(("sqlite-django-text", None), id="sqlite-django-text"),
    pytest.param(("sqlite-epoch", None), id="sqlite-epoch"),
    pytest.param(("sqlite-offsets", None), id="sqlite-offsets"),
    _servers("postgresql", POSTGRES_URL, "TUI_ANALYTICS_TEST_POSTGRES_URL"),
    _servers("mariadb", MYSQL_URL, "TUI_ANALYTICS_TEST_MYSQL_URL"),
]


@pytest.fixture(params=STORES)
def mapped(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """(repository over the stored foreign schema, reference connection, storage)."""
    name, url = request.param
    storage = foreign.STORAGES[name]
    special = [t for t in SPECIAL if foreign.micros(t) % storage.precision_us == 0]
    rows = foreign.make_rows(special, precision_us=storage.precision_us)
    engine = new_engine(url or f"sqlite:///{tmp_path / 'foreign.sqlite3'}")
    foreign.build(engine, storage, rows)
    repo = AdminAnalyticsOptimizedRepository(
        engine, clock=FrozenClock(NOW), zone=BERLIN, mapping=parse_source(foreign.mapping(storage))
    )
    try:
        yield repo, foreign.reference(rows, BERLIN), storage
    finally:
        if url:
            foreign.drop(engine)
        engine.dispose()


@pytest.mark.parametrize("which", list(RANGES))
def test_every_dataset_equals_the_reference(mapped: Any, which: str) -> None:
    repo, db, _storage = mapped
    rng = RANGES[which]
    assert repo.user_growth(24, rng) == expected_growth(db, rng, 24)
    assert repo.user_growth(2, rng) == expected_growth(db, rng, 2)
    assert repo.activity_trends(400, rng) == expected_trends(db, rng, 400)
    assert repo.activity_trends(7, rng) == expected_trends(db, rng, 7)
    assert repo.top_items(10, rng) == expected_top(db, rng, 10)
    assert repo.recent_activity(60, rng) == expected_recent(db, rng, 60)
    assert list(repo.iter_recent_activity(date_range=rng, batch_size=100)) == expected_recent(db, rng, 10**9)
    assert repo.summary(rng) == expected_summary(db, rng)


def test_the_issue_example_keeps_the_start_row_and_drops_the_end_row(mapped: Any) -> None:
    repo, _db, storage = mapped
    rows = repo.recent_activity(10, RANGES["seconds"])
    stamps = [r["timestamp"] for r in rows]
    assert "2026-11-10T17:45:02+00:00" in stamps
    assert "2026-11-10T17:45:07+00:00" not in stamps
    if storage.precision_us == 1:
        assert stamps[0] == "2026-11-10T17:45:06.999999+00:00"


def test_daylight_saving_days_are_berlin_days(mapped: Any) -> None:
    repo, db, _storage = mapped
    rng = DateRange(date(2026, 3, 28), date(2026, 3, 30))
    rows = repo.activity_trends(30, rng)
    assert [r["date"] for r in rows] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    # 2026-03-29 00:59:59 UTC is 01:59:59 CET, 01:00:00 UTC is 03:00 CEST: both on the 29th.
    day = db.execute("SELECT count(*) FROM events WHERE day = '2026-03-29'").fetchone()[0]
    assert rows[1]["activities"] == day


def test_postgresql_own_zone_arithmetic_agrees(mapped: Any) -> None:
    """A second opinion where the server has a zone database: PostgreSQL's AT TIME ZONE."""
    repo, _db, storage = mapped
    if storage.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from sqlalchemy import text

    rng = RANGES["berlin-days"]
    assert rng is not None
    start, end = rng.bounds(BERLIN)
    with repo.engine.connect() as conn:
        found = {
            d: (n, u)
            for d, n, u in conn.execute(
                text(
                    "SELECT to_char(occurred_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') d, count(*), "
                    f"count(DISTINCT account) FROM {foreign.PREFIX}events WHERE occurred_at >= :s AND occurred_at < :e "
                    "GROUP BY d"
                ),
                {"s": start, "e": end},
            )
        }
    rows = repo.activity_trends(400, rng)
    assert {r["date"]: (r["activities"], r["activeUsers"]) for r in rows if r["activities"]} == found
