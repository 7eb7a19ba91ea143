"""The analytics cache: TTL per entry on the injected clock, globs, stale-while-error, bounds, counters."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tui_analytics.processor.cache import AnalyticsCache
from tui_analytics.runtime.clock import FrozenClock

KEYS = ["user-growth:12", "activity-trends:7", "activity-trends:30", "top-items:10", "recent-activity:20", "performance-metrics"]


@pytest.fixture
def cache(frozen_clock: FrozenClock) -> AnalyticsCache:
    c = AnalyticsCache(clock=frozen_clock)
    for key in KEYS:
        c.set(key, [key], ttl=60)
    return c


def test_entry_age_and_expiry_follow_the_clock(cache: AnalyticsCache, frozen_clock: FrozenClock) -> None:
    start = frozen_clock.now()
    frozen_clock.advance(20)
    entry = cache.peek("top-items:10")
    assert entry is not None
    assert entry.stored_at == start
    assert entry.expires_at == start + timedelta(seconds=60)
    assert entry.age(frozen_clock.now()) == pytest.approx(20)
    assert entry.expires_in(frozen_clock.now()) == pytest.approx(40)
    frozen_clock.advance(40)
    assert cache.peek("top-items:10") is None
    assert "top-items:10" not in cache


def test_ttl_is_per_entry(frozen_clock: FrozenClock) -> None:
    cache = AnalyticsCache(clock=frozen_clock)
    cache.set("performance-metrics", {}, ttl=30)
    cache.set("top-items:10", [], ttl=900)
    frozen_clock.advance(31)
    assert cache.keys() == ["top-items:10"]


def test_hits_and_misses_are_counted_by_reads_only(cache: AnalyticsCache) -> None:
    assert cache.get("user-growth:12") == ["user-growth:12"]
    assert cache.read("activity-trends:7") is not None
    assert cache.get("nope", "default") == "default"
    cache.peek("user-growth:12")
    cache.entries()
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size) == (2, 1, 6)
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert AnalyticsCache().stats().hit_rate is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("user-growth*", ["user-growth:12"]),
        ("activity-trends*", ["activity-trends:30", "activity-trends:7"]),
        ("activity-trends:3?", ["activity-trends:30"]),
        ("*:7", ["activity-trends:7"]),
        ("[tr]*", ["recent-activity:20", "top-items:10"]),
        ("performance-metrics", ["performance-metrics"]),
        ("user_growth*", []),  # underscores never match: every key starts with its hyphenated job id
        ("USER-GROWTH*", []),  # case-sensitive everywhere
        ("*", sorted(KEYS)),
    ],
)
def test_invalidate_glob(cache: AnalyticsCache, pattern: str, expected: list[str]) -> None:
    assert cache.invalidate(pattern, dry_run=True) == expected
    assert len(cache) == len(KEYS)  # the dry run removed nothing
    assert cache.invalidate(pattern) == expected
    assert sorted(cache.keys()) == sorted(set(KEYS) - set(expected))


def test_stale_while_error_keeps_the_last_good_value(cache: AnalyticsCache, frozen_clock: FrozenClock) -> None:
    frozen_clock.advance(50)
    entry = cache.mark_failed("top-items:10", "database is locked")
    assert entry is not None and entry.stale and entry.error == "database is locked"
    assert entry.failed_at == frozen_clock.now()
    assert entry.value == ["top-items:10"]
    assert entry.age(frozen_clock.now()) == pytest.approx(50)  # age of the value, not of the failure
    frozen_clock.advance(50)  # past the original expiry: the failure extended the entry's life
    assert cache.get("top-items:10") == ["top-items:10"]
    assert cache.stats().stale == 1
    fresh = cache.set("top-items:10", ["new"], ttl=60)
    assert not fresh.stale and fresh.error is None
    assert cache.mark_failed("missing", "boom") is None
    assert "missing" not in cache


def test_size_bound_evicts_least_recently_used(frozen_clock: FrozenClock) -> None:
    cache = AnalyticsCache(maxsize=3, clock=frozen_clock)
    for key in ("a", "b", "c"):
        cache.set(key, key, ttl=60)
    cache.get("a")
    cache.set("d", "d", ttl=60)
    assert sorted(cache.keys()) == ["a", "c", "d"]
    with pytest.raises(ValueError):
        AnalyticsCache(maxsize=0)


def test_expire_and_clear_report_what_went(cache: AnalyticsCache, frozen_clock: FrozenClock) -> None:
    cache.set("long", 1, ttl=600)
    frozen_clock.advance(61)
    assert sorted(cache.expire()) == sorted(KEYS)
    assert cache.clear() == 1
    assert cache.clear() == 0


def test_on_change_reports_each_change(cache: AnalyticsCache) -> None:
    seen: list[tuple[str, list[str]]] = []
    cache.on_change = lambda action, keys: seen.append((action, keys))
    cache.set("x", 1)
    cache.mark_failed("x", "e")
    cache.invalidate("user-growth*")
    cache.invalidate("nothing*")
    cache.invalidate("top*", dry_run=True)
    cache.clear()
    assert [a for a, _ in seen] == ["set", "stale", "invalidate", "clear"]
    assert seen[2] == ("invalidate", ["user-growth:12"])


def test_concurrent_writers_and_readers(frozen_clock: FrozenClock) -> None:
    cache = AnalyticsCache(maxsize=50, clock=frozen_clock)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                cache.set(f"k{n}:{i % 80}", i, ttl=5)
                cache.get(f"k{(n + 1) % 4}:{i % 80}")
                if i % 50 == 0:
                    cache.invalidate(f"k{n}:1*")
                    cache.entries()
                    frozen_clock.advance(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 50
