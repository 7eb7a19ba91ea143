"""What a template's schedule does when the wall clock is stepped (cron(8)'s rule, for report slots).

Debian's cron(8) compares the time it woke at with the minute it expected: a change of less
than three hours forward runs the jobs of the skipped minutes (catching up), one of less than
three hours back does not run again the jobs it already ran (it waits for the clock to catch up),
and a larger change either way re-anchors it to the new time. Daylight-saving changes are not
steps here: the fire times already follow the zone (fire_times.py); this is for the clock itself
being set (`date -s`, an NTP step, a VM resumed with a stale clock), which the scheduler notices
by comparing the wall clock with the monotonic one (runtime/clock_steps.py).

A report slot names a period of data, and the state database claims it by its time, so a slot is
never made twice; within that, `after_step` gives, for one template:

- forward, less than 3 h: every fire time skipped over is made, once each, oldest first;
- forward, 3 h or more: re-anchored to the new time: the skipped fire times are not made one by
  one, only the latest of them, once (as the catch-up at a start makes the latest missed slot);
- back, any size: nothing is made again; the next slot is the first one after the time the clock
  showed before the step, which is also the first one not made yet (re-anchoring a large step
  back to the new time would only name slots already made).

Then the schedule waits for its first fire time after the new time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from tui_analytics.reports.cron.fire_times import fire_times
from tui_analytics.reports.cron.parse import CronSpec
from tui_analytics.runtime.clock_steps import ClockStep

# A step forward of under 3 h skips at most this many fire times of `* * * * *`; a bound anyway.
MOST_SLOTS = 180


@dataclass(frozen=True)
class StepPlan:
    """The slots to make now (oldest first, aware in the template's zone) and the next fire time
    to wait for (None: keep the one the schedule had)."""

    slots: tuple[datetime, ...]
    next_fire: datetime | None


def skipped(spec: CronSpec, tz: tzinfo, step: ClockStep) -> list[datetime]:
    """The fire times a step forward jumped over: after `before`, up to and including `after`."""
    out: list[datetime] = []
    for moment in fire_times(spec, tz, step.before):
        if moment > step.after or len(out) >= MOST_SLOTS:
            break
        out.append(moment)
    return out


def after_step(spec: CronSpec, tz: tzinfo, step: ClockStep) -> StepPlan:
    """What one template's schedule does about `step` (see the module docstring)."""
    if not step.forward:
        return StepPlan((), None)
    if step.large:
        latest = next(fire_times(spec, tz, step.after, forward=False), None)
        slots = [latest] if latest is not None and latest > step.before else []
    else:
        slots = skipped(spec, tz, step)
    return StepPlan(tuple(slots), next(fire_times(spec, tz, step.after), None))
