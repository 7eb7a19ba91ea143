"""AdminAnalyticsOptimizedRepository: the only code that queries the source database.

Every dataset is aggregated in SQL (GROUP BY over the activities' time column,
where the covering index on (created_at, item_id, user_id) serves); Python only
fills empty buckets and renames columns. Methods are synchronous: services call
them in worker threads.

The tables and columns come from the source mapping (`config/source_mapping.py`; the
built-in schema without one), resolved against the database on first use
(`entities.py`). Range bounds are compared in each time column's stored
form (`timesql.py`), and days and months are the reporting zone's (`zone`).
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone, tzinfo
from datetime import time as clock_time

from sqlalchemy import ColumnElement, case, distinct, func, literal, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import Label

from tui_analytics.config.settings import mask_url, plain_zone
from tui_analytics.config.source_mapping import BUILTIN, SourceMapping
from tui_analytics.data.engines import get_engine, query_error
from tui_analytics.data.source.entities import DEFAULT_ACTION, Source, resolve
from tui_analytics.data.source.period_trends import PeriodTrendQueries
from tui_analytics.data.source.recent_query import RecentActivityQueries, UntypedRow, looked_up, positive
from tui_analytics.data.source.recent_stream import RecentActivityStream, column_dicts, ident, recent_columns
from tui_analytics.data.source.rows import ActivityTrendRow, RecentActivityRow, Summary, TopItemRow, UserGrowthRow
from tui_analytics.data.source.timesql import TimeColumn
from tui_analytics.data.timestamps import iso
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.daterange import DateRange

# Default window for datasets that would otherwise scan all history.
DEFAULT_WINDOW_DAYS = 30

# The label of a bucket column. GROUP BY and ORDER BY name it rather than repeat the
# expression: its bound values would be new parameters there, which PostgreSQL rejects.
BUCKET = "ta_bucket"
UNREADABLE = "unreadable"  # the bucket of a row whose time is no real date


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _nulls_last(column: ColumnElement[object]) -> tuple[ColumnElement[int], ColumnElement[object]]:
    """ORDER BY terms for ascending ids with NULL after every id, on every engine (PostgreSQL
    sorts NULL last by default, SQLite and MariaDB first; MariaDB has no NULLS LAST)."""
    return case((column.is_(None), 1), else_=0), column


class AdminAnalyticsOptimizedRepository(RecentActivityQueries, PeriodTrendQueries):
    """Read-only analytics queries against the source database.

    `date_range` limits every dataset to [start, end); without one, trends use
    their own window (the last N months or days) and top items / summary use
    the last 30 days for "active" figures. `mapping` says where the entities
    live (the built-in tables by default); `zone` is the reporting zone whose
    days and months the trends count, and in which a bare date of a range is a day.
    """

    def __init__(
        self,
        engine_or_url: Engine | str,
        *,
        clock: Clock = SYSTEM_CLOCK,
        mapping: SourceMapping = BUILTIN,
        zone: tzinfo = timezone.utc,
    ) -> None:
        if isinstance(engine_or_url, str):
            self._url = engine_or_url
            self.engine = get_engine(engine_or_url)
        else:
            self.engine = engine_or_url
            self._url = engine_or_url.url.render_as_string(hide_password=False)
        self.clock = clock
        self.mapping = mapping
        self.zone = plain_zone(zone)
        self._source: Source | None = None
        self._lock = threading.Lock()
        self._statements = {}
        # Rows the last call of a dataset left out because their time is no real date (SQLite text
        # such as '2026-02-30'), by dataset method: the jobs say how many (processor/jobs.py).
        self.unreadable: dict[str, int] = {}

    @property
    def url(self) -> str:
        """The source's URL as given (with its password: for error texts that mask it)."""
        return self._url

    def in_zone(self, zone: tzinfo) -> AdminAnalyticsOptimizedRepository:
        """The same source counted in `zone`'s days and months (a report template's own zone);
        it shares this one's engine and resolved mapping, so nothing is opened or looked up again."""
        if plain_zone(zone) == self.zone:
            return self
        other = AdminAnalyticsOptimizedRepository(self.engine, clock=self.clock, mapping=self.mapping, zone=zone)
        other._url = self._url
        other._source = self._source
        return other

    @property
    def url_masked(self) -> str:
        return mask_url(self._url)

    @property
    def source(self) -> Source:
        """The mapping resolved against the database (looked up on first use: blocking)."""
        if self._source is None:
            with self._lock:
                if self._source is None:
                    self._source = resolve(self.engine, self.mapping, self._url)
        return self._source

    # -- helpers -----------------------------------------------------------

    def _rows(self, stmt: Executable) -> list[UntypedRow]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(stmt).all())  # one fetchall, not a fetchone per row
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None

    def _midnight(self, day: date) -> datetime:
        """The start of a reporting-zone day, as aware UTC."""
        return datetime.combine(day, clock_time.min, tzinfo=self.zone).astimezone(timezone.utc)

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def _window(self, default_start: datetime, date_range: DateRange | None) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC: the default window ending now, or the range."""
        if date_range is not None:
            return date_range.bounds(self.zone)
        return default_start, self.clock.now()

    # -- datasets ----------------------------------------------------------

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        """New and cumulative users per month: {month, newUsers, totalUsers}.

        Without a range, the last `months` calendar months up to now; with one,
        the months of the range (at most the last `months` of them). Months are
        the reporting zone's.
        """
        positive("months", months)
        now = self._local(self.clock.now())
        y, m = _add_months(now.year, now.month, -(months - 1))
        start, end = self._window(self._midnight(datetime(y, m, 1).date()), date_range)
        last = self._local(end - timedelta(microseconds=1))
        # Cap to the last `months` months of the window.
        y, m = _add_months(last.year, last.month, -(months - 1))
        start = max(start, self._midnight(datetime(y, m, 1).date()))
        if start >= end:
            return []
        users = self.source.users
        stamp = users.time
        assert stamp is not None
        bucket = stamp.bucket("month", self.zone, start, end).label(BUCKET)
        per_month = self._rows(
            select(bucket, func.count().label("n"))
            .select_from(users.source)
            .where(stamp.within(start, end))
            .group_by(literal_column(BUCKET))
            .order_by(literal_column(BUCKET))
        )
        before = self._rows(select(func.count()).select_from(users.source).where(stamp.before(start)))[0][0]
        counts = {row[0]: int(row[1]) for row in per_month}
        return month_rows(self._local(start), last, counts, int(before))

    def activity_trends(self, days: int = 7, date_range: DateRange | None = None) -> list[ActivityTrendRow]:
        """Activities and distinct active users per day: {date, activities, activeUsers}.

        Without a range, the last `days` days including today; with one, the
        days of the range (at most the last `days` of them). Empty days are 0.
        Days are the reporting zone's.
        """
        positive("days", days)
        today = self._local(self.clock.now()).date()
        start, end = self._window(self._midnight(today - timedelta(days=days - 1)), date_range)
        last_day = self._local(end - timedelta(microseconds=1)).date()
        first_day = max(self._local(start).date(), last_day - timedelta(days=days - 1))
        start = max(start, self._midnight(first_day))
        if start >= end:
            return []
        acts = self.source.activities
        stamp = acts.time
        assert stamp is not None
        bucket = self._readable_bucket(stamp, "day", start, end)
        rows = self._rows(
            select(bucket, func.count().label("n"), func.count(distinct(acts.col("user_id"))).label("u"))
            .select_from(acts.source)
            .where(stamp.within(start, end))
            .group_by(literal_column(BUCKET))
            .order_by(literal_column(BUCKET))
        )
        found = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
        self.unreadable["activity_trends"] = found.pop(UNREADABLE, (0, 0))[0]
        out: list[ActivityTrendRow] = []
        day = first_day
        while day <= last_day:
            n, u = found.get(day.isoformat(), (0, 0))
            out.append({"date": day.isoformat(), "activities": n, "activeUsers": u})
            day += timedelta(days=1)
        return out

    def _readable_bucket(self, stamp: TimeColumn, unit: str, start: datetime, end: datetime) -> Label[str]:
        """The bucket of each row, or UNREADABLE for a time that is no real date: counted and said,
        never put in another day (SQLite moves 2026-02-30 to 2026-03-02) or silently dropped."""
        bucket = stamp.bucket(unit, self.zone, start, end)
        bad = stamp.unreadable()
        return (case((bad, literal(UNREADABLE)), else_=bucket) if bad is not None else bucket).label(BUCKET)

    def top_items(self, limit: int = 10, date_range: DateRange | None = None) -> list[TopItemRow]:
        """Most-interacted items: {rank, itemId, name, category, interactions, uniqueUsers}.

        Without a range, over the last 30 days.
        """
        positive("limit", limit)
        start, end = self._window(self.clock.now() - timedelta(days=DEFAULT_WINDOW_DAYS), date_range)
        source = self.source
        acts, items = source.activities, source.items
        assert acts.time is not None
        item_id = acts.col("item_id")
        counts = (
            select(
                item_id.label("item_id"),
                func.count().label("interactions"),
                func.count(distinct(acts.col("user_id"))).label("unique_users"),
            )
            .select_from(acts.source)
            .where(acts.time.within(start, end))
            .group_by(item_id)
            .order_by(func.count().desc(), *_nulls_last(item_id))
            .limit(limit)
            .subquery("ta_counts")
        )
        joined, names = looked_up(counts, items, counts.c.item_id, {"name": "name", "category": "category"})
        stmt = select(counts, *names).select_from(joined).order_by(counts.c.interactions.desc(), *_nulls_last(counts.c.item_id))
        return [
            {
                "rank": rank,
                "itemId": ident(r.item_id),
                "name": r.name,
                "category": r.category,
                "interactions": int(r.interactions),
                "uniqueUsers": int(r.unique_users),
            }
            for rank, r in enumerate(self._rows(stmt), start=1)
        ]

    # -- recent activity (the queries are in recentquery.py) ------------------

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[RecentActivityRow]:
        """The newest activities, newest first: {timestamp, userId, userName, action, itemId, itemName}."""
        positive("limit", limit)
        bounds = self._bounds(date_range)
        return list(column_dicts(recent_columns(self._recent_rows(limit, bounds), self._stamps())))

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = 5000
    ) -> RecentActivityStream:
        """Like recent_activity, streamed from a server-side cursor in constant memory (exports).

        The result iterates rows; the CSV exporter reads its `column_batches()` instead.
        """
        return RecentActivityStream(self._recent_batches(limit, date_range, batch_size))

    # -- summary ---------------------------------------------------------------

    def summary(self, date_range: DateRange | None = None) -> Summary:
        """Headline figures: totalUsers, activeUsers, totalItems, totalActivities, newUsers, actions,
        and when the data starts and ends (firstActivity, lastActivity).

        With a range: users who signed up before its end, users active and
        activities within it. Without: all users and activities, active = last 30 days.
        """
        if date_range is not None:
            start, end = date_range.bounds(self.zone)
            act_start: datetime = start
        else:
            end = self.clock.now()
            act_start = end - timedelta(days=DEFAULT_WINDOW_DAYS)
        source = self.source
        users, acts, items = source.users, source.activities, source.items
        assert users.time is not None and acts.time is not None
        in_window = acts.time.within(act_start, end)
        total_users = select(func.count()).select_from(users.source).where(users.time.before(end))
        new_users = select(func.count()).select_from(users.source).where(users.time.within(act_start, end))
        active = select(func.count(distinct(acts.col("user_id")))).select_from(acts.source).where(in_window)
        count_acts = select(func.count()).select_from(acts.source)
        if date_range is not None:
            count_acts = count_acts.where(in_window)
        # The oldest and newest stored values, each one ORDER BY ... LIMIT 1 (an index seek where there is one).
        oldest = select(acts.time.raw).select_from(acts.source).where(acts.time.raw.is_not(None)).limit(1)
        newest = oldest.order_by(acts.time.order_expr.desc())
        oldest = oldest.order_by(acts.time.order_expr)
        total_items = select(func.count()).select_from(items.source)
        try:
            with self.engine.connect() as conn:
                if acts.has("action"):
                    action = acts.col("action").label("action")
                    by_action = {
                        r[0]: int(r[1])
                        for r in conn.execute(
                            select(action, func.count()).select_from(acts.source).where(in_window).group_by(action).order_by(action)
                        )
                    }
                else:
                    n = int(conn.execute(select(func.count()).select_from(acts.source).where(in_window)).scalar_one())
                    by_action = {DEFAULT_ACTION: n} if n else {}
                first, last = conn.execute(oldest).scalar(), conn.execute(newest).scalar()
                users_n, active_n, items_n, activities_n, new_n = [
                    int(conn.execute(stmt).scalar_one()) for stmt in (total_users, active, total_items, count_acts, new_users)
                ]
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None
        return {
            "totalUsers": users_n,
            "activeUsers": active_n,
            "totalItems": items_n,
            "totalActivities": activities_n,
            "newUsers": new_n,
            "actions": by_action,
            "periodStart": iso(act_start),
            "periodEnd": iso(end),
            "firstActivity": acts.time.stored.iso(first),
            "lastActivity": acts.time.stored.iso(last),
        }

    def ping(self) -> float:
        """One round trip to the database, in milliseconds."""
        started = time.perf_counter()
        self._rows(select(1))
        return (time.perf_counter() - started) * 1000.0


def month_rows(first: datetime, last: datetime, counts: dict[str, int], before: int) -> list[UserGrowthRow]:
    """One row per month from `first`'s to `last`'s (local times): its new users (`counts`, by
    'YYYY-MM') and the running total, which starts at `before` (the users older than the range)."""
    out: list[UserGrowthRow] = []
    total = before
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        key = f"{y:04d}-{m:02d}"
        total += counts.get(key, 0)
        out.append({"month": key, "newUsers": counts.get(key, 0), "totalUsers": total})
        y, m = _add_months(y, m, 1)
    return out
