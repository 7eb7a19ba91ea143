"""The period a report covers by default: the last complete day, week, month or quarter.

Computed in the template's zone from a reference instant: the fire time of a
scheduled run (the daily report fired on the 15th at 09:00 covers the 14th), or
now for a manual run. A custom cron covers the interval between its two latest
fire times at or before the reference.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

from ..data.daterange import DateRange
from .cron import previous_fire_time


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
    start = (
        previous_fire_time(cron, tz, end.astimezone(timezone.utc) - timedelta(microseconds=1))
        if end is not None
        else None
    )
    if end is None or start is None:
        # A cron that has not fired yet (or fires once): fall back to the previous day.
        return default_period("daily", cron, tz, reference)
    return DateRange(start, end)
