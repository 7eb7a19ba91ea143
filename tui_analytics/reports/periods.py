"""The period a report covers by default: the last complete day, week, month or quarter.

Computed in the template's zone from a reference instant: the fire time of a
scheduled run (the daily report fired on the 15th at 09:00 covers the 14th), or
now for a manual run. A custom cron covers the interval between its two latest
fire times at or before the reference.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

from tui_analytics.reports.cron import previous_fire_time
from tui_analytics.runtime.daterange import DateRange


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def default_period(schedule: str, cron: str, tz: tzinfo, reference: datetime) -> DateRange:
    """The last complete period before `reference` for `schedule`, as an aware DateRange in `tz`."""
    today = reference.astimezone(tz).date()
    if schedule == "daily":
        return DateRange(_midnight(today - timedelta(days=1), tz), _midnight(today, tz))
    if schedule == "weekly":
        monday = today - timedelta(days=today.weekday())
        return DateRange(_midnight(monday - timedelta(days=7), tz), _midnight(monday, tz))
    if schedule == "monthly":
        first = today.replace(day=1)
        return DateRange(_midnight(_shift_months(first, -1), tz), _midnight(first, tz))
    if schedule == "quarterly":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return DateRange(_midnight(_shift_months(first, -3), tz), _midnight(first, tz))
    # custom: between the two latest fire times
    end = previous_fire_time(cron, tz, reference)
    start = previous_fire_time(cron, tz, end.astimezone(timezone.utc) - timedelta(microseconds=1)) if end is not None else None
    if end is None or start is None:
        # A cron that has not fired yet (or fires once): fall back to the previous day.
        return default_period("daily", cron, tz, reference)
    return DateRange(start, end)


MAX_BACKFILL_PERIODS = 3660  # ten years of days: a typo in a year should not queue a million reports


def periods_starting(schedule: str, cron: str, tz: tzinfo, first: date, last: date) -> list[DateRange]:
    """Every period of the schedule that starts on a day from `first` to `last` (both included), in
    `tz`, oldest first: each day (daily), Monday-Sunday week (weekly), month, quarter; for a custom
    cron, the interval from each fire time to the next. Raises ValueError past MAX_BACKFILL_PERIODS."""
    if first > last:
        raise ValueError(f"--from {first.isoformat()} is after --to {last.isoformat()}")
    out: list[DateRange] = []

    def add(start: datetime, end: datetime) -> None:
        if len(out) >= MAX_BACKFILL_PERIODS:
            raise ValueError(
                f"more than {MAX_BACKFILL_PERIODS:,} {schedule} periods start between {first.isoformat()} "
                f"and {last.isoformat()}: backfill a shorter range at a time"
            )
        out.append(DateRange(start, end))

    if schedule in ("daily", "weekly"):
        step = 1 if schedule == "daily" else 7
        day = first if schedule == "daily" else first + timedelta(days=-first.weekday() % 7)
        while day <= last:
            add(_midnight(day, tz), _midnight(day + timedelta(days=step), tz))
            day += timedelta(days=step)
    elif schedule in ("monthly", "quarterly"):
        months = 1 if schedule == "monthly" else 3
        start = date(first.year, first.month, 1)
        if schedule == "quarterly":
            start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
        if start < first:
            start = _shift_months(start, months)
        while start <= last:
            add(_midnight(start, tz), _midnight(_shift_months(start, months), tz))
            start = _shift_months(start, months)
    else:  # custom: from each fire time to the next
        from tui_analytics.reports.cron import next_fire_time

        end_of_range = _midnight(last + timedelta(days=1), tz)
        fire = next_fire_time(cron, tz, _midnight(first, tz) - timedelta(microseconds=1))
        while fire is not None and fire < end_of_range:
            following = next_fire_time(cron, tz, fire)
            if following is None:
                break
            add(fire, following)
            fire = following
    return out
