"""An independent model of Debian cron, written from crontab(5) and cron(8) for the conformance test.

It shares no code with `tui_analytics.reports`: its own reading of a line into the allowed
values of each field (with cron's `*`-flags), and cron(8)'s minute loop, which keeps a
"virtual" local minute beside the actual one and, each minute, runs:

- the clock moved one minute: every job matching the new minute;
- it jumped ahead by 2-5 minutes (woke late): every job for each minute passed, one by one;
- it jumped ahead by more, up to three hours (clocks forward): the wildcard jobs matching
  the actual minute, then the fixed-time jobs of each skipped minute, now;
- it moved back by up to three hours (clocks back): only the wildcard jobs matching the
  actual minute, until the actual time passes the virtual one again;
- anything larger: the actual minute's jobs, virtual time reset.

A wildcard job is one whose minute or hour field starts with `*`. Local minutes are counted
as cron counts them: (seconds since the epoch + the zone's offset) // 60.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (first, last, names, first name's value) per field, as in crontab(5).
LIMITS = [(0, 59, None, 0), (0, 23, None, 0), (1, 31, None, 0), (1, 12, MONTH_NAMES, 1), (0, 7, DAY_NAMES, 0)]
EPOCH = datetime(1970, 1, 1)


@dataclass
class Entry:
    bits: list[set[int]]  # minute, hour, dom, month, dow (dow 0-7 as written)
    stars: list[bool]  # does each field start with `*`

    @property
    def wildcard(self) -> bool:
        return self.stars[0] or self.stars[1]

    def matches(self, local: datetime) -> bool:
        return local.minute in self.bits[0] and local.hour in self.bits[1] and self.day_matches(local)

    def day_matches(self, local: datetime) -> bool:
        _, _, dom, month, dow = self.bits
        weekday = (local.weekday() + 1) % 7
        dow_ok = weekday in dow or (weekday == 0 and 7 in dow)
        dom_ok = local.day in dom
        if self.stars[2] or self.stars[4]:
            day_ok = dom_ok and dow_ok
        else:
            day_ok = dom_ok or dow_ok
        return local.month in month and day_ok


def value(token: str, index: int) -> int:
    first, last, names, base = LIMITS[index]
    if names and token.lower() in names:
        return names.index(token.lower()) + base
    if not token.isdigit():
        raise ValueError(token)
    number = int(token)
    if not first <= number <= last:
        raise ValueError(token)
    return number


def parse(line: str) -> Entry:
    fields = line.split()
    assert len(fields) == 5, line
    bits, stars = [], []
    for index, text in enumerate(fields):
        first, last, _, _ = LIMITS[index]
        values: set[int] = set()
        for item in text.split(","):
            body, _, step_text = item.partition("/")
            step = int(step_text) if step_text else 1
            if body == "*":
                low, high = first, last
            elif "-" in body:
                a, b = body.split("-")
                low, high = value(a, index), value(b, index)
            else:
                low = high = value(body, index)
            values.update(range(low, high + 1, step))
        bits.append(values)
        stars.append(text.startswith("*"))
    return Entry(bits, stars)


def local_minute(utc_minute: datetime, tz: tzinfo) -> int:
    offset = utc_minute.replace(tzinfo=timezone.utc).astimezone(tz).utcoffset() or timedelta(0)
    return int((utc_minute - EPOCH + offset).total_seconds()) // 60


@cache
def local_time(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


class Clock:
    """A zone's actual local minute for each UTC minute of a window (shared by all lines)."""

    def __init__(self, tz: tzinfo, start: datetime, end: datetime) -> None:
        self.minutes: list[tuple[datetime, int]] = []
        moment = start
        while moment <= end:
            self.minutes.append((moment, local_minute(moment, tz)))
            moment += timedelta(minutes=1)


def run(entry: Entry, clock: Clock) -> list[datetime]:
    """The UTC minutes at which cron(8) starts the job, after the window's first minute."""
    fired: list[datetime] = []

    def find(minute: int, wild: bool, fixed: bool, now: datetime) -> None:
        if entry.matches(local_time(minute)) and (wild if entry.wildcard else fixed):
            if not fired or fired[-1] != now:
                fired.append(now)

    virtual = clock.minutes[0][1]
    for now, running in clock.minutes[1:]:
        diff = running - virtual
        if diff == 1:
            virtual = running
            find(virtual, True, True, now)
        elif diff > 180 or diff < -180:
            virtual = running
            find(running, True, True, now)
        elif diff > 5:
            find(running, True, False, now)
            while virtual < running:
                virtual += 1
                find(virtual, False, True, now)
        elif diff > 0:
            while virtual < running:
                virtual += 1
                find(virtual, True, True, now)
        else:
            find(running, True, False, now)
    return fired


def never_fires(entry: Entry) -> bool:
    """A line no date can match: both day fields must match and no chosen month has the day."""
    longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    both = entry.stars[2] or entry.stars[4]
    return both and min(entry.bits[2]) > max(longest[m] for m in entry.bits[3])


def next_times(entry: Entry, start: datetime, count: int) -> list[datetime]:
    """The next fire times strictly after `start` in UTC (no clock changes), by walking days."""
    out: list[datetime] = []
    day = datetime(start.year, start.month, start.day)
    while len(out) < count and day.year < start.year + 30:
        if not entry.day_matches(day):
            day += timedelta(days=1)
            continue
        for hour in sorted(entry.bits[1]):
            for minute in sorted(entry.bits[0]):
                moment = day.replace(hour=hour, minute=minute)
                if moment > start and entry.matches(moment):
                    out.append(moment)
        day += timedelta(days=1)
    return out[:count]
