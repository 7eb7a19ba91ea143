"""A crontab(5) line read into sets of values, the way Debian cron reads it.

Grammar per field: a comma-separated list of `*`, `N`, `N-M`, `*/S` or `N-M/S`, where N
and M are numbers or (month and weekday fields) three-letter English names in any case.
A single-value range `N-N` is that one value. Weekday 0 and 7 are both Sunday.

Extensions beyond crontab(5), as cronsim (and Quartz, healthchecks) read them, in the day
fields only: day of month `L` (the last day), `LW` (the last weekday, Monday to Friday),
`NW` (the weekday nearest day N, within its month); day of week `NL` (the last weekday N of
the month) and `N#K` (the K-th weekday N, K 1-5). Each is one part of a comma list (`1,L`),
without a range or step. No line Debian cron accepts contains them, so every such line
keeps its meaning.

Beyond that this module refuses, with the reason, what would silently mean something else
elsewhere: a step larger than its field (`*/61` would fire hourly, not every 61 minutes), a
step after a single number (`5/10`: Debian cron ignores the step, other crons read
`5-59/10`), the extensions elsewhere than above, and `?` and `H`.

The flags `*_star` record whether a field *starts with* `*`, which is what cron(8) looks at:
the day-of-month/day-of-week rule ("if both fields are restricted (i.e., don't start with
*), the command will be run when either field matches") and its handling of clock changes
(a job whose minute or hour field starts with `*` is a wildcard job).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from tui_analytics.runtime.errors import TemplateValidationError

# (name, lowest, highest, size): size is how many values the field has (weekday: 7 days, 0-7 allowed).
_FIELDS = (
    ("minute", 0, 59, 60),
    ("hour", 0, 23, 24),
    ("day of month", 1, 31, 31),
    ("month", 1, 12, 12),
    ("day of week", 0, 7, 7),
)
_MONTHS = {
    name: n for n, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_WEEKDAYS = {name: n for n, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_NAMES = {3: _MONTHS, 4: _WEEKDAYS}
_PART = re.compile(r"^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:/([0-9]+))?$")
_NAME_WORDS = re.compile("(?i)" + "|".join([*_MONTHS, *_WEEKDAYS]))
_EXTENSIONS = {"L": "last", "W": "nearest weekday", "#": "nth weekday", "?": "no specific value", "H": "hashed value"}
_WHERE = {
    "L": "L or LW in the day-of-month field, NL in the day-of-week field",
    "W": "LW or NW in the day-of-month field",
    "#": "N#K in the day-of-week field",
}
_DAY_EXTENSION = re.compile(r"^(?i:(L)|(LW)|([0-9]+)W)$")
_WEEKDAY_EXTENSION = re.compile(r"^(?i:([0-9A-Za-z]+?)(?:(L)|#([0-9]+)))$")

# crontab(5) nicknames; @reboot has no fire times, so it is refused.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class CronSpec:
    """The values each field allows, and which fields start with `*`."""

    text: str  # normalised: single spaces, nicknames expanded
    canonical: str  # the same with single-value ranges (`3-3`, `wed-wed/2`) written as the value
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0-6, Sunday 0
    minute_star: bool
    hour_star: bool
    day_star: bool
    weekday_star: bool
    # The extensions (empty when the line is plain crontab(5)).
    last_day: bool = False  # `L`
    last_workday: bool = False  # `LW`
    nearest_workdays: frozenset[int] = frozenset()  # `15W`: 15
    last_weekdays: frozenset[int] = frozenset()  # `5L`: 5 (0-6)
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()  # `1#2`: (1, 2)

    @property
    def extended(self) -> bool:
        """True when a day field uses an extension beyond crontab(5)."""
        return bool(self.day_extended or self.last_weekdays or self.nth_weekdays)

    @property
    def day_extended(self) -> bool:
        return self.last_day or self.last_workday or bool(self.nearest_workdays)

    @property
    def wildcard(self) -> bool:
        """cron(8)'s wildcard job: minute or hour starts with `*` (runs on the actual time across clock changes)."""
        return self.minute_star or self.hour_star

    @property
    def days_and(self) -> bool:
        """True when a day must match both day fields (one of them starts with `*`); else either."""
        return self.day_star or self.weekday_star

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days or (self.day_extended and self._extended_day(day))
        weekday = day.isoweekday() % 7
        dow = weekday in self.weekdays or (self.extended and self._extended_weekday(day, weekday))
        return (dom and dow) if self.days_and else (dom or dow)

    def _extended_day(self, day: date) -> bool:
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last_day and day.day == length:
            return True
        if self.last_workday and day.day == nearest_workday(day.year, day.month, length):
            return True
        return any(n <= length and day.day == nearest_workday(day.year, day.month, n) for n in self.nearest_workdays)

    def _extended_weekday(self, day: date, weekday: int) -> bool:
        if weekday in self.last_weekdays and day.day + 7 > calendar.monthrange(day.year, day.month)[1]:
            return True
        return (weekday, (day.day + 6) // 7) in self.nth_weekdays


def nearest_workday(year: int, month: int, day: int) -> int:
    """The Monday-to-Friday day of the month nearest `day`, never leaving the month (Quartz's `W`)."""
    length = calendar.monthrange(year, month)[1]
    weekday = date(year, month, day).weekday()  # Monday 0
    if weekday == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return day + 1 if day < length else day - 2
    return day


def _refuse(text: str, why: str) -> TemplateValidationError:
    return TemplateValidationError(f"cron expression {text!r}: {why}")


def _number(text: str, index: int, token: str) -> int:
    name, low, high, _ = _FIELDS[index]
    names = _NAMES.get(index, {})
    if token.isdigit():
        value = int(token)
    elif token.lower() in names:
        value = names[token.lower()]
    else:
        raise _refuse(text, f"{name} field: {token!r} is not a number" + (" or a name" if names else ""))
    if not low <= value <= high:
        raise _refuse(text, f"{name} value {value} is out of range {low}-{high}")
    return value


@dataclass
class _Field:
    """One field read: its plain values, its canonical spelling, and the extensions it names."""

    values: set[int]
    canonical: str
    extensions: set[tuple[str, int, int]]  # ("L"|"LW"|"W"|"WL"|"#", value, nth)


def _field(text: str, index: int, field: str) -> _Field:
    """The values of one field and its canonical spelling."""
    read = _Field(set(), "", set())
    canonical = []
    for part in field.split(","):
        extension = _extension(text, index, field, part)
        if extension is not None:
            read.extensions.add(extension)
            canonical.append(part.upper())
            continue
        _refuse_marks(text, index, field, part)
        matched, spelled = _part(text, index, field, part)
        read.values.update(matched)
        canonical.append(spelled)
    read.canonical = ",".join(canonical)
    return read


def _refuse_marks(text: str, index: int, field: str, part: str) -> None:
    name = _FIELDS[index][0]
    bare = _NAME_WORDS.sub("", part).upper()  # names such as `jul` or `thu` hold these letters
    for mark, meaning in _EXTENSIONS.items():
        if mark not in bare:
            continue
        if mark in _WHERE:
            raise _refuse(text, f"{name} field {field!r}: {mark!r} ({meaning}) is an extension allowed only as {_WHERE[mark]}")
        raise _refuse(text, f"{name} field {field!r}: {mark!r} ({meaning}) is not crontab(5) syntax")


def _extension(text: str, index: int, field: str, part: str) -> tuple[str, int, int] | None:
    """An extension part of a day field (`L`, `LW`, `15W`; `5L`, `1#2`), or None for a plain part."""
    if index == 2 and (day := _DAY_EXTENSION.match(part)):
        last, last_work, nearest = day.groups()
        if nearest is not None:
            return "W", _number(text, index, nearest), 0
        return ("L", 0, 0) if last else ("LW", 0, 0) if last_work else None
    if index == 4 and (weekday := _WEEKDAY_EXTENSION.match(part)):
        value, last, nth = weekday.groups()
        number = _number(text, index, value) % 7
        if last:
            return "WL", number, 0
        if not 1 <= int(nth) <= 5:
            raise _refuse(text, f"day of week field {field!r}: in N#K, K must be between 1 and 5")
        return "#", number, int(nth)
    return None


def _part(text: str, index: int, field: str, part: str) -> tuple[range, str]:
    """The values of one comma-separated part of a field (`*`, `5`, `1-5`, `*/15`, `1-30/2`) and its spelling."""
    name, low, high, size = _FIELDS[index]
    match = _PART.match(part)
    if not match:
        raise _refuse(text, f"{name} field {field!r} is not valid")
    star, first, last, step_text = match.groups()
    step = int(step_text) if step_text is not None else 1
    if step_text is not None and (step < 1 or step > size):
        raise _refuse(text, f"{name} step {step_text} must be between 1 and {size}")
    if star:
        return range(low, high + 1, step), part
    start = _number(text, index, first)
    end = _number(text, index, last) if last is not None else start
    if last is None and step_text is not None:
        raise _refuse(text, f"{name} field {part!r}: a step needs a range or * (e.g. {first}-{high}/{step})")
    if start > end:
        raise _refuse(text, f"{name} range {part!r} runs backwards")
    return range(start, end + 1, step), first if start == end else part


def parse_cron(expr: object) -> CronSpec:
    """The expression read per crontab(5); raises TemplateValidationError with the reason."""
    if not isinstance(expr, str) or not expr.strip():
        raise TemplateValidationError("cron expression is empty")
    text = " ".join(expr.split())
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise TemplateValidationError(
                f"cron expression {text!r}: unknown nickname (use @hourly, @daily, @weekly, @monthly or @yearly)"
            )
        text = MACROS[text.lower()]
    fields = text.split(" ")
    if len(fields) != 5:
        raise TemplateValidationError(
            f"cron expression {text!r} has {len(fields)} field(s); it needs 5: minute hour day-of-month month day-of-week"
        )
    parsed = [_field(text, i, f) for i, f in enumerate(fields)]
    day_ext, weekday_ext = parsed[2].extensions, parsed[4].extensions
    spec = CronSpec(
        text=text,
        canonical=" ".join(p.canonical for p in parsed),
        minutes=frozenset(parsed[0].values),
        hours=frozenset(parsed[1].values),
        days=frozenset(parsed[2].values),
        months=frozenset(parsed[3].values),
        weekdays=frozenset(d % 7 for d in parsed[4].values),
        minute_star=fields[0].startswith("*"),
        hour_star=fields[1].startswith("*"),
        day_star=fields[2].startswith("*"),
        weekday_star=fields[4].startswith("*"),
        last_day=("L", 0, 0) in day_ext,
        last_workday=("LW", 0, 0) in day_ext,
        nearest_workdays=frozenset(v for kind, v, _ in day_ext if kind == "W"),
        last_weekdays=frozenset(v for kind, v, _ in weekday_ext if kind == "WL"),
        nth_weekdays=frozenset((v, n) for kind, v, n in weekday_ext if kind == "#"),
    )
    # A day of month that no chosen month has (30 February) never fires when it must match.
    numbered = spec.days | spec.nearest_workdays
    if spec.days_and and not (spec.last_day or spec.last_workday):
        if min(numbered) > max(_DAYS_IN_MONTH[m - 1] for m in spec.months):
            raise TemplateValidationError(f"cron expression {text!r} never matches a real date")
    return spec
