"""The Metrics pane: job counters, cache, event-loop lag, database latency, memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult

from tui_analytics.ui import format as fmt
from tui_analytics.ui.widgets.pane import Pane
from tui_analytics.ui.widgets.table import StyledTable

# Types only: importing the processor package at run time would load SQLAlchemy and
# APScheduler before the first frame.
if TYPE_CHECKING:
    from tui_analytics.alerts.models import AlertSummary
    from tui_analytics.alerts.rules import Reading
    from tui_analytics.processor.cache import CacheStats
    from tui_analytics.processor.models import JobMetrics
    from tui_analytics.ui.dashboard_state import DashboardState


@dataclass(frozen=True)
class MetricsView:
    """What the services report for the Metrics pane; every part may be missing while the app starts.

    The scheduler's state is not here: the pane reads the dashboard's own (DashboardState).
    """

    jobs: JobMetrics | None = None
    cache: CacheStats | None = None
    performance: Mapping[str, object] | None = None  # the performance-metrics job's last value
    alerts_configured: bool = False  # [[alerts]] targets exist: the pane says how the last alert went
    last_alert: AlertSummary | None = None
    rules: tuple[Reading, ...] = ()  # [[alerts.rules]]: a row each, firing toned


def _ms(value: object) -> str:
    return f"{value:.1f} ms" if isinstance(value, (int, float)) else fmt.DASH


class MetricsPane(Pane):
    """Label/value rows; failures and stale entries are toned so they stand out."""

    TITLE = "Metrics"
    NUMBER = 2

    def __init__(self, *, tz: tzinfo, id: str = "metrics") -> None:
        super().__init__(id=id)
        self._tz = tz
        self._measured: tuple[str, datetime] | None = None  # the "Measured" row's key and moment

    def compose(self) -> ComposeResult:
        yield StyledTable(id="metrics-table", show_header=False, cursor_type="none", classes="fill")

    def show(self, view: MetricsView, now: datetime, state: DashboardState) -> None:
        """Redraw from the services' figures and the dashboard's state (scheduler, lock holder, loop stalls)."""
        table = self.query_one("#metrics-table", StyledTable)
        perf = view.performance or {}
        scheduler, holder, stalls = state.scheduler, state.lock_holder, state.stall_summary
        rows = self._job_rows(table, view.jobs, now) + self._cache_rows(table, view.cache)
        measured = _parse(perf.get("measuredAt"))
        latency = perf.get("databaseLatencyMs")
        db_error = perf.get("databaseError")
        rows += [
            ("Event-loop lag", self._lag(perf)),
            *([("Loop stalls", self._stalls(table, *stalls))] if stalls is not None else []),
            ("DB latency", table.tone(f"failed: {fmt.truncate(str(db_error), 30)}", "bad") if db_error else _ms(latency)),
            ("Memory (RSS)", fmt.DASH if perf.get("memoryRssMb") is None else f"{perf['memoryRssMb']:.1f} MiB"),
            # The first build of the rollups (the datasets are the full queries until it ends).
            *([("Rollups", table.tone(fmt.truncate(str(perf["rollups"]), 40), "warn"))] if perf.get("rollups") else []),
            # read-only: another process schedules and this dashboard shows its figures (attached).
            (
                "Scheduler",
                table.tone("attached" if scheduler == "read-only" else scheduler, "warn" if scheduler == "paused" else None),
            ),
            *([("Scheduled by", fmt.truncate(holder, 40))] if holder and scheduler == "read-only" else []),
            *([("Last alert", self._alert(table, view.last_alert, now))] if view.alerts_configured else []),
            *((f"Rule {fmt.truncate(r.rule, 20)}", self._rule(table, r)) for r in view.rules),
            ("Measured", fmt.age(measured, now) if perf else "not yet"),
        ]
        # The age moves with the clock's tick, between measurements (see tick).
        self._measured = (str(len(rows) - 1), measured) if measured else None
        table.refill(
            [("name", "Metric"), ("value", "Value")], ((str(index), [name, value]) for index, (name, value) in enumerate(rows))
        )

    def _job_rows(self, table: StyledTable, jobs: JobMetrics | None, now: datetime) -> list[tuple[str, str | Text]]:
        if jobs is None:
            return []
        # One row for the three counts: the pane must fit the grid's 12 lines without a scrollbar.
        runs = table.tone(f"{fmt.number(jobs.successful_jobs)} ✓", "good" if jobs.successful_jobs else None)
        runs.append_text(Text(" · "))
        runs.append_text(table.tone(f"{fmt.number(jobs.failed_jobs)} ✗", "bad" if jobs.failed_jobs else None))
        if jobs.skipped_jobs:
            runs.append_text(Text(f" · {fmt.number(jobs.skipped_jobs)} skipped"))
        return [
            ("Runs", runs),
            ("Avg duration", fmt.duration_ms(jobs.average_job_duration_ms if jobs.total_jobs else None)),
            ("Last cleanup", self._when(jobs.last_cleanup, now)),
        ]

    @staticmethod
    def _cache_rows(table: StyledTable, cache: CacheStats | None) -> list[tuple[str, str | Text]]:
        if cache is None:
            return []
        entries = table.tone(f"{cache.size} / {cache.maxsize}", None)
        if cache.stale:
            entries.append_text(table.tone(f", {cache.stale} stale", "warn"))
        reads = cache.hits + cache.misses
        # The panes read the cache without counting; the API, the CLI and reports count.
        hit_rate = f"{fmt.percent(cache.hit_rate)} ({cache.hits}/{reads})" if reads else "no API or report reads yet"
        return [("Cache entries", entries), ("Cache hit rate", hit_rate)]

    @staticmethod
    def _rule(table: StyledTable, reading: Reading) -> Text:
        """`FIRING · 412` or `ok · 1,960` (the figure's last reading in this process)."""
        value = fmt.DASH if reading.value is None else f"{reading.value:,.10g}"
        if reading.state == "firing":
            return table.tone(f"FIRING · {value}", "bad")
        if reading.state == "ok":
            return table.tone(f"ok · {value}", "good")
        return table.tone(fmt.truncate(reading.detail, 40), "warn" if reading.detail != "not read yet" else None)

    def tick(self, now: datetime) -> None:
        """Redraw how long ago the figures were measured (its cell alone)."""
        if self._measured is not None:
            key, measured = self._measured
            self.query_one("#metrics-table", StyledTable).set_cell(key, "value", fmt.age(measured, now))

    def _when(self, moment: datetime | None, now: datetime) -> str:
        if moment is None:
            return "never"
        return f"{fmt.short_datetime(moment, self._tz, now)}, {fmt.short_span((now - fmt.as_utc(moment)).total_seconds())} ago"

    def _alert(self, table: StyledTable, alert: AlertSummary | None, now: datetime) -> str | Text:
        """When the last alert went out and whether it arrived: `09:14, 3m ago · delivered`."""
        if alert is None:
            return "none sent"
        sent = sum(d.delivered for d in alert.deliveries)
        total = len(alert.deliveries)
        status, tone = {
            "sent": ("delivered", "good"),
            "pending": ("sending…", "busy"),
            "partial": (f"{sent}/{total} delivered", "warn"),
        }.get(alert.status, ("NOT delivered", "bad"))
        text = table.tone(f"{self._when(alert.at, now)} · ", None)
        text.append_text(table.tone(status, tone))
        return text

    @staticmethod
    def _stalls(table: StyledTable, count: int, worst_ms: float) -> str | Text:
        """How often a callback held the loop over the monitor's threshold (100 ms), and the worst."""
        if not count:
            return "none"
        return table.tone(f"{count}, worst {worst_ms:.0f} ms", "warn")

    @staticmethod
    def _lag(perf: Mapping[str, object]) -> str:
        last = perf.get("eventLoopLagMs")
        if last is None:
            return fmt.DASH
        peak = perf.get("eventLoopLagMaxMs")
        return _ms(last) + (f", max {peak:.1f}" if isinstance(peak, (int, float)) else "")


def _parse(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
