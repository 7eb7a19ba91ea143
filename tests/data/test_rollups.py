"""The rollups answer every dataset exactly as the full queries do.

Over the foreign schema of test_mapped_source (SQLite text, epoch and offset text, PostgreSQL
timestamptz, MariaDB DATETIME), in Europe/Berlin: every dataset and range after the first build,
after the clock crosses midnight and daylight-saving days, with rows arriving late inside the
lateness window, with rows deleted (after the nightly verification), and after a zone change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from tests.support import foreign
from tests.support.constants import MYSQL_URL, POSTGRES_URL
from tui_analytics.config.source_mapping import parse_source
from tui_analytics.data.engines import new_engine
from tui_analytics.data.rollups.answers import IncrementalRepository
from tui_analytics.data.rollups.store import RollupStore
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)

RANGES: dict[str, DateRange | None] = {
    "none": None,
    "seconds": DateRange(datetime(2026, 11, 10, 17, 45, 2), datetime(2026, 11, 10, 17, 45, 7)),
    "berlin-days": DateRange(date(2026, 3, 1), date(2026, 10, 31)),
    "recent-days": DateRange(date(2026, 11, 20), date(2026, 12, 15)),
    "into-today": DateRange(datetime(2026, 12, 1, 7, 30, tzinfo=UTC), datetime(2026, 12, 15, 11, 0, tzinfo=UTC)),
    "dst": DateRange(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, 0, 500000, tzinfo=UTC)),
    "open-day": DateRange(date(2026, 12, 15), date(2026, 12, 16)),
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


class Pair:
    """The full-query repository and the incremental one over the same source, one clock."""

    def __init__(self, engine: Any, state_url: str, storage: Any, zone: Any = BERLIN) -> None:
        self.engine, self.storage, self.clock = engine, storage, FrozenClock(NOW)
        self.state = new_engine(state_url)
        self.mapping = parse_source(foreign.mapping(storage))
        self.rezone(zone)

    def rezone(self, zone: Any) -> None:
        self.base = AdminAnalyticsOptimizedRepository(self.engine, clock=self.clock, zone=zone, mapping=self.mapping)
        self.inc = IncrementalRepository(self.base, RollupStore(self.state), writer=True)

    def ready(self) -> None:
        """Build (or catch up) the rollups now, as the background build would."""
        assert self.inc.maintainer is not None
        self.inc.maintainer.maintain()
        self.inc.maintainer.wait()
        assert self.inc.maintainer.state().status == "ready", self.inc.maintainer.state()

    def equal(self, ranges: dict[str, DateRange | None] = RANGES) -> None:
        for name, rng in ranges.items():
            for months in (24, 2):
                assert self.inc.user_growth(months, rng) == self.base.user_growth(months, rng), (name, months)
            for days in (400, 30, 7):
                assert self.inc.activity_trends(days, rng) == self.base.activity_trends(days, rng), (name, days)
            assert self.inc.top_items(10, rng) == self.base.top_items(10, rng), name
            for limit in (1, 3, 40):  # few: the candidates above a floor; many: every item
                assert self.inc.top_items(limit, rng) == self.base.top_items(limit, rng), (name, limit)
            assert self.inc.summary(rng) == self.base.summary(rng), name

    def insert(self, event_id: int, account: int, product: int, when: datetime) -> None:
        value = self.storage.event_value(when)
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {foreign.PREFIX}events (id, account, product, kind, occurred_at) VALUES (:a, :b, :c, 'late', :e)"
                ),
                {"a": event_id, "b": account, "c": product, "e": value},
            )


@pytest.fixture(params=STORES)
def pair(request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    name, url = request.param
    monkeypatch.setattr(foreign, "PREFIX", "rollups_")  # not the tables test_mapped_source uses on shared servers
    storage = foreign.STORAGES[name]
    special = [NOW - timedelta(days=30), datetime(2026, 12, 14, 23, 0, tzinfo=UTC), datetime(2026, 12, 14, 22, 59, 59, tzinfo=UTC)]
    rows = foreign.make_rows(special, precision_us=storage.precision_us)
    engine = new_engine(url or f"sqlite:///{tmp_path / 'foreign.sqlite3'}")
    foreign.build(engine, storage, rows)
    made = Pair(engine, f"sqlite:///{tmp_path / 'state.sqlite3'}", storage)
    try:
        yield made
    finally:
        if url:
            foreign.drop(engine)
        engine.dispose()
        made.state.dispose()


def test_before_the_first_build_the_full_queries_answer(pair: Pair) -> None:
    assert pair.inc.watermark() is not None or pair.inc.maintainer is not None
    pair.inc.maintainer.wait()  # type: ignore[union-attr]
    pair.equal({"none": None})


def test_every_dataset_and_range_equals_the_full_query(pair: Pair) -> None:
    pair.ready()
    assert pair.inc.watermark() == date(2026, 12, 15)
    pair.equal()


def test_days_turn_late_rows_arrive_and_deletes_are_verified(pair: Pair) -> None:
    pair.ready()
    # Midnight in Berlin: 2026-12-15 23:00 UTC. A row a microsecond before and one at it.
    pair.insert(90001, 3, 4, datetime(2026, 12, 15, 22, 59, 59, tzinfo=UTC))
    pair.insert(90002, 3, 4, datetime(2026, 12, 15, 23, 0, tzinfo=UTC))
    pair.clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=UTC))
    pair.equal({"none": None, "recent-days": RANGES["recent-days"]})
    assert pair.inc.watermark() == date(2026, 12, 16)
    # A late row for yesterday (inside the lateness) is picked up at the next check.
    pair.insert(90003, 7, 9, datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    pair.clock.advance(timedelta(minutes=5))
    pair.equal({"none": None, "recent-days": RANGES["recent-days"]})
    # A deleted row of a closed day is caught by the verification.
    with pair.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {foreign.PREFIX}events WHERE id IN (17, 2000)"))
    assert pair.inc.maintainer is not None
    assert pair.inc.maintainer.verify()
    pair.equal({"none": None, "berlin-days": RANGES["berlin-days"], "recent-days": RANGES["recent-days"]})


def test_a_zone_change_rebuilds(pair: Pair) -> None:
    pair.ready()
    pair.rezone(ZoneInfo("America/New_York"))
    assert pair.inc.watermark() is None  # another zone: the full queries answer while it rebuilds
    pair.inc.maintainer.wait()  # type: ignore[union-attr]
    pair.ready()
    pair.equal({"none": None, "recent-days": RANGES["recent-days"], "dst": RANGES["dst"]})


def test_a_refresh_reads_only_rows_after_the_watermark_less_lateness(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the statements sent: every read of the events is bounded below by the watermark less
    the lateness, or (the first day of a 30-day window that starts mid-day) bounded on both sides
    within one day."""
    monkeypatch.setattr(foreign, "PREFIX", "rollups_")
    storage = foreign.STORAGES["sqlite-django-text"]
    engine = new_engine(f"sqlite:///{tmp_path / 'foreign.sqlite3'}")
    foreign.build(engine, storage, foreign.make_rows([]))
    pair = Pair(engine, f"sqlite:///{tmp_path / 'state.sqlite3'}", storage)
    pair.ready()
    pair.clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=UTC))  # the day turns: yesterday is rolled up
    sent: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, params, ctx, many: sent.append((stmt, params)))
    # The watermark before each refresh: 2026-12-15 (the day turns during the first), then 2026-12-16.
    for watermark in (date(2026, 12, 15), date(2026, 12, 16)):
        sent.clear()
        pair.inc.user_growth(12)
        pair.inc.activity_trends(7)
        pair.inc.activity_trends(30)
        pair.inc.summary()
        pair.inc.top_items(10)
        pair.clock.advance(timedelta(minutes=5))
        floor = datetime.combine(watermark - timedelta(days=2), datetime.min.time(), tzinfo=BERLIN).astimezone(UTC)
        reads = [(s, p) for s, p in sent if f"{foreign.PREFIX}events" in s]
        assert reads
        for stmt, params in reads:
            bounds = [v for v in params if isinstance(v, str) and v[:2] == "20"]
            if not bounds and stmt.rstrip().endswith("occurred_at IS NULL"):
                continue  # the rows without a time (in the total, in no day): an index seek on NULL
            assert bounds, stmt  # every read of the events is bounded below
            if len(bounds) == 1:  # at or after the open day (the total, the newest activity)
                assert bounds[0] >= floor.strftime("%Y-%m-%d %H:%M:%S"), (stmt, params)
                continue
            for lo, hi in zip(bounds[::2], bounds[1::2], strict=True):
                if lo >= floor.strftime("%Y-%m-%d %H:%M:%S"):
                    continue
                assert datetime.fromisoformat(hi) - datetime.fromisoformat(lo) <= timedelta(days=1), (stmt, params)


