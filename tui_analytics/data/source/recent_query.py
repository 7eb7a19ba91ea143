"""The recent-activity query of the repository: the newest activities with their user and item names.

Kept apart from the aggregates (repository.py) because it is the one dataset that streams:
million-row exports read it in column batches, straight from SQLite's cursor or from a
server-side cursor elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import datetime, tzinfo
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import FromClause, Select

from tui_analytics.data.engines import query_error
from tui_analytics.data.source.entities import Entity, Source
from tui_analytics.data.source.recent_stream import RecentColumns, recent_columns
from tui_analytics.runtime.daterange import DateRange

# Rows per fetch from SQLite, whatever batch_size says: there is no round trip to
# save, and a batch that fits in the CPU cache is faster to reshape than a large one.
SQLITE_BATCH_ROWS = 256
_STATEMENTS_KEPT = 64

Bounds = tuple[datetime, datetime]  # [start, end) as aware UTC
# Statements and rows whose column types are not tracked: values come as the driver gives them.
UntypedSelect: TypeAlias = "Select[*tuple[Any, ...]]"
UntypedRow: TypeAlias = "Row[*tuple[Any, ...]]"


class RecentActivityQueries:
    """The recent-activity statements and their execution, for AdminAnalyticsOptimizedRepository."""

    engine: Engine
    zone: tzinfo
    _url: str
    _statements: dict[tuple[int | None, Bounds | None], UntypedSelect]  # (limit, bounds) -> the recent-activity query

    @property
    def source(self) -> Source:
        raise NotImplementedError

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def _needs_floor(self) -> bool:
        # MariaDB/MySQL drive the recent-activity join from `users` or `items` and sort every
        # activity, however many there are: a floor on the time column, bound as a value found
        # first (_newest_floor), lets the planner start from the few newest rows of the index.
        stamp = self.source.activities.time
        return self.dialect in ("mysql", "mariadb") and stamp is not None and stamp.compare_form != "text"

    def _bounds(self, date_range: DateRange | None) -> Bounds | None:
        return None if date_range is None else date_range.bounds(self.zone)

    def _newest_floor(self, limit: int, bounds: Bounds | None) -> UntypedSelect:
        """The oldest of the newest `limit` activity times (NULL when there are none)."""
        acts = self.source.activities
        assert acts.time is not None
        column = acts.time.raw
        newest = select(column.label("t")).select_from(acts.source).order_by(acts.time.order_expr.desc()).limit(limit)
        if bounds is not None:
            newest = newest.where(acts.time.within(*bounds))
        window = newest.subquery("newest")
        return select(func.min(window.c.t))

    def _recent_stmt(self, limit: int | None, bounds: Bounds | None) -> UntypedSelect:
        """The recent-activity query; kept per (limit, range), since building and hashing a new
        statement costs as much as running a small one (the dashboard's 20 rows)."""
        key = (limit, bounds)
        stmt = self._statements.get(key)
        if stmt is not None:
            return stmt
        source = self.source
        acts, users, items = source.activities, source.users, source.items
        stamp = acts.time
        assert stamp is not None
        order = stamp.order_expr
        ties = [acts.col("id").desc()] if acts.has("id") else [acts.col("user_id").desc(), acts.col("item_id").desc()]
        joined, (user_name,) = looked_up(acts.source, users, acts.col("user_id"), {"user_name": "name"})
        joined, (item_name,) = looked_up(joined, items, acts.col("item_id"), {"item_name": "name"})
        stmt = (
            select(
                # The stored value as the driver gives it, converted in bulk by StoredTime.iso_column.
                stamp.raw.label("created_at"),
                acts.col("user_id").label("user_id"),
                user_name,
                acts.col("action").label("action"),
                acts.col("item_id").label("item_id"),
                item_name,
            )
            .select_from(joined)
            .order_by(order.desc(), *ties)
        )
        if bounds is not None:
            stmt = stmt.where(stamp.within(*bounds))
        if limit is not None and self._needs_floor:
            stmt = stmt.where(stamp.raw >= bindparam("newest_floor"))
        if limit is not None:
            stmt = stmt.limit(limit)
        if len(self._statements) >= _STATEMENTS_KEPT:
            self._statements.clear()
        self._statements[key] = stmt
        return stmt

    def _recent_params(self, conn: Connection, limit: int | None, bounds: Bounds | None) -> dict[str, object] | None:
        """Bound values for the statement: the newest-rows floor where the dialect needs one.

        None when there is nothing to return (no activity in range)."""
        if limit is None or not self._needs_floor:
            return {}
        floor = conn.execute(self._newest_floor(limit, bounds)).scalar()
        return None if floor is None else {"newest_floor": floor}

    def _stamps(self) -> Callable[[Sequence[Any]], Sequence[str | None]]:
        stamp = self.source.activities.time
        assert stamp is not None
        return stamp.stored.iso_column

    def _recent_rows(self, limit: int, bounds: Bounds | None) -> list[UntypedRow]:
        stmt = self._recent_stmt(limit, bounds)
        try:
            with self.engine.connect() as conn:
                params = self._recent_params(conn, limit, bounds)
                return [] if params is None else list(conn.execute(stmt, params).all())
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None

    def _recent_batches(
        self, limit: int | None, date_range: DateRange | None, batch_size: int
    ) -> Generator[RecentColumns, None, None]:
        if limit is not None:
            positive("limit", limit)
        bounds = self._bounds(date_range)
        stmt = self._recent_stmt(limit, bounds)
        stamps = self._stamps()
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    # sqlite3 steps lazily, so its own cursor streams. Reading it directly
                    # skips building a SQLAlchemy Row for every row; no column
                    # of this statement has a result processor (its columns are untyped).
                    result = conn.execute(stmt)
                    cursor = result.cursor
                    while rows := cursor.fetchmany(min(batch_size, SQLITE_BATCH_ROWS)):
                        yield recent_columns(rows, stamps)
                    result.close()
                else:  # a server-side cursor
                    params = self._recent_params(conn, limit, bounds)
                    if params is None:
                        return
                    result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(stmt, params)
                    for part in result.partitions():
                        yield recent_columns(part, stamps)
        except (SQLAlchemyError, driver_error) as exc:
            raise query_error(self._url, exc) from None


def looked_up(
    joined: FromClause, entity: Entity, key: ColumnElement[Any], wanted: dict[str, str]
) -> tuple[FromClause, list[ColumnElement[Any]]]:
    """Columns (label -> canonical) of the `entity` row whose id is `key`, NULL where there is none.

    A mapped table is LEFT JOINed. A mapped query is read by one correlated subquery per
    column instead: SQLite cannot merge a joined query on the right of a LEFT JOIN and would
    build its whole result (every item) on each call; inside a scalar subquery it merges it and
    looks the row up by key. Both keep activities whose user or item is missing.
    """

    def shown(canonical: str, label: str) -> ColumnElement[Any]:
        if not entity.has(canonical):
            return entity.col(canonical).label(label)
        if entity.mapping.query is None:
            return entity.col(canonical).label(label)
        return select(entity.col(canonical)).where(entity.col("id") == key).limit(1).scalar_subquery().label(label)

    if entity.mapping.query is None:
        joined = joined.outerjoin(entity.source, entity.col("id") == key)
    return joined, [shown(canonical, label) for label, canonical in wanted.items()]


def positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
