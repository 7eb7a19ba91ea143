"""Cron schedules with Debian cron's meaning: the public functions over `parse` and `fire_times`.

APScheduler 3.x's `CronTrigger.from_crontab` reads weekday 0 as Monday and ignores the
scheduler's zone, and croniter 7 reads a single-value range such as `3-3` as `*` and ORs
the day fields when one starts with `*`; so the lines are read here (`parse`, per
crontab(5)) and their fire times found here (`fire_times`, per cron(8)). The scheduler's
trigger (`CrontabTrigger`), `next_generation`, catch-up, the editor's preview and
`report cron` all call the functions below and so always agree.

Semantics: weekday 0 and 7 are Sunday; a day must match both day fields when either starts
with `*`, either of them when neither does; times are wall-clock times in the template's
zone. Across clock changes, wildcard jobs (minute or hour field starting with `*`) follow
the actual time: a repeated wall time fires twice, a skipped one never; fixed-time jobs
fire once: at the first of a repeated wall time, right after the change for a skipped one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo

from apscheduler.triggers.base import BaseTrigger

from tui_analytics.config.timezones import resolve_timezone
from tui_analytics.reports.cron.fire_times import fire_times
from tui_analytics.reports.cron.parse import CronSpec, parse_cron
from tui_analytics.runtime.errors import ConfigError, TemplateValidationError


def normalise_cron(expr: str) -> str:
    """The expression with nicknames expanded and whitespace collapsed; raises TemplateValidationError."""
    return parse_cron(expr).text


def as_tz(tz: tzinfo | str | None) -> tzinfo:
    """A tzinfo from a tzinfo, an IANA name or None/'local'; raises TemplateValidationError."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return resolve_timezone(tz)
    except ConfigError as exc:
        raise TemplateValidationError(str(exc)) from None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("cron times need a timezone-aware datetime")
    return moment.astimezone(timezone.utc)


def _walk(cron: str | CronSpec, tz: tzinfo, start: datetime, forward: bool) -> Iterator[datetime]:
    spec = cron if isinstance(cron, CronSpec) else parse_cron(cron)
    return fire_times(spec, tz, start, forward)


def next_fire_times(cron: str, tz: tzinfo | str | None = None, start: datetime | None = None, n: int = 5) -> list[datetime]:
    """The next `n` fire times strictly after `start` (default: now), aware in `tz`.

    For the editor's preview and `report cron`; raises TemplateValidationError for a bad
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


def next_fire_time(cron: str | CronSpec, tz: tzinfo | str | None, after: datetime) -> datetime | None:
    """The first fire time strictly after `after`, or None if the expression never fires again."""
    return next(_walk(cron, as_tz(tz), after, forward=True), None)


def previous_fire_time(cron: str | CronSpec, tz: tzinfo | str | None, at: datetime) -> datetime | None:
    """The latest fire time at or before `at` (used for catch-up and to name a fired slot)."""
    return next(_walk(cron, as_tz(tz), at, forward=False), None)


def describe_cron(expr: str) -> str:
    """What the line does in words, e.g. '0 9 * * 3-3' -> 'At 09:00, only on Wednesday'."""
    from tui_analytics.reports.cron.describe import describe

    return describe(parse_cron(expr))


# APScheduler 3 ships no type information, so its BaseTrigger is Any to the type checker.
class CrontabTrigger(BaseTrigger):  # type: ignore[misc]
    """APScheduler 3.x trigger whose fire times come from `fire_times` (Debian cron's meaning).

    `get_next_fire_time(None, now)` is the first fire at or after `now` (as
    APScheduler's own triggers behave); with a previous fire time, the first one
    strictly after it.
    """

    __slots__ = ("cron", "timezone", "_spec")

    def __init__(self, cron: str, timezone: tzinfo | str | None = None) -> None:
        self._spec = parse_cron(cron)
        self.cron = self._spec.text
        self.timezone = as_tz(timezone)

    @property
    def spec(self) -> CronSpec:
        """The line as read."""
        return self._spec

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time is not None:
            return next_fire_time(self._spec, self.timezone, previous_fire_time)
        return next_fire_time(self._spec, self.timezone, _utc(now) - timedelta(microseconds=1))

    def __getstate__(self) -> dict[str, object]:
        return {"version": 1, "cron": self.cron, "timezone": str(self.timezone)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._spec = parse_cron(str(state["cron"]))
        self.cron = self._spec.text
        self.timezone = as_tz(str(state["timezone"]))

    def __str__(self) -> str:
        return f"cron[{self.cron}] ({self.timezone})"

    def __repr__(self) -> str:
        return f"<CrontabTrigger cron={self.cron!r} timezone={str(self.timezone)!r}>"
