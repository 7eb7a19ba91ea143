"""Report slots that did not complete are made again: a slot is done only when a run for it completed
(or was skipped as empty).

A scheduled or caught-up run that failed (the source was down, the disk full) or was interrupted (the
process stopped or was killed during it) leaves its slot claimed but not made. The scheduling process
looks for such slots every `report_retry_delay` (a minute by default) and retries each with a growing
delay (1, 2, 4 ... 30 minutes after its last attempt, by default), and at once when it takes the
scheduler (the next start), for as long as the slot is younger than `report_retry_hours`. Runs are
recorded with the trigger 'retry' and the slot's time, so the report covers the slot's period, and one
run per slot completes in the end.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tui_analytics.runtime.errors import UnknownTemplateError

if TYPE_CHECKING:
    from tui_analytics.reports.service import AnalyticsScheduledReportsService

log = logging.getLogger(__name__)

SLOT_TRIGGERS = ("scheduled", "catch-up", "retry")  # runs that serve a slot of the schedule
FIRST_DELAY = 60.0  # report_retry_delay's default
LONGEST_DELAY = 1800.0  # the cap of the doubling (or the first delay, if that is longer)


@dataclass(frozen=True)
class UnfinishedSlot:
    """A slot whose every run failed or was interrupted."""

    template_id: str
    scheduled_for: datetime  # aware UTC
    attempts: int
    last_finished: datetime | None  # aware UTC; None when no attempt recorded its end


def delay_after(attempts: int, first: float = FIRST_DELAY) -> timedelta:
    """How long after its last attempt a slot is tried again (`first`: report_retry_delay)."""
    return timedelta(seconds=min(first * 2 ** max(min(attempts, 32) - 1, 0), max(LONGEST_DELAY, first)))


class SlotRetries:
    """Finds and retries the unfinished slots of one reports service (the scheduling process's)."""

    def __init__(self, service: AnalyticsScheduledReportsService) -> None:
        self.service = service
        self._trying: set[tuple[str, datetime]] = set()  # slots being retried now, in this process

    async def retry_due(self, *, at_start: bool = False) -> list[int]:
        """Retry each unfinished slot whose delay has passed (every one when `at_start`); the run ids."""
        hours = self.service.settings.report_retry_hours
        if hours <= 0:
            return []
        now = self.service.clock.now()
        slots = await asyncio.to_thread(self.service.unfinished_slots, now - timedelta(hours=hours))
        run_ids = []
        for slot in slots:
            delay = delay_after(slot.attempts, self.service.settings.report_retry_delay)
            if not at_start and slot.last_finished is not None and now < slot.last_finished + delay:
                continue
            run_id = await self._retry(slot)
            if run_id is not None:
                run_ids.append(run_id)
        return run_ids

    async def _retry(self, slot: UnfinishedSlot) -> int | None:
        key = (slot.template_id, slot.scheduled_for)
        if key in self._trying:
            return None
        try:
            template = await asyncio.to_thread(self.service.get_report_template, slot.template_id)
        except UnknownTemplateError:
            return None  # deleted since: nothing to make
        if not template.is_active or (template.created_at is not None and slot.scheduled_for <= template.created_at):
            return None
        self._trying.add(key)
        log.info(
            "report %s: retrying the slot of %s (attempt %d)",
            template.id,
            slot.scheduled_for.astimezone(timezone.utc).isoformat(timespec="minutes"),
            slot.attempts + 1,
        )
        try:
            report = await self.service.runner.generate(
                template, self.service.timezone_of(template), None, "retry", slot.scheduled_for
            )
            return report.run_id
        except Exception as exc:  # recorded by the runner; the next pass tries again after its delay
            return getattr(exc, "run_id", None)
        finally:
            self._trying.discard(key)
