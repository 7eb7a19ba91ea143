"""A crontab(5) line read into sets of values, the way Debian cron reads it.

Grammar per field: a comma-separated list of `*`, `N`, `N-M`, `*/S` or `N-M/S`, where N
and M are numbers or (month and weekday fields) three-letter English names in any case.
A single-value range `N-N` is that one value. Weekday 0 and 7 are both Sunday.

Beyond crontab(5) this module refuses, with the reason, what would silently mean
something else elsewhere: a step larger than its field (`*/61` would fire hourly, not
every 61 minutes), a step after a single number (`5/10`: Debian cron ignores the step,
other crons read `5-59/10`), and the extensions of other schedulers (`L`, `W`, `#`, `?`,
`H`), which crontab(5) does not have.

The flags `*_star` record whether a field *starts with* `*`, which is what cron(8) looks at:
the day-of-month/day-of-week rule ("if both fields are restricted (i.e., don't start with
*), the command will be run when either field matches") and its handling of clock changes
(a job whose minute or hour field starts with `*` is a wildcard job).
"""

from __future__ import annotations

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
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        return (dom and dow) if self.days_and else (dom or dow)


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


def _field(text: str, index: int, field: str) -> tuple[set[int], str]:
    """The values of one field and its canonical spelling."""
    name = _FIELDS[index][0]
    bare = _NAME_WORDS.sub("", field).upper()  # names such as `jul` or `thu` hold these letters
    for mark, meaning in _EXTENSIONS.items():
        if mark in bare:
            raise _refuse(text, f"{name} field {field!r}: {mark!r} ({meaning}) is not crontab(5) syntax")
    values: set[int] = set()
    canonical = []
    for part in field.split(","):
        matched, spelled = _part(text, index, field, part)
        values.update(matched)
        canonical.append(spelled)
    return values, ",".join(canonical)


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
    weekdays = {d % 7 for d in parsed[4][0]}
    spec = CronSpec(
        text=text,
        canonical=" ".join(c for _, c in parsed),
        minutes=frozenset(parsed[0][0]),
        hours=frozenset(parsed[1][0]),
        days=frozenset(parsed[2][0]),
        months=frozenset(parsed[3][0]),
        weekdays=frozenset(weekdays),
        minute_star=fields[0].startswith("*"),
        hour_star=fields[1].startswith("*"),
        day_star=fields[2].startswith("*"),
        weekday_star=fields[4].startswith("*"),
    )
    # A day of month that no chosen month has (30 February) never fires when it must match.
    if spec.days_and and min(spec.days) > max(_DAYS_IN_MONTH[m - 1] for m in spec.months):
        raise TemplateValidationError(f"cron expression {text!r} never matches a real date")
    return spec
