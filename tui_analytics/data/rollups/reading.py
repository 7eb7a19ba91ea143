"""What the rollups read from the source: per-day aggregates of a span of whole days, and the
raw parts of a window (the open day, a partial first or last day) that no rollup holds.

Every statement is bounded below by the start of what it reads (`within`), so a refresh
touches only the days it aggregates or the raw parts it answers from. Days and buckets are
the reporting zone's, bucketed by the same SQL as the full queries (`timesql.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import distinct, func, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement

from tui_analytics.data.engines import query_error
from tui_analytics.data.rollups.tables import encode_id
from tui_analytics.data.source.entities import Source
from tui_analytics.data.source.timesql import TimeColumn

BUCKET = "ta_bucket"
Interval = tuple[datetime, datetime]


def midnight(day: date, zone: tzinfo) -> datetime:
    """The start of a reporting-zone day, as aware UTC."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def day_of(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


@dataclass
class DayAggregates:
    """The rollup rows of a span of days, ready to store (ids and actions as encoded text)."""

    days: list[str]
    day: dict[str, list[int]] = field(default_factory=dict)  # day -> [activities, active users, new users]
    actions: list[tuple[str, str, int]] = field(default_factory=list)
    items: list[tuple[str, str, int]] = field(default_factory=list)
    users: list[tuple[str, str]] = field(default_factory=list)
    item_users: list[tuple[str, str, str]] = field(default_factory=list)
    newest: object = None  # the newest stored time in the span (for lastActivity)


