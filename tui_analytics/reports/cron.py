"""Cron schedules with crontab(5) meaning, computed by croniter.

APScheduler 3.x's `CronTrigger.from_crontab` reads weekday 0 as Monday and ignores
the scheduler's zone, so every fire time here comes from croniter instead: the
scheduler's trigger (`CroniterTrigger`), `next_generation`, catch-up after downtime
and the editor's preview all call the same functions and so always agree.

Semantics: weekday 0 and 7 are Sunday; when both day-of-month and day-of-week are
restricted, either matches; times are wall-clock times in the template's zone.
Across DST: croniter yields an ambiguous wall time (e.g. 02:30 on the night clocks
go back) twice; like cronsim and Debian cron we fire only at its first occurrence,
so a daily report is made once per day. A wall time skipped when clocks go
forward fires at the first instant after the gap (croniter's behaviour, and cron's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo

from apscheduler.triggers.base import BaseTrigger
from croniter import croniter
from croniter.croniter import CroniterBadDateError, CroniterError

from ..data.config import resolve_timezone
from ..runtime.errors import ConfigError, TemplateValidationError

# crontab(5) nicknames; @reboot has no fire times, so it is refused.
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day of month": (1, 31), "month": (1, 12), "day of week": (0, 7)}
_RANGE = re.compile(r"^(\d+)-(\d+)(?:/\d+)?$")
# croniter extras that crontab(5) does not have and that need more than an expression.
_UNSUPPORTED = re.compile(r"[HhRr]")
_NAMES = re.compile(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat")
# Safety net against a pathological expression looping in the DST filter.
_MAX_STEPS = 10_000


def normalise_cron(expr: str) -> str:
    """The expression with nicknames expanded and whitespace collapsed; raises TemplateValidationError."""
    if not isinstance(expr, str) or not expr.strip():
        raise TemplateValidationError("cron expression is empty")
    text = " ".join(expr.split())
    if text.startswith("@"):
        if text.lower() not in _MACROS:
            raise TemplateValidationError(
                f"cron expression {text!r}: unknown nickname (use @hourly, @daily, @weekly, @monthly or @yearly)"
            )
        return _MACROS[text.lower()]
    fields = text.split(" ")
    if len(fields) != 5:
        raise TemplateValidationError(
            f"cron expression {text!r} has {len(fields)} field(s); it needs 5: minute hour day-of-month month day-of-week"
        )
    for name, field in zip(_FIELDS, fields):
        if _UNSUPPORTED.search(_NAMES.sub("", field)):
            raise TemplateValidationError(f"cron expression {text!r}: {name} field {field!r} is not valid")
        for part in field.split(","):
            match = _RANGE.match(part)
            # croniter quietly wraps a reversed range such as 5-1; cron refuses it.
            if match and int(match.group(1)) > int(match.group(2)):
                raise TemplateValidationError(
                    f"cron expression {text!r}: {name} range {part!r} runs backwards"
                )
            low, high = _BOUNDS[name]
            for number in re.findall(r"\d+", part.split("/", 1)[0].split("#", 1)[0]):
                if not low <= int(number) <= high:
                    raise TemplateValidationError(
                        f"cron expression {text!r}: {name} value {number} is out of range {low}-{high}"
                    )
    try:
        croniter(text, datetime(2000, 1, 1, tzinfo=timezone.utc), day_or=True).get_next(datetime)
    except CroniterBadDateError:
        raise TemplateValidationError(f"cron expression {text!r} never matches a real date") from None
    except (CroniterError, ValueError, KeyError, IndexError) as exc:
        raise TemplateValidationError(f"cron expression {text!r} is not valid: {_croniter_reason(exc)}") from None
    return text


def _croniter_reason(exc: Exception) -> str:
    message = str(exc)
    # croniter repeats the expression in brackets; keep only the reason.
    message = re.sub(r"^\[[^\]]*\]\s*", "", message)
    return message or type(exc).__name__


def as_tz(tz: tzinfo | str | None) -> tzinfo:
    """A tzinfo from a tzinfo, an IANA name or None/'local'; raises TemplateValidationError."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return resolve_timezone(tz)
    except ConfigError as exc:
        raise TemplateValidationError(str(exc)) from None


