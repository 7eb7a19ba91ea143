"""Fakes shared by the processor, alerts, wiring and reliability tests (no tests here; the
fixtures are in tests/processor/conftest.py).

FakeRepository implements SourceRepository, the protocol the services hold the source
database by, with canned rows; WrappedRepository implements it over another repository
(a real one), for tests that fail, hold or count its calls. mypy checks both against the
protocol (this module is in its `modules`). Each FakeRepository call can be made to fail,
to take simulated time (it advances the frozen clock, so durations are exact), or to block
in its worker thread until a gate opens (a run that is "still running").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from typing import TypeVar

from tui_analytics.data.source.protocol import PeriodTrends, SourceRepository
from tui_analytics.data.source.recent_stream import RecentActivityStream, RecentColumns
from tui_analytics.data.source.rows import ActivityTrendRow, PeriodRow, RecentActivityRow, Summary, TopItemRow, UserGrowthRow
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.event_types import Event
from tui_analytics.runtime.events import EventBus

ALL_JOBS = ["user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics", "cache-cleanup"]

T = TypeVar("T")
# The methods of SourceRepository, as `fail`, `cost`, `sleep` and `gates` name them.
SOURCE_METHODS = (
    "user_growth",
    "trend_by",
    "activity_trends",
    "top_items",
    "recent_activity",
    "iter_recent_activity",
    "summary",
    "ping",
)


class FakeRepository:
    """Canned datasets; `fail`, `cost` (seconds of frozen time), `gates`, `sleep` (real blocking) per method."""

    def __init__(self, clock: FrozenClock | None = None) -> None:
        self.clock = clock
        self.fail: dict[str, Exception] = {}
        self.cost: dict[str, float] = {}
        self.sleep: dict[str, float] = {}
        self.gates: dict[str, threading.Event] = {}
        self.entered: dict[str, threading.Event] = {}
        self.calls: list[tuple[str, dict[str, object]]] = []
        self.threads: set[str] = set()

    def _call(self, method: str, result: T, **kwargs: object) -> T:
        self.calls.append((method, kwargs))
        self.threads.add(threading.current_thread().name)
        self.entered.setdefault(method, threading.Event()).set()
        gate = self.gates.get(method)
        if gate is not None and not gate.wait(10):
            raise TimeoutError(f"gate for {method} never opened")
        if method in self.sleep:
            time.sleep(self.sleep[method])  # blocks this worker thread, as a slow query does
        if self.clock is not None and method in self.cost:
            self.clock.advance(self.cost[method])
        if method in self.fail:
            raise self.fail[method]
        return result

    @classmethod
    def failing(cls, error: Exception) -> FakeRepository:
        """A repository whose every query raises `error` (a source that is down or refuses)."""
        fake = cls()
        fake.fail = dict.fromkeys(SOURCE_METHODS, error)
        return fake

    def block(self, method: str) -> threading.Event:
        """Make `method` wait until the returned event is set."""
        gate = threading.Event()
        self.gates[method] = gate
        self.entered[method] = threading.Event()
        return gate

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        rows: list[UserGrowthRow] = [
            {"month": f"2025-{m:02d}", "newUsers": m, "totalUsers": m * (m + 1) // 2} for m in range(1, months + 1)
        ]
        return self._call("user_growth", rows, months=months)

    def trend_by(self, dataset: str, by: str, count: int, date_range: DateRange | None = None) -> list[PeriodRow]:
        column = {"day": "date", "week": "week", "month": "month"}[by]
        rows: list[PeriodRow] = [{column: f"p{n}", "newUsers": n, "totalUsers": n * (n + 1) // 2} for n in range(1, count + 1)]
        return self._call("trend_by", rows, dataset=dataset, by=by, count=count)

    def activity_trends(self, days: int = 7, date_range: DateRange | None = None) -> list[ActivityTrendRow]:
        rows: list[ActivityTrendRow] = [
            {"date": f"2026-01-{d:02d}", "activities": 10 * d, "activeUsers": d} for d in range(1, days + 1)
        ]
        return self._call("activity_trends", rows, days=days)

    def top_items(self, limit: int = 10, date_range: DateRange | None = None) -> list[TopItemRow]:
        rows: list[TopItemRow] = [
            {"rank": i, "itemId": i, "name": f"Item {i}", "category": "c", "interactions": 100 - i, "uniqueUsers": 50 - i}
            for i in range(1, limit + 1)
        ]
        return self._call("top_items", rows, limit=limit)

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[RecentActivityRow]:
        return self._call("recent_activity", _recent(limit), limit=limit)

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = 5000
    ) -> RecentActivityStream:
        rows = self._call("iter_recent_activity", _recent(20 if limit is None else limit), limit=limit)
        return RecentActivityStream(_batches(rows, batch_size))

    def summary(self, date_range: DateRange | None = None) -> Summary:
        figures: Summary = {
            "totalUsers": 300,
            "activeUsers": 120,
            "totalItems": 40,
            "totalActivities": 20000,
            "newUsers": 12,
            "actions": {"view": 20000},
            "periodStart": "2025-12-16T12:00:00+00:00",
            "periodEnd": "2026-01-15T12:00:00+00:00",
            "firstActivity": "2025-01-01T00:00:00+00:00",
            "lastActivity": "2026-01-15T11:59:00+00:00",
        }
        return self._call("summary", figures)

    def ping(self) -> float:
        return self._call("ping", 1.5)


class WrappedRepository:
    """Another repository's answers, each query first passing `before(method)`: a test overrides it
    to fail, hold or count the calls of a real repository."""

    def __init__(self, inner: SourceRepository) -> None:
        self.inner = inner

    def before(self, method: str) -> None:
        """Called in the query's thread before `method` runs; raising fails the query."""

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        self.before("user_growth")
        return self.inner.user_growth(months, date_range)

    def trend_by(self, dataset: str, by: str, count: int, date_range: DateRange | None = None) -> list[PeriodRow]:
        self.before("trend_by")
        if not isinstance(self.inner, PeriodTrends):
            raise TypeError("the wrapped repository cannot count by period")
        return self.inner.trend_by(dataset, by, count, date_range)

    def activity_trends(self, days: int = 7, date_range: DateRange | None = None) -> list[ActivityTrendRow]:
        self.before("activity_trends")
        return self.inner.activity_trends(days, date_range)

    def top_items(self, limit: int = 10, date_range: DateRange | None = None) -> list[TopItemRow]:
        self.before("top_items")
        return self.inner.top_items(limit, date_range)

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[RecentActivityRow]:
        self.before("recent_activity")
        return self.inner.recent_activity(limit, date_range)

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = 5000
    ) -> RecentActivityStream:
        self.before("iter_recent_activity")
        return self.inner.iter_recent_activity(limit, date_range, batch_size)

    def summary(self, date_range: DateRange | None = None) -> Summary:
        self.before("summary")
        return self.inner.summary(date_range)

    def ping(self) -> float:
        self.before("ping")
        return self.inner.ping()


def _recent(count: int) -> list[RecentActivityRow]:
    return [
        {
            "timestamp": "2026-01-15T11:59:00+00:00",
            "userId": i,
            "userName": f"U{i}",
            "action": "view",
            "itemId": i,
            "itemName": f"Item {i}",
        }
        for i in range(count)
    ]


def _batches(rows: list[RecentActivityRow], size: int) -> Generator[RecentColumns, None, None]:
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        yield RecentColumns(
            [r["timestamp"] for r in part],
            [r["userId"] for r in part],
            [r["userName"] for r in part],
            [r["action"] for r in part],
            [r["itemId"] for r in part],
            [r["itemName"] for r in part],
        )


# mypy holds the fakes to the protocol here: a missing method or a changed signature fails the check.
_fake_is_a_source: SourceRepository = FakeRepository()
_wrapper_is_a_source: SourceRepository = WrappedRepository(_fake_is_a_source)


class Recorder:
    """Collects the events published on a bus."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(self.events.append)

    def types(self, subject: str | None = None) -> list[type[Event]]:
        return [type(e) for e in self.events if subject is None or e.subject == subject]
