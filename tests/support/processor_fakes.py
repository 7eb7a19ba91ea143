"""Fakes shared by the processor and reliability tests (no tests here; the fixtures are in
tests/processor/conftest.py).

FakeRepository answers like AdminAnalyticsOptimizedRepository. Each call can be
made to fail, to take simulated time (it advances the frozen clock, so durations
are exact), or to block in its worker thread until a gate opens (a run that is
"still running").
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.event_types import Event
from tui_analytics.runtime.events import EventBus

ALL_JOBS = ["user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics", "cache-cleanup"]


class FakeRepository:
    """Canned datasets; `fail`, `cost` (seconds of frozen time), `gates`, `sleep` (real blocking) per method."""

    def __init__(self, clock: FrozenClock | None = None) -> None:
        self.clock = clock
        self.fail: dict[str, Exception] = {}
        self.cost: dict[str, float] = {}
        self.sleep: dict[str, float] = {}
        self.gates: dict[str, threading.Event] = {}
        self.entered: dict[str, threading.Event] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.threads: set[str] = set()

    def _call(self, method: str, result: Any, **kwargs: Any) -> Any:
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

    def block(self, method: str) -> threading.Event:
        """Make `method` wait until the returned event is set."""
        gate = threading.Event()
        self.gates[method] = gate
        self.entered[method] = threading.Event()
        return gate

    def user_growth(self, months: int = 12, date_range: Any = None) -> list[dict[str, Any]]:
        rows = [{"month": f"2025-{m:02d}", "newUsers": m, "totalUsers": m * (m + 1) // 2} for m in range(1, months + 1)]
        return self._call("user_growth", rows, months=months)

    def activity_trends(self, days: int = 7, date_range: Any = None) -> list[dict[str, Any]]:
        rows = [{"date": f"2026-01-{d:02d}", "activities": 10 * d, "activeUsers": d} for d in range(1, days + 1)]
        return self._call("activity_trends", rows, days=days)

    def top_items(self, limit: int = 10, date_range: Any = None) -> list[dict[str, Any]]:
        rows = [{"rank": i, "itemId": i, "name": f"Item {i}", "category": "c", "interactions": 100 - i, "uniqueUsers": 50 - i}
                for i in range(1, limit + 1)]
        return self._call("top_items", rows, limit=limit)

    def recent_activity(self, limit: int = 20, date_range: Any = None) -> list[dict[str, Any]]:
        rows = [{"timestamp": "2026-01-15T11:59:00+00:00", "userId": i, "userName": f"U{i}", "action": "view",
                 "itemId": i, "itemName": f"Item {i}"} for i in range(limit)]
        return self._call("recent_activity", rows, limit=limit)

    def summary(self, date_range: Any = None) -> dict[str, Any]:
        return self._call("summary", {"totalUsers": 300, "activeUsers": 120, "totalItems": 40, "totalActivities": 20000})

    def ping(self) -> float:
        return self._call("ping", 1.5)


class Recorder:
    """Collects the events published on a bus."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(self.events.append)

    def types(self, subject: str | None = None) -> list[type[Event]]:
        return [type(e) for e in self.events if subject is None or e.subject == subject]
