"""RollupMaintainer: builds the rollups, keeps them up to date behind the watermark, verifies them.

The watermark is the first day not yet rolled up (today, in the reporting zone, after a
catch-up): days before it are closed and answered from the rollups, days from it on are read
raw. A catch-up reads only rows at or after `watermark - lateness`: when the day has turned it
aggregates [watermark - lateness, today); otherwise it compares the per-day counts of the
lateness days with the rollups (one grouped count each for activities and users) and rolls up
again the days that differ (late rows). The nightly verification does the same comparison for
the whole history, which catches deleted rows. Only the scheduling process builds and writes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from tui_analytics.config.source_mapping import SourceMapping
from tui_analytics.data.rollups.reading import SourceReader, day_of
from tui_analytics.data.rollups.store import RollupStore
from tui_analytics.runtime.clock import Clock

log = logging.getLogger(__name__)

# Days per statement when building or rebuilding (each step reports progress).
STEP_DAYS = 31
# The longest default window a dataset asks for: top items and summary's last 30 days.
WINDOW_DAYS = 30

# A failed build is tried again this long after (the datasets are the full queries meanwhile).
RETRY_AFTER = timedelta(minutes=10)

Progress = Callable[[int, int], None]  # (days done, days in all)


@dataclass(frozen=True)
class RollupState:
    """What the rollups are: 'absent', 'building' (with progress), 'ready', or 'failed'."""

    status: str
    watermark: date | None = None
    days_done: int = 0
    days_total: int = 0
    error: str | None = None


def fingerprint(mapping: SourceMapping, zone: tzinfo, lateness_days: int) -> str:
    """What the rollups were built for: a change of any of these rebuilds them."""
    text = f"{mapping!r}|{getattr(zone, 'key', None) or zone!r}|{lateness_days}|v1"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RollupMaintainer:
    """The writing side of the rollups (the scheduling process only)."""

    def __init__(
        self,
        reader: Callable[[], SourceReader],
        store: RollupStore,
        *,
        clock: Clock,
        print_: str,
        lateness_days: int = 2,
        check_every_s: float = 30.0,
    ) -> None:
        self._reader = reader
        self.store = store
        self.clock = clock
        self.print = print_
        self.lateness = timedelta(days=lateness_days)
        self.horizon_days = WINDOW_DAYS + lateness_days + 2
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._build: threading.Thread | None = None
        self._progress = (0, 0)
        self._error: str | None = None
        self._checked_at: datetime | None = None
        self._failed_at: datetime | None = None

    @property
    def zone(self) -> tzinfo:
        return self._reader().zone

    def today(self) -> date:
        return day_of(self.clock.now(), self.zone)

    # -- state ----------------------------------------------------------------------------

    def state(self) -> RollupState:
        if self._build is not None and self._build.is_alive():
            return RollupState("building", days_done=self._progress[0], days_total=self._progress[1])
        if self._error:
            return RollupState("failed", error=self._error)
        meta = self.store.meta()
        if meta.get("fingerprint") != self.print or meta.get("status") != "ready" or not meta.get("watermark"):
            return RollupState("absent")
        return RollupState("ready", watermark=date.fromisoformat(str(meta["watermark"])))

    # -- the refresh's step ---------------------------------------------------------------

    def maintain(self) -> RollupState:
        """Start the first build in the background, or catch up; returns the state after it."""
        state = self.state()
        failed_long_ago = state.status == "failed" and (self._failed_at is None or self._failed_at < self.clock.now() - RETRY_AFTER)
        if state.status == "absent" or failed_long_ago:
            self.start_build()
            return self.state()
        if state.status == "ready":
            with self._lock:
                self.catch_up()
            return self.state()
        return state

    def start_build(self) -> None:
        if self._build is not None and self._build.is_alive():
            return
        self._error = None
        self._build = threading.Thread(target=self._build_quietly, name="rollup-build", daemon=True)
        self._build.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background build (tests, the CLI)."""
        if self._build is not None:
            self._build.join(timeout)

    def _build_quietly(self) -> None:
        try:
            with self._lock:
                self.build(lambda done, total: setattr(self, "_progress", (done, total)))
        except Exception as exc:  # the datasets stay on the full queries; the next maintain() retries
            from tui_analytics.runtime.errors import one_line

            self._error = one_line(exc)
            self._failed_at = self.clock.now()
            log.warning("building the rollups failed: %s", self._error)

    def build(self, progress: Progress | None = None) -> None:
        """Every rollup from the source's first day to yesterday (blocking)."""
        reader = self._reader()
        today = self.today()
        self.store.clear({"fingerprint": self.print, "status": "building"})
        span = reader.span()
        first = min(span[0], today) if span else today
        self._roll(reader, first, today, progress)
        self.store.set_meta({"watermark": today.isoformat(), "first_day": first.isoformat(), **self._first_activity(reader)})
        self.derive(force=True)
        self.store.set_meta({"status": "ready"})

    def window_first(self) -> date:
        """The first whole day of the default window (the last 30 days, ending now)."""
        start = self.clock.now() - timedelta(days=WINDOW_DAYS)
        day = day_of(start, self.zone)
        return day if datetime.combine(day, datetime.min.time(), tzinfo=self.zone) == start else day + timedelta(days=1)

    def derive(self, *, force: bool = False) -> None:
        """The derived tables again, when days were replaced or the default window moved."""
        meta = self.store.meta()
        first, watermark = self.window_first().isoformat(), str(meta["watermark"])
        if force or meta.get("derived_from") != first or meta.get("derived_watermark") != watermark:
            self.store.derive(first, watermark)

    def _first_activity(self, reader: SourceReader) -> dict[str, str | None]:
        stamp = reader.acts_time
        from sqlalchemy import select

        got = reader.rows(
            select(stamp.raw)
            .select_from(reader.source.activities.source)
            .where(stamp.raw.is_not(None))
            .order_by(stamp.order_expr)
            .limit(1)
        )
        return {"first_activity": stamp.stored.iso(got[0][0]) if got else None}

    def _roll(self, reader: SourceReader, first: date, stop: date, progress: Progress | None, *, newest: bool = True) -> None:
        total = max((stop - first).days, 0)
        horizon = (self.today() - timedelta(days=self.horizon_days)).isoformat()
        day = first
        while day < stop:
            step_end = min(day + timedelta(days=STEP_DAYS), stop)
            agg = reader.aggregate(day, step_end, date.fromisoformat(horizon))
            meta: dict[str, str | None] = {}
            if newest and agg.newest is not None:  # steps go forward in time: the last one found is the newest
                meta["last_closed_activity"] = reader.acts_time.stored.iso(agg.newest)
            self.store.replace(agg, horizon, meta or None)
            day = step_end
            if progress:
                progress((day - first).days, total)

    def catch_up(self) -> list[str]:
        """Roll up the days closed since the last call and the lateness days that changed; the days redone."""
        now = self.clock.now()
        meta = self.store.meta()
        watermark = date.fromisoformat(str(meta["watermark"]))
        today = self.today()
        reader = self._reader()
        check_from = day_of(datetime.combine(watermark, datetime.min.time(), tzinfo=self.zone) - self.lateness, self.zone)
        if today > watermark:
            self._roll(reader, check_from, today, None)
            self.store.set_meta({"watermark": today.isoformat()})
            self._checked_at = now
            self.derive(force=True)
            return [(check_from + timedelta(days=i)).isoformat() for i in range((today - check_from).days)]
        if self._checked_at is not None and (now - self._checked_at).total_seconds() < self.check_every_s:
            self.derive()
            return []
        self._checked_at = now
        differ = self.repair(reader, check_from, watermark)
        self.derive(force=bool(differ))
        return differ

    def repair(self, reader: SourceReader, first: date, stop: date, *, newest: bool = False) -> list[str]:
        """Compare per-day counts over [first, stop) with the source; roll up again the days that differ."""
        started = time.process_time()
        acts, users = reader.day_counts(first, stop), reader.day_counts(first, stop, users=True)
        stored = self.store.day_counts(first.isoformat(), stop.isoformat())
        days = sorted(set(acts) | set(users) | set(stored))
        differ = [
            d
            for d in days
            if (acts.get(d, 0), users.get(d, 0)) != stored.get(d, (0, 0)) and first.isoformat() <= d < stop.isoformat()
        ]
        log.info(
            "rollup check %s..%s: %d days differ (%.0f ms CPU)", first, stop, len(differ), (time.process_time() - started) * 1000
        )
        for run_first, run_stop in _runs(differ):
            self._roll(reader, run_first, run_stop, None, newest=newest and run_stop == stop)
        return differ

    def verify(self) -> list[str]:
        """The nightly check: every closed day's counts against the source; differing days rebuilt."""
        with self._lock:
            if self.state().status != "ready":
                return []
            reader = self._reader()
            meta = self.store.meta()
            watermark = date.fromisoformat(str(meta["watermark"]))
            span = reader.span()
            first = min(span[0], date.fromisoformat(str(meta["first_day"]))) if span else watermark
            differ = self.repair(reader, first, watermark, newest=True)
            if differ:
                self.derive(force=True)
                self.store.set_meta({"first_day": first.isoformat(), **self._first_activity(reader)})
                newest = reader.newest(datetime.combine(first, datetime.min.time(), tzinfo=self.zone))
                self.store.set_meta({"last_closed_activity": reader.acts_time.stored.iso(newest)})
            return differ

    def verify_if_due(self) -> list[str] | None:
        """The verification once a day (cache-cleanup runs hourly); None when not due or not ready."""
        if self.state().status != "ready":
            return None
        today = self.today().isoformat()
        if self.store.meta().get("verified_on") == today:
            return None
        started = time.process_time()
        differ = self.verify()
        self.store.set_meta({"verified_on": today})
        log.info("rollups verified: %d days rebuilt (%.0f ms CPU)", len(differ), (time.process_time() - started) * 1000)
        return differ

    def rebuild(self, first: date | None = None, stop: date | None = None, progress: Progress | None = None) -> int:
        """Roll up [first, stop) again (everything without bounds); the days redone."""
        with self._lock:
            if first is None and stop is None or self.state().status != "ready":
                self.build(progress)
                meta = self.store.meta()
                return (date.fromisoformat(str(meta["watermark"])) - date.fromisoformat(str(meta["first_day"]))).days
            meta = self.store.meta()
            watermark = date.fromisoformat(str(meta["watermark"]))
            lo = max(first or date.fromisoformat(str(meta["first_day"])), date.fromisoformat(str(meta["first_day"])))
            hi = min(stop or watermark, watermark)
            self._roll(self._reader(), lo, hi, progress, newest=hi == watermark)
            self.derive(force=True)
            return max((hi - lo).days, 0)


def _runs(days: list[str]) -> list[tuple[date, date]]:
    """Consecutive days grouped: [(first, stop)]."""
    out: list[tuple[date, date]] = []
    for d in sorted(date.fromisoformat(x) for x in days):
        if out and out[-1][1] == d:
            out[-1] = (out[-1][0], d + timedelta(days=1))
        else:
            out.append((d, d + timedelta(days=1)))
    return out
