"""The figures of `[[alerts.rules]]` read from the source, and whether each rule's condition holds.

Blocking (SQL through the source repository): the alert service evaluates a rule in its worker
thread after the job that refreshes the rule's dataset finishes; `alerts rules` in the CLI. A
daily figure is the last closed day of the reporting zone (today is not over, so it would look
like a drop every morning); comparisons read the days they need in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tui_analytics.config.alert_rules import MEAN, SAME_WEEKDAY, AlertRule
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.runtime.errors import one_line

FIRING = "firing"
OK = "ok"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reading:
    """A rule's figure now: `value` (None when it could not be read), the `baseline` it was compared
    with, `state` firing / ok / unknown, and `detail`, the sentence an alert carries."""

    rule: str
    figure: str
    value: float | None
    state: str
    detail: str
    baseline: float | None = None
    day: str | None = None  # the day a daily figure is of

    @property
    def firing(self) -> bool:
        return self.state == FIRING


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def evaluate(rule: AlertRule, repository: SourceRepository) -> Reading:
    """Read the rule's figure and compare; a failing query is an `unknown` reading, not an exception."""
    try:
        if rule.dataset == "activity-trends":
            return _daily(rule, repository)
        value = _figure(rule, repository)
    except Exception as exc:  # the source is down or locked: no verdict, the incident stays as it is
        return Reading(rule.name, rule.figure, None, UNKNOWN, f"{rule.figure} could not be read: {one_line(exc)}")
    return _threshold(rule, value, None)


def _figure(rule: AlertRule, repository: SourceRepository) -> float | None:
    field = rule.figure.partition(".")[2]
    if rule.dataset == "summary":
        return float(repository.summary()[field])  # type: ignore[literal-required]
    top = repository.top_items(limit=1)
    if not top:
        return None
    if field == "interactions":
        return float(top[0]["interactions"])
    total = sum(repository.summary()["actions"].values())
    return round(100.0 * top[0]["interactions"] / total, 2) if total else None


def _threshold(rule: AlertRule, value: float | None, day: str | None) -> Reading:
    what = rule.figure + (f" on {day}" if day else "")
    if value is None:
        return Reading(rule.name, rule.figure, None, UNKNOWN, f"{what}: no data", day=day)
    below = rule.below is not None and value < rule.below
    above = rule.above is not None and value > rule.above
    if below or above:
        bound = f"below {number(rule.below)}" if below else f"above {number(rule.above)}"
        return Reading(rule.name, rule.figure, value, FIRING, f"{what} is {number(value)}, {bound}", day=day)
    return Reading(rule.name, rule.figure, value, OK, f"{what} is {number(value)} ({rule.condition()} to alert)", day=day)


def _daily(rule: AlertRule, repository: SourceRepository) -> Reading:
    field = rule.figure.partition(".")[2]
    span = 7 * rule.weeks if rule.compare == SAME_WEEKDAY else rule.days if rule.compare == MEAN else 0
    rows = repository.activity_trends(days=span + 2)  # today, the last closed day, and what it is compared with
    values = {row["date"]: float(row[field]) for row in rows}  # type: ignore[literal-required]
    if len(rows) < 2:
        return Reading(rule.name, rule.figure, None, UNKNOWN, f"{rule.figure}: no closed day yet")
    day = date.fromisoformat(rows[-2]["date"])
    value = values[day.isoformat()]
    if rule.compare is None:
        return _threshold(rule, value, day.isoformat())
    if rule.compare == SAME_WEEKDAY:
        base_day = day - timedelta(days=7 * rule.weeks)
        baseline = values.get(base_day.isoformat())
        basis = f"{base_day.isoformat()} (same weekday)"
    else:
        before = [values.get((day - timedelta(days=n)).isoformat()) for n in range(1, rule.days + 1)]
        known = [v for v in before if v is not None]
        baseline = sum(known) / len(known) if known else None
        basis = f"the mean of the {rule.days} days before ({number(baseline)})"
    return _change(rule, value, baseline, day.isoformat(), basis)


def _change(rule: AlertRule, value: float, baseline: float | None, day: str, basis: str) -> Reading:
    what = f"{rule.figure} on {day}"
    if not baseline:  # nothing (or zero) to compare with: a change in percent means nothing
        return Reading(rule.name, rule.figure, value, UNKNOWN, f"{what} is {number(value)}: no baseline in {basis}", None, day)
    change = 100.0 * (value - baseline) / baseline
    said = f"{what} is {number(value)}, {abs(change):.0f}% {'under' if change < 0 else 'over'} {number(baseline)} on {basis}"
    if basis.startswith("the mean"):
        said = f"{what} is {number(value)}, {abs(change):.0f}% {'under' if change < 0 else 'over'} {basis}"
    firing = (rule.drop is not None and change <= -rule.drop) or (rule.rise is not None and change >= rule.rise)
    return Reading(rule.name, rule.figure, value, FIRING if firing else OK, said, baseline, day)