def _is_repeated_wall_time(moment: datetime, tz: tzinfo) -> bool:
    """True for the second occurrence of a wall time that happens twice (clocks went back)."""
    local = moment.astimezone(tz)
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0).utcoffset()
    second = naive.replace(tzinfo=tz, fold=1).utcoffset()
    if first is None or second is None:
        return False
    # Only a fall-back fold has the later reading at a smaller offset.
    return second < first and local.utcoffset() == second


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("cron times need a timezone-aware datetime")
    return moment.astimezone(timezone.utc)


def _walk(cron: str, tz: tzinfo, start: datetime, forward: bool) -> Iterator[datetime]:
    """Fire times strictly after (or before) `start`, in `tz`, without repeated wall times."""
    if start.tzinfo is None:
        raise ValueError("cron times need a timezone-aware start")
    it = croniter(normalise_cron(cron), start.astimezone(tz), day_or=True)
    for _ in range(_MAX_STEPS):
        try:
            moment = it.get_next(datetime) if forward else it.get_prev(datetime)
        except CroniterBadDateError:
            return
        moment = moment.astimezone(tz)
        if not _is_repeated_wall_time(moment, tz):
            yield moment


def next_fire_times(cron: str, tz: tzinfo | str | None = None, start: datetime | None = None, n: int = 5) -> list[datetime]:
    """The next `n` fire times strictly after `start` (default: now), aware in `tz`.

    For the template editor's preview; raises TemplateValidationError for a bad
    expression or zone.
    """
    zone = as_tz(tz)
    start = start or datetime.now(timezone.utc)
    out: list[datetime] = []
    for moment in _walk(cron, zone, start, forward=True):
        out.append(moment)
        if len(out) >= n:
            break
    return out


def next_fire_time(cron: str, tz: tzinfo | str | None, after: datetime) -> datetime | None:
    """The first fire time strictly after `after`, or None if the expression never fires again."""
    return next(iter(_walk(cron, as_tz(tz), after, forward=True)), None)


def previous_fire_time(cron: str, tz: tzinfo | str | None, at: datetime) -> datetime | None:
    """The latest fire time at or before `at` (used for catch-up and to name a fired slot)."""
    # croniter's get_prev is strictly before its start; a microsecond later includes `at`.
    # (Arithmetic in UTC: on aware local times Python adds wall-clock time and drops `fold`.)
    return next(iter(_walk(cron, as_tz(tz), _utc(at) + timedelta(microseconds=1), forward=False)), None)


def describe_cron(expr: str) -> str:
    """A plain-English description, e.g. '0 9 * * 1' -> 'At 09:00, only on Monday'."""
    from cron_descriptor import ExpressionDescriptor, Options

    text = normalise_cron(expr)
    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    try:
        return ExpressionDescriptor(text, options).get_description()
    except Exception as exc:  # cron-descriptor has its own error classes; any failure is bad input
        raise TemplateValidationError(f"cron expression {text!r} cannot be described: {exc}") from None


class CroniterTrigger(BaseTrigger):
    """APScheduler 3.x trigger whose fire times come from croniter (crontab(5) semantics).

    `get_next_fire_time(None, now)` is the first fire at or after `now` (as
    APScheduler's own triggers behave); with a previous fire time, the first one
    strictly after it.
    """

    __slots__ = ("cron", "timezone")

    def __init__(self, cron: str, timezone: tzinfo | str | None = None) -> None:
        self.cron = normalise_cron(cron)
        self.timezone = as_tz(timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time is not None:
            return next_fire_time(self.cron, self.timezone, previous_fire_time)
        return next_fire_time(self.cron, self.timezone, _utc(now) - timedelta(microseconds=1))

    def __getstate__(self) -> dict[str, object]:
        return {"version": 1, "cron": self.cron, "timezone": str(self.timezone)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.cron = str(state["cron"])
        self.timezone = as_tz(str(state["timezone"]))

    def __str__(self) -> str:
        return f"cron[{self.cron}] ({self.timezone})"

    def __repr__(self) -> str:
        return f"<CroniterTrigger cron={self.cron!r} timezone={str(self.timezone)!r}>"
