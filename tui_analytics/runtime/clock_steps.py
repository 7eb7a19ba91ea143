"""Noticing a step of the wall clock: `date -s`, an NTP step, a VM resumed with a stale clock.

The wall clock (`Clock.now`) can jump either way; the monotonic clock (`Clock.monotonic`) only
counts the time that passed. `StepWatch.observe()` compares how far each moved since the last
look: when the wall clock moved more than `TOLERANCE` seconds further (or less far) than the
monotonic one, it was stepped, and the step says by how much. The scheduler
(runtime/scheduling.py) looks at each wake-up and handles the step explicitly: interval jobs
keep their pace, report slots follow cron's rule (reports/cron/clock_steps.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui_analytics.runtime.clock import Clock

# Seconds of disagreement that count as a step. NTP slews a clock by at most 0.5 ms per second,
# so two looks a minute apart disagree by 30 ms at most; a step worth handling is far larger.
TOLERANCE = 2.0
# Seconds within which the two clocks must be read to count as read together.
READ_WITHIN = 0.05
# cron(8)'s line between a clock change it catches up on (or waits out) and one it re-anchors to.
LARGE = timedelta(hours=3)


@dataclass(frozen=True)
class ClockStep:
    """The wall clock was stepped by `seconds` (whole seconds; negative: back).

    `before` is the wall time the clock would show had it not been stepped, `after` the one it
    shows: a step forward skipped (before, after], a step back will show [after, before) again.
    """

    seconds: int
    before: datetime
    after: datetime

    @property
    def forward(self) -> bool:
        return self.seconds > 0

    @property
    def large(self) -> bool:
        """Three hours or more, either way: cron re-anchors to the new time instead of catching up."""
        return abs(self.seconds) >= LARGE.total_seconds()

    def describe(self) -> str:
        """'+3 h 0 min', '-2 min 0 s', '+45 s'."""
        sign, left = ("+" if self.seconds > 0 else "-"), abs(self.seconds)
        hours, rest = divmod(left, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{sign}{hours} h {minutes} min"
        if minutes:
            return f"{sign}{minutes} min {seconds} s"
        return f"{sign}{seconds} s"


class StepWatch:
    """Tells a step of `clock`'s wall time from the passing of time. Constructing it reads nothing."""

    def __init__(self, clock: Clock, tolerance: float = TOLERANCE) -> None:
        self.clock = clock
        self.tolerance = tolerance
        self._last: tuple[datetime, float] | None = None
        self._lock = threading.Lock()

    def observe(self) -> ClockStep | None:
        """The step since the last look, or None (the first look only takes its bearings)."""
        with self._lock:
            wall, mono = self._read()
            last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        expected = last[0] + timedelta(seconds=mono - last[1])
        drift = (wall - expected).total_seconds()
        if abs(drift) < self.tolerance:
            return None
        return ClockStep(round(drift), expected, wall)

    def _read(self) -> tuple[datetime, float]:
        # Both clocks at one moment: a thread paused between the two reads would look like a step.
        for _ in range(3):
            start = self.clock.monotonic()
            wall = self.clock.now()
            end = self.clock.monotonic()
            if end - start < READ_WITHIN:
                break
        return wall, (start + end) / 2
