"""Fire times of a crontab line in a time zone, as Debian cron runs it.

The one place that turns a `CronSpec` into instants: the scheduler's trigger, catch-up,
`next_generation`, the editor's preview and `report cron` all come here.

Days are searched in the zone's calendar; each matching wall time becomes zero, one or
two instants by cron(8)'s rule for clock changes of less than three hours (DST, including
Lord Howe Island's 30-minute one):

- a wall time that happens once fires then;
- clocks going back (a wall time happens twice): a wildcard job (minute or hour field
  starting with `*`) fires at both, "based on the new (actual) time"; a fixed-time job
  fires only at the first, "running the same job twice is avoided";
- clocks going forward (a wall time does not exist): a wildcard job does not fire; a
  fixed-time job fires once at the instant the clocks change, "run immediately".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from tui_analytics.reports.cron.parse import CronSpec

# No zone moves its clocks by more than this; it bounds where a day's instants can fall.
_SLACK = timedelta(hours=6)
# How far a search looks before it says "never again": covers 29 February on a given weekday.
MAX_YEARS = 30
_MINUTE = timedelta(minutes=1)


def _offset(tz: tzinfo, wall: datetime, fold: int) -> timedelta:
    offset = wall.replace(tzinfo=tz, fold=fold).utcoffset()
    return offset if offset is not None else timedelta(0)


@lru_cache(maxsize=4096)
def _steady(tz: tzinfo, day: date) -> timedelta | None:
    """The zone's offset all day long, or None when its clocks change during that day."""
    midnight = datetime(day.year, day.month, day.day)
    following = midnight + timedelta(days=1)
    offsets = {_offset(tz, midnight, 0), _offset(tz, midnight, 1), _offset(tz, following, 0), _offset(tz, following, 1)}
    return offsets.pop() if len(offsets) == 1 else None


@lru_cache(maxsize=1024)
def _change(tz: tzinfo, day: date) -> tuple[datetime, timedelta, timedelta]:
    """(naive UTC instant of the clock change, offset before, offset after) on a day that has one."""
    midnight = datetime(day.year, day.month, day.day)
    low, high = midnight - timedelta(days=1), midnight + timedelta(days=2)
    before, after = _utc_offset(tz, low), _utc_offset(tz, high)
    while high - low > _MINUTE:  # whole minutes: every change since 1970 falls on one
        middle = low + (high - low) // 2
        middle -= timedelta(seconds=middle.second, microseconds=middle.microsecond)
        if middle <= low:
            break
        if _utc_offset(tz, middle) == before:
            low = middle
        else:
            high = middle
    return high, before, after


def _utc_offset(tz: tzinfo, utc: datetime) -> timedelta:
    return utc.replace(tzinfo=timezone.utc).astimezone(tz).utcoffset() or timedelta(0)


def _instants(wildcard: bool, change: tuple[datetime, timedelta, timedelta], wall: datetime) -> list[datetime]:
    """The naive UTC instants at which a job fires for one matching wall time on a day the clocks change."""
    instant, before, after = change
    if wall < instant + min(before, after):  # before the change (and before any repeat)
        return [wall - before]
    if wall >= instant + max(before, after):  # after it
        return [wall - after]
    if after < before:  # a fold: clocks went back, the wall time happens twice
        return [wall - before, wall - after] if wildcard else [wall - before]
    # A gap: clocks went forward over this wall time.
    return [] if wildcard else [instant]


def day_instants(spec: CronSpec, tz: tzinfo, day: date) -> list[datetime]:
    """Every instant (naive UTC, sorted) fired for the wall times of local `day`."""
    if not spec.matches_day(day):
        return []
    midnight = datetime(day.year, day.month, day.day)
    times = _times_of_day(spec.hours, spec.minutes)
    steady = _steady(tz, day)
    if steady is not None:  # the usual day: one offset, plain arithmetic
        base = midnight - steady
        return [base + t for t in times]
    change = _change(tz, day)
    out: list[datetime] = []
    for t in times:
        out.extend(_instants(spec.wildcard, change, midnight + t))
    return sorted(set(out))  # a fixed-time job's gap minutes all fire at the one change instant


@lru_cache(maxsize=256)
def _times_of_day(hours: frozenset[int], minutes: frozenset[int]) -> list[timedelta]:
    return [timedelta(hours=h, minutes=m) for h in sorted(hours) for m in sorted(minutes)]


def _day_start(tz: tzinfo, day: date) -> datetime:
    """A naive UTC instant no later than any instant of `day` (or of a day after it)."""
    return datetime(day.year, day.month, day.day) - _offset(tz, datetime(day.year, day.month, day.day), 0) - _SLACK


def fire_times(spec: CronSpec, tz: tzinfo, start: datetime, forward: bool = True) -> Iterator[datetime]:
    """Fire times strictly after `start` (forward) or at or before it (backward), aware in `tz`.

    Days are walked in the zone's calendar; a day's instants are held back until no later
    (earlier) day can produce one before (after) them, which keeps the order right where a
    fold spans midnight.
    """
    if start.tzinfo is None:
        raise ValueError("cron times need a timezone-aware start")
    origin = start.astimezone(timezone.utc).replace(tzinfo=None)
    day = start.astimezone(tz).date() - timedelta(days=1 if forward else -1)
    step = timedelta(days=1 if forward else -1)
    pending: list[datetime] = []
    for _ in range(366 * MAX_YEARS):
        try:
            instants = day_instants(spec, tz, day)
        except OverflowError:
            return
        for instant in instants:
            if (instant > origin) if forward else (instant <= origin):
                pending.append(instant)
        if pending:
            ready = _ready(pending, tz, day, step, forward)
            for instant in ready:
                yield instant.replace(tzinfo=timezone.utc).astimezone(tz)
            pending = pending[len(ready) :]
        try:
            day += step
        except OverflowError:  # the calendar ends (year 1 or 9999)
            return


def _ready(pending: list[datetime], tz: tzinfo, day: date, step: timedelta, forward: bool) -> list[datetime]:
    """The pending instants (sorted here, in walking order) no day after `day` can come before."""
    pending.sort(reverse=not forward)
    if forward:
        horizon = _day_start(tz, day + step)
        return [i for i in pending if i < horizon]
    horizon = _day_start(tz, day) + 2 * _SLACK  # every earlier day's instants are before this
    return [i for i in pending if i > horizon]