class SourceReader:
    """The source's side of the rollups, over the resolved mapping (blocking SQL)."""

    def __init__(self, engine: Engine, source: Source, zone: tzinfo, url: str) -> None:
        self.engine, self.source, self.zone, self._url = engine, source, zone, url

    @property
    def acts_time(self) -> TimeColumn:
        stamp = self.source.activities.time
        assert stamp is not None
        return stamp

    @property
    def users_time(self) -> TimeColumn:
        stamp = self.source.users.time
        assert stamp is not None
        return stamp

    def rows(self, stmt: Executable) -> Sequence[Any]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(stmt).all())
        except SQLAlchemyError as exc:
            raise query_error(self._url, exc) from None

    # -- counts per day (the refresh's check and the nightly verification) ------------------

    def day_counts(self, first: date, stop: date, *, users: bool = False) -> dict[str, int]:
        """Rows per day over [first, stop): activities, or users by their created time."""
        entity = self.source.users if users else self.source.activities
        stamp = self.users_time if users else self.acts_time
        start, end = midnight(first, self.zone), midnight(stop, self.zone)
        bucket = stamp.bucket("day", self.zone, start, end).label(BUCKET)
        stmt = (
            select(bucket, func.count()).select_from(entity.source).where(stamp.within(start, end)).group_by(literal_column(BUCKET))
        )
        return {str(r[0]): int(r[1]) for r in self.rows(stmt)}

    def span(self) -> tuple[date, date] | None:
        """The first and last day holding an activity or a user, None when there are none."""
        found: list[date] = []
        for entity, stamp in ((self.source.activities, self.acts_time), (self.source.users, self.users_time)):
            base = select(stamp.raw).select_from(entity.source).where(stamp.raw.is_not(None)).limit(1)
            for stmt in (base.order_by(stamp.order_expr), base.order_by(stamp.order_expr.desc())):
                got = self.rows(stmt)
                moment = stamp.stored.to_utc(got[0][0]) if got else None
                if moment is not None:
                    found.append(day_of(moment, self.zone))
        return (min(found), max(found)) if found else None

    # -- aggregates of whole days ------------------------------------------------------------

    def aggregate(self, first: date, stop: date, horizon: date) -> DayAggregates:
        """Every rollup row of the days [first, stop); the per-item and per-user rows only from `horizon` on."""
        acts = self.source.activities
        stamp = self.acts_time
        start, end = midnight(first, self.zone), midnight(stop, self.zone)
        out = DayAggregates(days=[(first + timedelta(days=i)).isoformat() for i in range((stop - first).days)])
        for d in out.days:
            out.day[d] = [0, 0, 0]
        bucket = stamp.bucket("day", self.zone, start, end).label(BUCKET)
        window = stamp.within(start, end)
        user = acts.col("user_id")
        for d, n, u in self.rows(
            select(bucket, func.count(), func.count(distinct(user)))
            .select_from(acts.source)
            .where(window)
            .group_by(literal_column(BUCKET))
        ):
            out.day[str(d)][:2] = [int(n), int(u)]
        for d, n in self.day_counts(first, stop, users=True).items():
            out.day[d][2] = n
        action = acts.col("action").label("ta_action")
        out.actions = [
            (str(d), encode_id(a), int(n))
            for d, a, n in self.rows(
                select(bucket, action, func.count())
                .select_from(acts.source)
                .where(window)
                .group_by(literal_column(BUCKET), literal_column("ta_action"))
            )
        ]
        newest = self.rows(select(stamp.raw).select_from(acts.source).where(window).order_by(stamp.order_expr.desc()).limit(1))
        out.newest = newest[0][0] if newest else None
        if stop > horizon:
            self._horizon_rows(out, max(first, horizon), stop)
        return out

    def _horizon_rows(self, out: DayAggregates, first: date, stop: date) -> None:
        acts = self.source.activities
        stamp = self.acts_time
        start, end = midnight(first, self.zone), midnight(stop, self.zone)
        bucket = stamp.bucket("day", self.zone, start, end).label(BUCKET)
        window = stamp.within(start, end)
        item, user = acts.col("item_id").label("ta_item"), acts.col("user_id").label("ta_user")
        out.items = [
            (str(d), encode_id(i), int(n))
            for d, i, n in self.rows(
                select(bucket, item, func.count())
                .select_from(acts.source)
                .where(window)
                .group_by(literal_column(BUCKET), literal_column("ta_item"))
            )
        ]
        out.users = [
            (str(d), encode_id(u)) for d, u in self.rows(select(bucket, user).select_from(acts.source).where(window).distinct())
        ]
        out.item_users = [
            (str(d), encode_id(i), encode_id(u))
            for d, i, u in self.rows(select(bucket, item, user).select_from(acts.source).where(window).distinct())
        ]

    # -- raw parts of a window ---------------------------------------------------------------

    def _any(self, stamp: TimeColumn, parts: Iterable[Interval]) -> Any:
        from sqlalchemy import false, or_

        clauses = [stamp.within(s, e) for s, e in parts]
        return or_(*clauses) if clauses else false()

    def count(self, parts: Sequence[Interval], *, users: bool = False) -> int:
        if not parts:
            return 0
        entity = self.source.users if users else self.source.activities
        stamp = self.users_time if users else self.acts_time
        return int(self.rows(select(func.count()).select_from(entity.source).where(self._any(stamp, parts)))[0][0])

    def by_bucket(self, unit: str, parts: Sequence[Interval], *, users: bool = False) -> dict[str, tuple[int, int]]:
        """Per day or month of the raw parts: (rows, distinct users); users counts sign-ups (distinct 0)."""
        if not parts:
            return {}
        entity = self.source.users if users else self.source.activities
        stamp = self.users_time if users else self.acts_time
        lo, hi = min(s for s, _ in parts), max(e for _, e in parts)
        bucket = stamp.bucket(unit, self.zone, lo, hi).label(BUCKET)
        distinct_users = func.count(distinct(entity.col("user_id"))) if not users else func.count()
        stmt = (
            select(bucket, func.count(), distinct_users)
            .select_from(entity.source)
            .where(self._any(stamp, parts))
            .group_by(literal_column(BUCKET))
        )
        return {str(r[0]): (int(r[1]), int(r[2]) if not users else 0) for r in self.rows(stmt)}

    def actions(self, parts: Sequence[Interval]) -> dict[object, int]:
        if not parts:
            return {}
        acts = self.source.activities
        action = acts.col("action").label("ta_action")
        stmt = (
            select(action, func.count())
            .select_from(acts.source)
            .where(self._any(self.acts_time, parts))
            .group_by(literal_column("ta_action"))
        )
        return {r[0]: int(r[1]) for r in self.rows(stmt)}

    def distinct_users(self, parts: Sequence[Interval]) -> set[str]:
        """The users of the raw parts. Not SELECT DISTINCT: with it SQLite may walk the whole
        (user_id, created_at) index in order instead of the time range (1 s at 10M rows against
        a few ms); the parts are a day or two of rows, deduplicated here."""
        if not parts:
            return set()
        acts = self.source.activities
        stmt = select(acts.col("user_id")).select_from(acts.source).where(self._any(self.acts_time, parts))
        return {encode_id(r[0]) for r in self.rows(stmt)}

    def item_counts(self, parts: Sequence[Interval], items: Sequence[object] | None = None) -> dict[str, int]:
        """Interactions per item in the raw parts (of `items` only, when given)."""
        if not parts or items is not None and not items:
            return {}
        acts = self.source.activities
        item = acts.col("item_id").label("ta_item")
        stmt = select(item, func.count()).select_from(acts.source).where(self._any(self.acts_time, parts))
        if items is not None:
            stmt = stmt.where(self._of_items(items))
        return {encode_id(r[0]): int(r[1]) for r in self.rows(stmt.group_by(literal_column("ta_item")))}

    def item_max(self, parts: Sequence[Interval]) -> int:
        """The most interactions any one item has in the raw parts (0 without rows)."""
        if not parts:
            return 0
        acts = self.source.activities
        per_item = (
            select(func.count().label("n"))
            .select_from(acts.source)
            .where(self._any(self.acts_time, parts))
            .group_by(acts.col("item_id"))
            .subquery("ta_per_item")
        )
        found = self.rows(select(func.max(per_item.c.n)))
        return int(found[0][0] or 0)

    def _of_items(self, items: Sequence[object]) -> ColumnElement[bool]:
        from sqlalchemy import or_

        item = self.source.activities.col("item_id")
        wanted = [i for i in items if i is not None]
        conds: list[ColumnElement[bool]] = [item.in_(wanted)] if wanted else []
        if None in items:
            conds.append(item.is_(None))
        return or_(*conds)

    def item_users(self, parts: Sequence[Interval], items: Sequence[object]) -> set[tuple[str, str]]:
        """The distinct (item, user) pairs of the raw parts, for these items only."""
        if not parts or not items:
            return set()
        acts = self.source.activities
        item = acts.col("item_id")
        cond = self._of_items(items)
        stmt = select(item, acts.col("user_id")).select_from(acts.source).where(self._any(self.acts_time, parts), cond).distinct()
        return {(encode_id(r[0]), encode_id(r[1])) for r in self.rows(stmt)}

    def newest(self, since: datetime) -> object:
        stamp = self.acts_time
        got = self.rows(
            select(stamp.raw)
            .select_from(self.source.activities.source)
            .where(stamp.at_least(since))
            .order_by(stamp.order_expr.desc())
            .limit(1)
        )
        return got[0][0] if got else None

    def unbucketed(self) -> int:
        """Activities whose time is NULL: in the total, in no day."""
        stamp = self.acts_time
        return int(self.rows(select(func.count()).select_from(self.source.activities.source).where(stamp.raw.is_(None)))[0][0])

    def item_details(self, items: Sequence[object]) -> dict[str, tuple[Any, Any]]:
        """item -> (name, category), read by id from the items entity."""
        wanted = [i for i in items if i is not None]
        if not wanted:
            return {}
        ent = self.source.items
        stmt = select(ent.col("id"), ent.col("name"), ent.col("category")).select_from(ent.source).where(ent.col("id").in_(wanted))
        return {encode_id(r[0]): (r[1], r[2]) for r in self.rows(stmt)}


def count_from(reader: SourceReader, moment: datetime) -> int:
    """Activities at or after `moment`, and those without a time (in the total, in no day): two
    counts, each an index range (one OR of both would scan the table)."""
    stamp = reader.acts_time
    acts = reader.source.activities.source
    later = int(reader.rows(select(func.count()).select_from(acts).where(stamp.at_least(moment)))[0][0])
    return later + int(reader.rows(select(func.count()).select_from(acts).where(stamp.raw.is_(None)))[0][0])
