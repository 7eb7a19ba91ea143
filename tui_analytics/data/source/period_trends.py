"""User growth and activity trends by day, week or month (`--by`), for the repository.

User growth is by month and activity trends by day as the datasets are documented; the
repository's own methods answer those. This module answers the other units: the same
counts per reporting-zone day, week (Monday to Sunday, named by its Monday) or month,
aggregated in SQL. Days and months are bucketed by the time column's own SQL
(`TimeColumn.bucket`); weeks by comparing with each week's first instant, which needs
nothing of the engine's calendar functions and is exact across clock changes. Each row's
first column is named by its unit: `date` (YYYY-MM-DD), `week` (the Monday, YYYY-MM-DD)
or `month` (YYYY-MM).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy import ColumnElement, String, case, distinct, func, literal_column, select

from tui_analytics.data.source.entities import Source
from tui_analytics.data.source.recent_query import UntypedRow, positive
from tui_analytics.data.source.rows import PeriodRow
from tui_analytics.data.source.timesql import TimeColumn
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.daterange import DateRange

UNITS = ("day", "week", "month")
# The first column of a row, by unit.
COLUMNS = {"day": "date", "week": "week", "month": "month"}
# Each trend's own unit: what its repository method (and its documented dataset) counts by.
NATURAL_UNITS = {"user-growth": "month", "activity-trends": "day"}
BUCKET = "ta_bucket"


def start_of(day: date, unit: str) -> date:
    """The first day of the day, week (Monday) or month holding `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def step(start: date, unit: str, n: int = 1) -> date:
    """The start of the period `n` periods after (before, negative) the one starting at `start`."""
    if unit == "month":
        index = start.year * 12 + start.month - 1 + n
        return date(index // 12, index % 12 + 1, 1)
    return start + timedelta(days=n * (7 if unit == "week" else 1))


def label(start: date, unit: str) -> str:
    return f"{start.year:04d}-{start.month:02d}" if unit == "month" else start.isoformat()


def check_unit(unit: object) -> str:
    if unit not in UNITS:
        raise ValueError(f"by must be one of {', '.join(UNITS)}, got {unit!r}")
    assert isinstance(unit, str)
    return unit


def _week_bucket(stamp: TimeColumn, cuts: list[tuple[datetime | None, str]]) -> ColumnElement[str]:
    """Each value's week label: a balanced CASE over the weeks' first instants (depth log2(weeks))."""

    def tree(part: list[tuple[datetime | None, str]]) -> ColumnElement[str]:
        if len(part) == 1:
            return literal_column(f"'{part[0][1]}'", String)  # a date we wrote, never source text
        middle = len(part) // 2
        cut = part[middle][0]
        assert cut is not None
        return case((stamp.before(cut), tree(part[:middle])), else_=tree(part[middle:]))

    return tree(cuts)


class PeriodTrendQueries:
    """`trend_by(dataset, by, count, date_range)` for AdminAnalyticsOptimizedRepository."""

    clock: Clock
    zone: tzinfo
    _rows: Callable[..., list[UntypedRow]]

    @property
    def source(self) -> Source:
        raise NotImplementedError

    def _period_start_utc(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(timezone.utc)

    def _period_window(self, unit: str, count: int, date_range: DateRange | None) -> tuple[list[date], datetime, datetime]:
        """The periods' first days and [start, end) as aware UTC: the last `count` periods up to
        now, or those of the range (at most its last `count`), the first one cut at the range's start."""
        today = self.clock.now().astimezone(self.zone).date()
        default_first = step(start_of(today, unit), unit, -(count - 1))
        if date_range is not None:
            start, end = date_range.bounds(self.zone)
        else:
            start, end = self._period_start_utc(default_first), self.clock.now()
        last = start_of((end - timedelta(microseconds=1)).astimezone(self.zone).date(), unit)
        first = max(start_of(start.astimezone(self.zone).date(), unit), step(last, unit, -(count - 1)))
        start = max(start, self._period_start_utc(first))
        firsts = []
        day = first
        while day <= last:
            firsts.append(day)
            day = step(day, unit)
        return firsts, start, end

    def _bucket(self, stamp: TimeColumn, unit: str, firsts: list[date], start: datetime, end: datetime) -> ColumnElement[str]:
        if unit != "week":
            return stamp.bucket(unit, self.zone, start, end)
        cuts = [(None if i == 0 else self._period_start_utc(d), label(d, unit)) for i, d in enumerate(firsts)]
        return _week_bucket(stamp, cuts)

    def trend_by(self, dataset: str, by: str, count: int, date_range: DateRange | None = None) -> list[PeriodRow]:
        """User growth ({unit column}, newUsers, totalUsers) or activity trends ({unit column},
        activities, activeUsers) per `by` period of the reporting zone; empty periods are 0.
        activeUsers is the distinct users of the whole period."""
        unit = check_unit(by)
        positive("count", count)
        if dataset not in NATURAL_UNITS:
            raise ValueError(f"by applies to user-growth and activity-trends, not {dataset!r}")
        firsts, start, end = self._period_window(unit, count, date_range)
        if start >= end:
            return []
        entity = self.source.users if dataset == "user-growth" else self.source.activities
        stamp = entity.time
        assert stamp is not None
        bucket = self._bucket(stamp, unit, firsts, start, end).label(BUCKET)
        figures = [func.count().label("n")]
        if dataset == "activity-trends":
            figures.append(func.count(distinct(entity.col("user_id"))).label("u"))
        rows = self._rows(
            select(bucket, *figures)
            .select_from(entity.source)
            .where(stamp.within(start, end))
            .group_by(literal_column(BUCKET))
            .order_by(literal_column(BUCKET))
        )
        found = {str(r[0]): [int(v) for v in r[1:]] for r in rows}
        column = COLUMNS[unit]
        labels = [label(d, unit) for d in firsts]
        if dataset == "activity-trends":
            return [{column: k, "activities": found.get(k, [0, 0])[0], "activeUsers": found.get(k, [0, 0])[1]} for k in labels]
        total = int(self._rows(select(func.count()).select_from(entity.source).where(stamp.before(start)))[0][0])
        out: list[PeriodRow] = []
        for key in labels:
            new = found.get(key, [0])[0]
            total += new
            out.append({column: key, "newUsers": new, "totalUsers": total})
        return out
