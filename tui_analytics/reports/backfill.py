"""Backfill: make a template's report for every period of its schedule in a range of days.

Each period (periods.periods_starting) is made like a manual generation but recorded
with the trigger `backfill`, one after another. A period that a completed run (or a
"skipped: empty" one) already covers is left alone unless forced; a period that has
not ended yet is left out. One failing period is recorded and the next one is made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tui_analytics.reports.periods import periods_starting
from tui_analytics.reports.run import period_text
from tui_analytics.runtime.errors import one_line

if TYPE_CHECKING:
    from tui_analytics.reports.models import BackfillRequest, ReportTemplate
    from tui_analytics.reports.service import AnalyticsScheduledReportsService

log = logging.getLogger(__name__)

TRIGGER = "backfill"
# What happened to one period (BackfillItem.outcome).
MADE, EMPTY, ALREADY, FAILED = "completed", "skipped: empty", "skipped: already made", "failed"


@dataclass(frozen=True)
class BackfillItem:
    """One period: its label (`2026-01-14`, `2026-01-05_2026-01-11`), outcome, run and file."""

    period: str
    start: datetime
    end: datetime
    outcome: str
    run_id: int | None = None
    path: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class BackfillResult:
    """Every period of the range, oldest first, and the periods left out because they have not ended."""

    template_id: str
    items: list[BackfillItem] = field(default_factory=list)
    not_over: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    def summary(self) -> str:
        """`10 periods: 8 made, 1 empty, 1 already made, 0 failed`."""
        return (
            f"{len(self.items)} period{'s' if len(self.items) != 1 else ''}: {self.count(MADE)} made, "
            f"{self.count(EMPTY)} empty, {self.count(ALREADY)} already made, {self.failed} failed"
            + (f"; {self.not_over} not over yet, left out" if self.not_over else "")
        )

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for item in data["items"]:
            item["start"], item["end"] = item["start"].isoformat(), item["end"].isoformat()
        return data


Progress = Callable[[int, int, BackfillItem], None]


async def backfill(
    service: AnalyticsScheduledReportsService,
    template: ReportTemplate,
    request: BackfillRequest,
    on_progress: Progress | None = None,
) -> BackfillResult:
    """See the module docstring. `on_progress(done, total, item)` is called after each period, on the
    caller's loop. Raises ValueError (nothing made) for a reversed or too long range, or a range in
    which no period of the schedule has ended."""
    import asyncio

    tz = service.timezone_of(template)
    now = service.clock.now()
    first, last = request.first, request.last
    periods = periods_starting(template.schedule, template.effective_cron, tz, first, last)
    due = [p for p in periods if p.end_utc <= now]
    if not due:
        raise ValueError(
            f"no {template.schedule} period of {template.name} that has ended starts between "
            f"{first.isoformat()} and {last.isoformat()}"
        )
    done = set() if request.force else await asyncio.to_thread(service._runs.covered, template.id)
    items: list[BackfillItem] = []
    for index, rng in enumerate(due, 1):
        label = period_text(rng, tz)
        start, end = rng.start_utc, rng.end_utc
        if (start, end) in done:
            item = BackfillItem(label, start, end, ALREADY)
        else:
            try:
                report = await service.runner.generate(template, tz, rng, TRIGGER, None, deliver=request.deliver)
            except Exception as exc:  # recorded by the runner; the next period is still made
                item = BackfillItem(label, start, end, FAILED, getattr(exc, "run_id", None), error=one_line(exc))
            else:
                outcome = EMPTY if report.status == "skipped" else MADE
                item = BackfillItem(label, start, end, outcome, report.run_id, report.path or None)
        items.append(item)
        if on_progress is not None:
            on_progress(index, len(due), item)
    result = BackfillResult(template.id, items, len(periods) - len(due))
    log.info("backfill of %s: %s", template.id, result.summary())
    return result
