"""AdminAnalyticsOptimizedRepository: the only code that queries the source database.

Every dataset is aggregated in SQL (GROUP BY over the covering index on
activities(created_at, item_id, user_id)); Python only fills empty buckets and
renames columns. Methods are synchronous: services call them in worker threads.
Buckets (days, months) are in UTC, which is how timestamps are stored.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, distinct, func, select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..runtime.clock import SYSTEM_CLOCK, Clock
from .config import mask_url
from .daterange import DateRange
from .db import get_engine, query_error
from .recentstream import Columns, RecentActivityStream, column_dicts, recent_columns
from .schema import activities, items, users
from .timestamps import iso, to_db

# Rows per fetch from SQLite, whatever batch_size says: there is no round trip to
# save, and a batch that fits in the CPU cache is faster to reshape (1M-row export:
# 5000 rows per fetch cost 1.4 s over the bare fetch, 256 rows 0.5 s).
SQLITE_BATCH_ROWS = 256

# Default window for datasets that would otherwise scan all history.
DEFAULT_WINDOW_DAYS = 30


class _Bucket(FunctionElement[str]):
    """A timestamp rendered as a 'YYYY-MM' or 'YYYY-MM-DD' string, portably."""

    type = String()
    inherit_cache = True


class month_bucket(_Bucket):
    name = "month_bucket"
    inherit_cache = True


class day_bucket(_Bucket):
    name = "day_bucket"
    inherit_cache = True


# The format strings are SQL literals, not bound parameters: a bound format
# makes PostgreSQL reject GROUP BY (the select expression and the group
# expression would be different parameters).
@compiles(month_bucket, "sqlite")
def _month_sqlite(el: Any, compiler: Any, **kw: Any) -> str:
    return "strftime('%%Y-%%m', %s)" % compiler.process(el.clauses, **kw)


@compiles(day_bucket, "sqlite")
def _day_sqlite(el: Any, compiler: Any, **kw: Any) -> str:
    return "date(%s)" % compiler.process(el.clauses, **kw)


@compiles(month_bucket, "postgresql")
def _month_pg(el: Any, compiler: Any, **kw: Any) -> str:
    return "to_char(%s, 'YYYY-MM')" % compiler.process(el.clauses, **kw)


@compiles(day_bucket, "postgresql")
def _day_pg(el: Any, compiler: Any, **kw: Any) -> str:
    return "to_char(%s, 'YYYY-MM-DD')" % compiler.process(el.clauses, **kw)


def _mysql_format(fmt: str, el: Any, compiler: Any, **kw: Any) -> str:
    # PyMySQL uses the 'format' paramstyle, so a literal % must be doubled.
    if compiler.dialect.paramstyle in ("format", "pyformat"):
        fmt = fmt.replace("%", "%%")
    return "DATE_FORMAT(%s, '%s')" % (compiler.process(el.clauses, **kw), fmt)


@compiles(month_bucket, "mysql")
@compiles(month_bucket, "mariadb")
def _month_mysql(el: Any, compiler: Any, **kw: Any) -> str:
    return _mysql_format("%Y-%m", el, compiler, **kw)


@compiles(day_bucket, "mysql")
@compiles(day_bucket, "mariadb")
def _day_mysql(el: Any, compiler: Any, **kw: Any) -> str:
    return _mysql_format("%Y-%m-%d", el, compiler, **kw)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _newest_floor(limit: int, date_range: DateRange | None) -> Any:
    """The oldest of the newest `limit` activity times (NULL when there are none)."""
    column = activities.c.created_at
    newest = select(column.label("t")).order_by(column.desc()).limit(limit)
    if date_range is not None:
        newest = newest.where((column >= to_db(date_range.start_utc)) & (column < to_db(date_range.end_utc)))
    window = newest.subquery("newest")
    return select(func.min(window.c.t))


@functools.lru_cache(maxsize=64)
def _recent_statement(limit: int | None, date_range: DateRange | None, newest_first_window: bool = False) -> Any:
    """The recent-activity query; built once per (limit, range), since building and
    hashing a new statement took half of a 20-row call (the dashboard's)."""
    stmt = (
        select(
            # The stored value as the driver gives it (SQLite: text), converted in bulk
            # by recentstream.iso_column rather than parsed into a datetime per row.
            type_coerce(activities.c.created_at, String).label("created_at"),
            activities.c.user_id,
            users.c.name.label("user_name"),
            activities.c.action,
            activities.c.item_id,
            items.c.name.label("item_name"),
        )
        .select_from(activities)
        .join(users, users.c.id == activities.c.user_id)
        .join(items, items.c.id == activities.c.item_id)
        .order_by(activities.c.created_at.desc(), activities.c.id.desc())
    )
    column = activities.c.created_at
    in_range = None
    if date_range is not None:
        in_range = (column >= to_db(date_range.start_utc)) & (column < to_db(date_range.end_utc))
        stmt = stmt.where(in_range)
    if limit is not None and newest_first_window:
        # MariaDB/MySQL drive this join from `users` or `items` and sort every
        # activity (2-3 s on 1M rows): (created_at, id) is not an index order there.
        # A floor on created_at, bound as a value found first (see _newest_floor),
        # lets the planner start from the few newest rows of the index.
        stmt = stmt.where(column >= bindparam("newest_floor"))
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


class AdminAnalyticsOptimizedRepository:
    """Read-only analytics queries against the source database.

    `date_range` limits every dataset to [start, end); without one, trends use
    their own window (the last N months or days) and top items / summary use
    the last 30 days for "active" figures.
    """

    def __init__(self, engine_or_url: Engine | str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        if isinstance(engine_or_url, str):
            self._url = engine_or_url
            self.engine = get_engine(engine_or_url)
        else:
            self.engine = engine_or_url
            self._url = engine_or_url.url.render_as_string(hide_password=False)
        self.clock = clock

    @property
    def url_masked(self) -> str:
        return mask_url(self._url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- helpers -----------------------------------------------------------

    def _rows(self, stmt: Any) -> list[Any]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(stmt).all())  # one fetchall, not a fetchone per row
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None

    def _window(self, default_start: datetime, date_range: DateRange | None) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC: the default window ending now, clipped to the range."""
        end = self.clock.now()
        start = default_start
        if date_range is not None:
            date_range.validate()
            start, end = date_range.start_utc, date_range.end_utc
        return start, end

    def _where_range(self, column: ColumnElement[Any], start: datetime, end: datetime) -> Any:
        return (column >= to_db(start)) & (column < to_db(end))

    # -- datasets ----------------------------------------------------------

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[dict[str, Any]]:
        """New and cumulative users per month: {month, newUsers, totalUsers}.

        Without a range, the last `months` calendar months up to now; with one,
        the months of the range (at most the last `months` of them).
        """
        _positive("months", months)
        now = self.clock.now()
        if date_range is not None:
            date_range.validate()
            start, end = date_range.start_utc, date_range.end_utc
        else:
            end = now
            y, m = _add_months(now.year, now.month, -(months - 1))
            start = datetime(y, m, 1, tzinfo=timezone.utc)
        last = end - timedelta(microseconds=1)
        # Cap to the last `months` months of the window.
        y, m = _add_months(last.year, last.month, -(months - 1))
        start = max(start, datetime(y, m, 1, tzinfo=timezone.utc))
        if start >= end:
            return []
        bucket = month_bucket(users.c.created_at).label("m")
        per_month = self._rows(
            select(bucket, func.count().label("n"))
            .where(self._where_range(users.c.created_at, start, end))
            .group_by(bucket)
            .order_by(bucket)
        )
        before = self._rows(select(func.count()).where(users.c.created_at < to_db(start)))[0][0]
        counts = {row.m: int(row.n) for row in per_month}
        out = []
        total = int(before)
        y, m = start.year, start.month
        while (y, m) <= (last.year, last.month):
            key = f"{y:04d}-{m:02d}"
            total += counts.get(key, 0)
            out.append({"month": key, "newUsers": counts.get(key, 0), "totalUsers": total})
            y, m = _add_months(y, m, 1)
        return out

    def activity_trends(self, days: int = 7, date_range: DateRange | None = None) -> list[dict[str, Any]]:
        """Activities and distinct active users per day: {date, activities, activeUsers}.

        Without a range, the last `days` days including today; with one, the
        days of the range (at most the last `days` of them). Empty days are 0.
        """
        _positive("days", days)
        now = self.clock.now()
        today = now.date()
        start, end = self._window(
            datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=timezone.utc),
            date_range,
        )
        last_day = (end - timedelta(microseconds=1)).date()
        first_day = max(start.date(), last_day - timedelta(days=days - 1))
        start = max(start, datetime.combine(first_day, datetime.min.time(), tzinfo=timezone.utc))
        if start >= end:
            return []
        bucket = day_bucket(activities.c.created_at).label("d")
        rows = self._rows(
            select(bucket, func.count().label("n"), func.count(distinct(activities.c.user_id)).label("u"))
            .where(self._where_range(activities.c.created_at, start, end))
            .group_by(bucket)
            .order_by(bucket)
        )
        found = {str(r.d): (int(r.n), int(r.u)) for r in rows}
        out = []
        day = first_day
        while day <= last_day:
            n, u = found.get(day.isoformat(), (0, 0))
            out.append({"date": day.isoformat(), "activities": n, "activeUsers": u})
            day += timedelta(days=1)
        return out

    def top_items(self, limit: int = 10, date_range: DateRange | None = None) -> list[dict[str, Any]]:
        """Most-interacted items: {rank, itemId, name, category, interactions, uniqueUsers}.

        Without a range, over the last 30 days.
        """
        _positive("limit", limit)
        start, end = self._window(self.clock.now() - timedelta(days=DEFAULT_WINDOW_DAYS), date_range)
        counts = (
            select(
                activities.c.item_id.label("item_id"),
                func.count().label("interactions"),
                func.count(distinct(activities.c.user_id)).label("unique_users"),
            )
            .where(self._where_range(activities.c.created_at, start, end))
            .group_by(activities.c.item_id)
            .order_by(func.count().desc(), activities.c.item_id)
            .limit(limit)
            .subquery()
        )
        stmt = (
            select(counts, items.c.name, items.c.category)
            .join(items, items.c.id == counts.c.item_id)
            .order_by(counts.c.interactions.desc(), counts.c.item_id)
        )
        return [
            {
                "rank": rank,
                "itemId": int(r.item_id),
                "name": r.name,
                "category": r.category,
                "interactions": int(r.interactions),
                "uniqueUsers": int(r.unique_users),
            }
            for rank, r in enumerate(self._rows(stmt), start=1)
        ]

    @property
    def _needs_floor(self) -> bool:
        return self.dialect in ("mysql", "mariadb")

    def _recent_stmt(self, limit: int | None, date_range: DateRange | None) -> Any:
        if date_range is not None:
            date_range.validate()
        return _recent_statement(limit, date_range, self._needs_floor)

    def _recent_params(self, conn: Any, limit: int | None, date_range: DateRange | None) -> dict[str, Any] | None:
        """Bound values for the statement: the newest-rows floor where the dialect needs one.

        None when there is nothing to return (no activity in range)."""
        if limit is None or not self._needs_floor:
            return {}
        floor = conn.execute(_newest_floor(limit, date_range)).scalar()
        return None if floor is None else {"newest_floor": floor}

    def _recent_rows(self, limit: int, date_range: DateRange | None) -> list[Any]:
        stmt = self._recent_stmt(limit, date_range)
        try:
            with self.engine.connect() as conn:
                params = self._recent_params(conn, limit, date_range)
                return [] if params is None else list(conn.execute(stmt, params).all())
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[dict[str, Any]]:
        """The newest activities, newest first: {timestamp, userId, userName, action, itemId, itemName}."""
        _positive("limit", limit)
        return list(column_dicts(recent_columns(self._recent_rows(limit, date_range))))

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = 5000
    ) -> RecentActivityStream:
        """Like recent_activity, streamed from a server-side cursor in constant memory (exports).

        The result iterates row dicts; the CSV exporter reads its `column_batches()` instead.
        """
        return RecentActivityStream(self._recent_batches(limit, date_range, batch_size))

    def _recent_batches(self, limit: int | None, date_range: DateRange | None, batch_size: int) -> Iterator[Columns]:
        if limit is not None:
            _positive("limit", limit)
        stmt = self._recent_stmt(limit, date_range)
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    # sqlite3 steps lazily, so its own cursor streams. Reading it directly
                    # skips a SQLAlchemy Row per row (a fifth of a 1M-row export); no column
                    # of this statement has a result processor (created_at is coerced to text).
                    result = conn.execute(stmt)
                    cursor = result.cursor
                    while rows := cursor.fetchmany(min(batch_size, SQLITE_BATCH_ROWS)):
                        yield recent_columns(rows)
                    result.close()
                else:  # a server-side cursor
                    params = self._recent_params(conn, limit, date_range)
                    if params is None:
                        return
                    result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(stmt, params)
                    for part in result.partitions():
                        yield recent_columns(part)
        except (SQLAlchemyError, driver_error) as exc:
            raise query_error(self._url, exc) from None

    def summary(self, date_range: DateRange | None = None) -> dict[str, Any]:
        """Headline figures: totalUsers, activeUsers, totalItems, totalActivities, newUsers, actions.

        With a range: users who signed up before its end, users active and
        activities within it. Without: all users and activities, active = last 30 days.
        """
        if date_range is not None:
            date_range.validate()
            start, end = date_range.start_utc, date_range.end_utc
            act_start = start
        else:
            end = self.clock.now()
            start = None
            act_start = end - timedelta(days=DEFAULT_WINDOW_DAYS)
        total_users = select(func.count()).select_from(users).where(users.c.created_at < to_db(end))
        new_users = select(func.count()).select_from(users).where(
            self._where_range(users.c.created_at, act_start, end)
        )
        active = select(func.count(distinct(activities.c.user_id))).where(
            self._where_range(activities.c.created_at, act_start, end)
        )
        acts = select(func.count()).select_from(activities)
        if start is not None:
            acts = acts.where(self._where_range(activities.c.created_at, start, end))
        by_action = (
            select(activities.c.action, func.count().label("n"))
            .where(self._where_range(activities.c.created_at, act_start, end))
            .group_by(activities.c.action)
            .order_by(activities.c.action)
        )
        try:
            with self.engine.connect() as conn:
                result = {
                    "totalUsers": int(conn.execute(total_users).scalar_one()),
                    "activeUsers": int(conn.execute(active).scalar_one()),
                    "totalItems": int(conn.execute(select(func.count()).select_from(items)).scalar_one()),
                    "totalActivities": int(conn.execute(acts).scalar_one()),
                    "newUsers": int(conn.execute(new_users).scalar_one()),
                    "actions": {r.action: int(r.n) for r in conn.execute(by_action)},
                }
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None
        result["periodStart"] = iso(act_start)
        result["periodEnd"] = iso(end)
        return result

    def ping(self) -> float:
        """One round trip to the database, in milliseconds."""
        started = time.perf_counter()
        self._rows(select(1))
        return (time.perf_counter() - started) * 1000.0


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
