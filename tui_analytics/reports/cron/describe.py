"""A crontab line in words that say what will happen.

cron-descriptor phrases the time and month fields well, but it reads a single-value range
(`3-3`) as "Wednesday through Wednesday" and words both day fields as "or" even when cron
requires both (one of them starts with `*`). So it is given the canonical line (single
values written as such), and when both day fields restrict, the days are worded here,
saying whether a day needs both or either. The day-field extensions (`L`, `LW`, `15W`,
`5L`, `1#2`) are worded here too: cron-descriptor words a list holding them as "day L".
"""

from __future__ import annotations

from tui_analytics.reports.cron.parse import CronSpec
from tui_analytics.runtime.errors import TemplateValidationError

_WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_NTH = ("first", "second", "third", "fourth", "fifth")


def _descriptor(text: str) -> str:
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options()  # cron-descriptor has no type information
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    try:
        return str(ExpressionDescriptor(text, options).get_description())
    except Exception as exc:  # cron-descriptor has its own error classes; any failure is bad input
        raise TemplateValidationError(f"cron expression {text!r} cannot be described: {exc}") from None


def _series(values: list[int], word: str) -> str:
    """'1, 3, 5, …, 31' for a long even series, else the values listed."""
    if len(values) == 1:
        return f"{word} {values[0]}"
    steps = {b - a for a, b in zip(values, values[1:])}
    if len(values) > 4 and len(steps) == 1:
        listed = f"{values[0]}, {values[1]}, {values[2]}, …, {values[-1]}"
    else:
        listed = ", ".join(map(str, values[:-1])) + f" and {values[-1]}"
    return f"{word}s {listed}"


def _weekdays(values: list[int]) -> str:
    names = [_WEEKDAY_NAMES[v] for v in values]
    if len(names) == 1:
        return f"a {names[0]}"
    if len(names) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"a day from {names[0]} to {names[-1]}"
    return "a " + ", ".join(names[:-1]) + f" or {names[-1]}"


def _day_words(spec: CronSpec) -> str:
    """The day-of-month field in words, extensions included: 'day 1 or the last day of the month'."""
    words = [_series(sorted(spec.days), "day") + " of the month"] if spec.days else []
    words += [f"the weekday nearest day {n} of the month" for n in sorted(spec.nearest_workdays)]
    if spec.last_workday:
        words.append("the last weekday (Monday to Friday) of the month")
    if spec.last_day:
        words.append("the last day of the month")
    return " or ".join(words)


def _weekday_words(spec: CronSpec) -> str:
    """The day-of-week field in words, extensions included: 'the first Monday of the month or a Friday'."""
    nth = sorted(spec.nth_weekdays, key=lambda pair: (pair[1], pair[0]))
    words = [f"the {_NTH[n - 1]} {_WEEKDAY_NAMES[d]} of the month" for d, n in nth]
    words += [f"the last {_WEEKDAY_NAMES[d]} of the month" for d in sorted(spec.last_weekdays)]
    if spec.weekdays:
        words.append(_weekdays(sorted(spec.weekdays)))
    return " or ".join(words)


def _describe_extended(spec: CronSpec) -> str:
    minute, hour, _, month, _ = spec.canonical.split(" ")
    when = _descriptor(f"{minute} {hour} * {month} *")
    day_restricts = spec.day_extended or len(spec.days) < 31
    weekday_restricts = bool(spec.last_weekdays or spec.nth_weekdays) or len(spec.weekdays) < 7
    if not weekday_restricts:
        return f"{when}, on {_day_words(spec)}"
    if not day_restricts:
        return f"{when}, on {_weekday_words(spec)}"
    if spec.days_and:
        return f"{when}, on {_day_words(spec)} when it is also {_weekday_words(spec)} (both must hold)"
    return f"{when}, on {_day_words(spec)} and on {_weekday_words(spec)}"


def describe(spec: CronSpec) -> str:
    if spec.extended:
        return _describe_extended(spec)
    minute, hour, dom, month, dow = spec.canonical.split(" ")
    both_restrict = len(spec.days) < 31 and len(spec.weekdays) < 7
    if not both_restrict:
        return _descriptor(spec.canonical)
    # Both day fields restrict: say whether a day needs both or either.
    when = _descriptor(f"{minute} {hour} * {month} *")
    days = _series(sorted(spec.days), "day")
    weekdays = _weekdays(sorted(spec.weekdays))
    if spec.days_and:
        verb = "is" if len(spec.days) == 1 else "are"
        return f"{when}, on {days} of the month that {verb} also {weekdays} (both must hold)"
    return f"{when}, on {days} of the month and on any day that is {weekdays}"


_PERIODS = {
    "daily": "the previous day",
    "weekly": "the previous week",
    "monthly": "the previous month",
    "quarterly": "the previous quarter",
}


def schedule_mismatch(schedule: str, spec: CronSpec) -> str | None:
    """A warning when a template's own cron does not fire as its schedule's period assumes
    (a weekly report made every day covers the same week seven times), else None."""
    if schedule not in _PERIODS:
        return None
    once_a_day = len(spec.hours) * len(spec.minutes) == 1
    if once_a_day and _days_fit(schedule, spec):
        return None
    runs = describe(spec) + (", every day" if _every_day(spec) else "")
    return f"a {schedule} report covers {_PERIODS[schedule]}, but this cron runs: {runs} (choose custom, or a cron that fits)"


def _every_day(spec: CronSpec) -> bool:
    return spec.days_and and len(spec.days) == 31 and len(spec.weekdays) == 7 and len(spec.months) == 12


def _days_fit(schedule: str, spec: CronSpec) -> bool:
    """The cron's days are the schedule's: every day, one weekday, one day of each month or of each quarter."""
    if schedule == "daily":
        return _every_day(spec)
    if schedule == "weekly":
        return spec.days_and and len(spec.days) == 31 and len(spec.weekdays) == 1 and len(spec.months) == 12
    one_day = spec.days_and and len(spec.days) == 1 and len(spec.weekdays) == 7
    if schedule == "monthly":
        return one_day and len(spec.months) == 12
    return one_day and len(spec.months) == 4 and {(m - min(spec.months)) % 3 for m in spec.months} == {0}
