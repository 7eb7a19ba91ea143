"""`[[alerts.rules]]` (alerts on the data), `[[alerts.silence]]` windows and durations such as "2h".

TOML puts `[[alerts.rules]]` written after `[[alerts]]` targets inside the last target's table;
they are read as global wherever they land (`split_alerts`), and with no target at all `alerts`
is a table holding only them. Every mistake is one ConfigError line naming the rule and the key
(`alerts.rules[1] 'dau-low'.below: ...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from tui_analytics.config.values import shorten
from tui_analytics.runtime.errors import ConfigError

# figure -> what it is (dataset.field); the datasets of docs/data.md
FIGURES: dict[str, str] = {
    "summary.totalUsers": "all users",
    "summary.activeUsers": "distinct users active in the last 30 days",
    "summary.newUsers": "sign-ups in the last 30 days",
    "summary.totalActivities": "all activities",
    "summary.totalItems": "all items",
    "activity-trends.activities": "activities on the last closed day",
    "activity-trends.activeUsers": "distinct active users on the last closed day",
    "top-items.interactions": "the top item's activities in the last 30 days",
    "top-items.share": "the top item's share of the last 30 days' activities, in percent",
}
DAILY = ("activity-trends.activities", "activity-trends.activeUsers")  # figures with a series to compare against
SAME_WEEKDAY = "same-weekday"
MEAN = "mean"
_RULE_KEYS = frozenset({"name", "figure", "below", "above", "compare", "weeks", "days", "drop", "rise"})
_SILENCE_KEYS = frozenset({"cron", "duration", "match"})
_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
MAX_DURATION = 366 * 24 * 3600.0


@dataclass(frozen=True)
class AlertRule:
    """A condition on a figure: below/above a value, or (with `compare`) a drop/rise in percent
    against the same weekday `weeks` back or the mean of the `days` before."""

    name: str
    figure: str
    below: float | None = None
    above: float | None = None
    compare: str | None = None  # same-weekday | mean | None (an absolute threshold)
    weeks: int = 1
    days: int = 7
    drop: float | None = None
    rise: float | None = None

    @property
    def dataset(self) -> str:
        return self.figure.partition(".")[0]

    @property
    def job(self) -> str:
        """The job whose refresh re-evaluates the rule (the summary is kept by activity-trends)."""
        return "activity-trends" if self.dataset == "summary" else self.dataset

    @property
    def subject(self) -> str:
        return f"rule:{self.name}"

    def condition(self) -> str:
        """'below 500', 'drop of 40% against the same weekday 1 week back', ..."""
        if self.compare is None:
            return " and ".join(
                f"{word} {value:g}" for word, value in (("below", self.below), ("above", self.above)) if value is not None
            )
        basis = (
            f"the same weekday {self.weeks} week{'s' if self.weeks != 1 else ''} back"
            if self.compare == SAME_WEEKDAY
            else f"the mean of the {self.days} days before"
        )
        parts = [f"{word} of {value:g}%" for word, value in (("drop", self.drop), ("rise", self.rise)) if value is not None]
        return f"{' or '.join(parts)} against {basis}"


@dataclass(frozen=True)
class Silence:
    """No alert goes out from each `cron` fire time for `duration` seconds, for the subjects `match`
    names (a glob on `job:<id>`, `report:<id>`, `rule:<name>`; all when None)."""

    cron: str
    duration: float
    match: str | None = None


@dataclass(frozen=True)
class AlertPolicy:
    rules: tuple[AlertRule, ...] = ()
    silences: tuple[Silence, ...] = ()


def split_alerts(value: object) -> tuple[object, object, object]:
    """The `alerts` value as (targets, rules, silences), rules and silences taken from wherever TOML put them."""
    rules: list[object] = []
    silences: list[object] = []

    def take(entry: dict[str, object]) -> dict[str, object]:
        for key, into in (("rules", rules), ("silence", silences)):
            found = entry.get(key)
            if found is not None:
                into.extend(found if isinstance(found, list) else [found])
        return {k: v for k, v in entry.items() if k not in ("rules", "silence")}

    if isinstance(value, dict):
        rest = take(value)
        return (None if not rest else value), rules, silences
    if isinstance(value, list):
        return [take(entry) if isinstance(entry, dict) else entry for entry in value], rules, silences
    return value, rules, silences


def parse_policy(rules: object, silences: object, path: object) -> AlertPolicy:
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ConfigError(f"alerts.rules in {path} must be [[alerts.rules]] tables")
    if not isinstance(silences, list) or not all(isinstance(s, dict) for s in silences):
        raise ConfigError(f"alerts.silence in {path} must be [[alerts.silence]] tables")
    parsed = [_rule(entry, index) for index, entry in enumerate(rules, 1)]
    seen: set[str] = set()
    for rule in parsed:
        if rule.name in seen:
            raise ConfigError(f"alerts.rules: two rules are named {rule.name!r}: names must differ")
        seen.add(rule.name)
    return AlertPolicy(tuple(parsed), tuple(_silence(entry, f"alerts.silence[{i}]") for i, entry in enumerate(silences, 1)))


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ConfigError(f"{key} must be a number, got {shorten(value)}")
    return float(value)


def _whole(key: str, value: object, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ConfigError(f"{key} must be a whole number from 1 to {maximum}, got {shorten(value)}")
    return value


def _rule(entry: Mapping[str, object], index: int) -> AlertRule:
    name = entry.get("name")
    if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
        raise ConfigError(f"alerts.rules[{index}].name must be 1-60 letters, digits, '.', '_' or '-', got {shorten(name)}")
    key = f"alerts.rules[{index}] {name!r}"
    unknown = sorted(set(entry) - _RULE_KEYS)
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {', '.join(shorten(k) for k in unknown)} (use {', '.join(sorted(_RULE_KEYS))})")
    figure = entry.get("figure")
    if figure not in FIGURES:
        raise ConfigError(f"{key}.figure: unknown figure {shorten(figure)} (use {', '.join(FIGURES)})")
    assert isinstance(figure, str)
    compare = entry.get("compare")
    if compare is None:
        for option in ("weeks", "days", "drop", "rise"):
            if option in entry:
                raise ConfigError(f"{key}.{option} applies with compare = 'same-weekday' or 'mean'")
        below = _number(f"{key}.below", entry["below"]) if "below" in entry else None
        above = _number(f"{key}.above", entry["above"]) if "above" in entry else None
        if below is None and above is None:
            raise ConfigError(f"{key} needs a condition: below = N, above = N, or compare with drop/rise")
        return AlertRule(name, figure, below=below, above=above)
    if compare not in (SAME_WEEKDAY, MEAN):
        raise ConfigError(f"{key}.compare must be 'same-weekday' or 'mean', got {shorten(compare)}")
    if figure not in DAILY:
        raise ConfigError(f"{key}.compare needs a daily figure ({', '.join(DAILY)}), not {figure}")
    for option in ("below", "above"):
        if option in entry:
            raise ConfigError(f"{key}.{option}: with compare, say drop = PERCENT or rise = PERCENT")
    drop = _number(f"{key}.drop", entry["drop"]) if "drop" in entry else None
    rise = _number(f"{key}.rise", entry["rise"]) if "rise" in entry else None
    if drop is None and rise is None:
        raise ConfigError(f"{key} needs drop = PERCENT or rise = PERCENT with compare")
    for option, value in (("drop", drop), ("rise", rise)):
        if value is not None and not 0 < value <= (100 if option == "drop" else 100_000):
            raise ConfigError(f"{key}.{option} must be a percentage above 0{' and at most 100' if option == 'drop' else ''}")
    if compare == SAME_WEEKDAY and "days" in entry or compare == MEAN and "weeks" in entry:
        raise ConfigError(f"{key}: weeks goes with compare = 'same-weekday', days with compare = 'mean'")
    weeks = _whole(f"{key}.weeks", entry.get("weeks", 1), 52)
    days = _whole(f"{key}.days", entry.get("days", 7), 365)
    return AlertRule(name, figure, compare=str(compare), weeks=weeks, days=days, drop=drop, rise=rise)


def _silence(entry: Mapping[str, object], key: str) -> Silence:
    unknown = sorted(set(entry) - _SILENCE_KEYS)
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {', '.join(shorten(k) for k in unknown)} (use cron, duration, match)")
    cron = entry.get("cron")
    if not isinstance(cron, str) or not cron.strip():
        raise ConfigError(f"{key}.cron must be a cron line in quotes, e.g. '0 2 * * *'")
    from cronsim import CronSim, CronSimError

    try:
        CronSim(cron.strip(), datetime(2026, 1, 1, tzinfo=timezone.utc))
    except (CronSimError, ValueError) as exc:
        raise ConfigError(f"{key}.cron: {shorten(cron)} is not a cron line ({exc})") from None
    if "duration" not in entry:
        raise ConfigError(f"{key} needs duration, e.g. duration = '1h'")
    duration = parse_duration(f"{key}.duration", entry["duration"])
    match = entry.get("match")
    if match is not None and (not isinstance(match, str) or not match.strip() or len(match) > 150):
        raise ConfigError(f"{key}.match must be a subject such as 'job:top-items', 'rule:*' (a glob), got {shorten(match)}")
    return Silence(cron.strip(), duration, match.strip() if isinstance(match, str) else None)


def optional_duration(key: str, value: object) -> float | None:
    """A duration, or None when not set (None or empty)."""
    return parse_duration(key, value) if value not in (None, "") else None


def parse_duration(key: str, value: object) -> float:
    """'90s', '30m', '2h', '1d', '1h30m' (or a number of seconds) as seconds, at most a year."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip() and (found := _DURATION.fullmatch(value.strip().lower())):
        d, h, m, s = (int(part or 0) for part in found.groups())
        seconds = float(((d * 24 + h) * 60 + m) * 60 + s)
    else:
        raise ConfigError(f"{key} must be a duration such as '90s', '30m', '2h', '1d' or '1h30m', got {shorten(value)}")
    if not 0 < seconds <= MAX_DURATION:
        raise ConfigError(f"{key} must be more than 0 and at most 366 days, got {shorten(value)}")
    return seconds