def test_activities_mapped_as_a_query_and_a_change_of_lateness(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The activities as an SQL query of the mapping; a new lateness rebuilds (it is fingerprinted)."""
    monkeypatch.setattr(foreign, "PREFIX", "rollups_")
    storage = foreign.STORAGES["sqlite-django-text"]
    engine = new_engine(f"sqlite:///{tmp_path / 'foreign.sqlite3'}")
    foreign.build(engine, storage, foreign.make_rows([NOW - timedelta(days=30)]))
    pair = Pair(engine, f"sqlite:///{tmp_path / 'state.sqlite3'}", storage)
    mapping = foreign.mapping(storage)
    mapping["activities"] = {
        "query": "SELECT id, account AS user_id, product AS item_id, kind AS action, occurred_at AS created_at "
        f"FROM {foreign.PREFIX}events"
    }
    pair.mapping = parse_source(mapping)
    pair.rezone(BERLIN)
    pair.ready()
    pair.equal({"none": None, "recent-days": RANGES["recent-days"], "dst": RANGES["dst"]})
    relaxed = IncrementalRepository(pair.base, RollupStore(pair.state), lateness_days=5, writer=True)
    assert relaxed.watermark() is None  # built for a lateness of 2: rebuilt, the full queries meanwhile
    assert relaxed.maintainer is not None
    relaxed.maintainer.wait()
    assert relaxed.watermark() == date(2026, 12, 15)
    assert relaxed.top_items(5) == pair.base.top_items(5) and relaxed.summary() == pair.base.summary()


def test_another_zones_days_and_periods_by_day_are_the_full_queries(pair: Pair) -> None:
    """A report template's own zone: the rollups hold the reporting zone's days, so another zone's
    counts come from the full queries in that zone; counting by day or week does too."""
    pair.ready()
    new_york = ZoneInfo("America/New_York")
    assert pair.inc.in_zone(BERLIN) is pair.inc
    other = pair.inc.in_zone(new_york)
    assert getattr(other, "zone", None) == new_york
    assert other.activity_trends(30, None) == AdminAnalyticsOptimizedRepository(
        pair.engine, clock=pair.clock, zone=new_york, mapping=pair.mapping
    ).activity_trends(30, None)
    assert other.activity_trends(30, None) != pair.inc.activity_trends(30, None)  # the days differ
    assert pair.inc.trend_by("user-growth", "day", 30) == pair.base.trend_by("user-growth", "day", 30)
