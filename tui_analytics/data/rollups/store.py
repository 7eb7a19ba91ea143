"""RollupStore: the rollup tables of the state database, read and written (blocking SQL).

Only the scheduling process writes (`RollupMaintainer`); every process reads. A span of
days is replaced in one transaction, so a reader sees a day either before or after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Text, bindparam, delete, func, literal_column, select
from sqlalchemy.engine import Connection, Engine

from tui_analytics.data.rollups.reading import DayAggregates
from tui_analytics.data.rollups.tables import (
    DAY_TABLES,
    DERIVED_TABLES,
    HORIZON_TABLES,
    rollup_day,
    rollup_day_action,
    rollup_day_item,
    rollup_day_item_user,
    rollup_day_user,
    rollup_item_total,
    rollup_item_user_last,
    rollup_meta,
    rollup_metadata,
    rollup_user_last,
)

# Rows per INSERT batch (executemany).
_BATCH = 5000


class RollupStore:
    """The rollups of one state database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ensured = False

    def ensure(self) -> None:
        """Create the rollup tables where they are missing (the state database may predate them)."""
        if not self._ensured:
            rollup_metadata.create_all(self.engine, checkfirst=True)
            self._ensured = True

    # -- meta -----------------------------------------------------------------------------

    def meta(self) -> dict[str, str | None]:
        self.ensure()
        with self.engine.connect() as conn:
            return {str(k): v for k, v in conn.execute(select(rollup_meta.c.key, rollup_meta.c.value))}

    def set_meta(self, values: dict[str, str | None], conn: Connection | None = None) -> None:
        self.ensure()
        if conn is None:
            with self.engine.begin() as own:
                self._set_meta(own, values)
        else:
            self._set_meta(conn, values)

    @staticmethod
    def _set_meta(conn: Connection, values: dict[str, str | None]) -> None:
        conn.execute(delete(rollup_meta).where(rollup_meta.c.key.in_(list(values))))
        conn.execute(rollup_meta.insert(), [{"key": k, "value": v} for k, v in values.items()])

    # -- writing --------------------------------------------------------------------------

    def clear(self, meta: dict[str, str | None]) -> None:
        """Every rollup row gone, and the meta replaced by `meta` (a rebuild starts from here)."""
        self.ensure()
        with self.engine.begin() as conn:
            for table in (*DAY_TABLES, *HORIZON_TABLES, *DERIVED_TABLES, rollup_meta):
                conn.execute(delete(table))
            self._set_meta(conn, meta)

    def replace(self, agg: DayAggregates, horizon: str, meta: dict[str, str | None] | None = None) -> None:
        """The days of `agg` replaced by its rows; per-item and per-user rows before `horizon` dropped."""
        self.ensure()
        with self.engine.begin() as conn:
            for table in (*DAY_TABLES, *HORIZON_TABLES):
                for chunk in _chunks(agg.days, 500):
                    conn.execute(delete(table).where(table.c.day.in_(chunk)))
                if table in HORIZON_TABLES:
                    conn.execute(delete(table).where(table.c.day < horizon))
            _insert(
                conn,
                rollup_day,
                [{"day": d, "activities": v[0], "active_users": v[1], "new_users": v[2]} for d, v in agg.day.items()],
            )
            _insert(conn, rollup_day_action, [{"day": d, "action": a, "activities": n} for d, a, n in agg.actions])
            _insert(conn, rollup_day_item, [{"day": d, "item": i, "interactions": n} for d, i, n in agg.items if d >= horizon])
            _insert(conn, rollup_day_user, [{"day": d, "user": u} for d, u in agg.users if d >= horizon])
            _insert(conn, rollup_day_item_user, [{"day": d, "item": i, "user": u} for d, i, u in agg.item_users if d >= horizon])
            if meta:
                self._set_meta(conn, meta)

    def derive(self, window_first: str, watermark: str) -> None:
        """The derived tables again from the horizon's rows: last days per user and per (item, user),
        interactions per item over [window_first, watermark)."""
        self.ensure()
        du, diu, di = rollup_day_user, rollup_day_item_user, rollup_day_item
        with self.engine.begin() as conn:
            for table in DERIVED_TABLES:
                conn.execute(delete(table))
            conn.execute(
                rollup_user_last.insert().from_select(
                    ["user", "last_day"], select(du.c.user, func.max(du.c.day)).group_by(du.c.user)
                )
            )
            conn.execute(
                rollup_item_user_last.insert().from_select(
                    ["item", "user", "last_day"],
                    select(diu.c.item, diu.c.user, func.max(diu.c.day)).group_by(diu.c.item, diu.c.user),
                )
            )
            conn.execute(
                rollup_item_total.insert().from_select(
                    ["item", "interactions"],
                    select(di.c.item, func.sum(di.c.interactions))
                    .where(di.c.day >= window_first, di.c.day < watermark)
                    .group_by(di.c.item),
                )
            )
            self._set_meta(conn, {"derived_from": window_first, "derived_watermark": watermark})

    # -- reading what is derived (windows that end at the watermark) -----------------------

    def active_since(self, first: str, among: Sequence[str] | None = None) -> int:
        """Users active on a stored day from `first` on (of `among` only, when given)."""
        t = rollup_user_last
        if among is None:
            return int(self._all(select(func.count()).select_from(t).where(t.c.last_day >= first))[0][0])
        return sum(
            int(self._all(select(func.count()).select_from(t).where(t.c.last_day >= first, self._among(t.c.user, chunk)))[0][0])
            for chunk in _chunks(list(among), self._chunk)
        )

    def item_active_since(self, item: str, first: str, among: Sequence[str] | None = None) -> int:
        """Users of `item` on a stored day from `first` on (of `among` only, when given)."""
        t = rollup_item_user_last
        where = (t.c.item == item, t.c.last_day >= first)
        if among is None:
            return int(self._all(select(func.count()).select_from(t).where(*where))[0][0])
        return sum(
            int(self._all(select(func.count()).select_from(t).where(*where, self._among(t.c.user, chunk)))[0][0])
            for chunk in _chunks(list(among), self._chunk)
        )

    @property
    def _chunk(self) -> int:
        return 1_000_000 if self.engine.dialect.name == "sqlite" else 5000

    def _among(self, col: Any, values: Sequence[str]) -> Any:
        """`col IN values`: on SQLite one JSON parameter read by json_each (thousands of ids
        would otherwise be thousands of parameters, each compiled and bound)."""
        if self.engine.dialect.name == "sqlite":
            ids = bindparam("ids", json.dumps(list(values)), type_=Text())
            listed: Any = select(literal_column("value")).select_from(func.json_each(ids))
            return col.in_(listed.scalar_subquery())
        return col.in_(list(values))

    def window_totals(self, limit: int, raw_max: int) -> tuple[dict[str, int], int]:
        """The items that can still be among the first `limit` once at most `raw_max` raw
        interactions are added to any one of them: those within `raw_max` of the limit-th total
        (every other item stays below `limit` items that already beat it), and that floor. With a
        floor of 0 or less every stored item is there, and an item with raw rows only may still
        be among the first."""
        t = rollup_item_total
        nth = self._all(select(t.c.interactions).order_by(t.c.interactions.desc()).limit(1).offset(limit - 1))
        floor = int(nth[0][0]) - raw_max if nth else 0
        rows = self._all(select(t.c.item, t.c.interactions).where(t.c.interactions >= floor))
        return {str(r[0]): int(r[1]) for r in rows}, floor

    # -- reading --------------------------------------------------------------------------

    def _all(self, stmt: Any) -> Sequence[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).all())

    def days(self, first: str, stop: str) -> dict[str, tuple[int, int, int]]:
        """day -> (activities, active users, new users) for the stored days in [first, stop)."""
        t = rollup_day
        rows = self._all(select(t.c.day, t.c.activities, t.c.active_users, t.c.new_users).where(t.c.day >= first, t.c.day < stop))
        return {str(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def totals(self, first: str, stop: str) -> tuple[int, int]:
        """(activities, new users) summed over the stored days in [first, stop)."""
        t = rollup_day
        row = self._all(
            select(func.coalesce(func.sum(t.c.activities), 0), func.coalesce(func.sum(t.c.new_users), 0)).where(
                t.c.day >= first, t.c.day < stop
            )
        )[0]
        return int(row[0]), int(row[1])

    def day_counts(self, first: str, stop: str) -> dict[str, tuple[int, int]]:
        """day -> (activities, new users): what the verification compares with the source."""
        return {d: (v[0], v[2]) for d, v in self.days(first, stop).items()}

    def actions(self, first: str, stop: str) -> dict[str, int]:
        t = rollup_day_action
        rows = self._all(select(t.c.action, func.sum(t.c.activities)).where(t.c.day >= first, t.c.day < stop).group_by(t.c.action))
        return {str(r[0]): int(r[1]) for r in rows}

    def item_totals(self, first: str, stop: str) -> dict[str, int]:
        t = rollup_day_item
        rows = self._all(select(t.c.item, func.sum(t.c.interactions)).where(t.c.day >= first, t.c.day < stop).group_by(t.c.item))
        return {str(r[0]): int(r[1]) for r in rows}

    def users(self, first: str, stop: str) -> set[str]:
        t = rollup_day_user
        return {str(r[0]) for r in self._all(select(t.c.user).where(t.c.day >= first, t.c.day < stop).distinct())}

    def item_users(self, first: str, stop: str, items: Sequence[str]) -> set[tuple[str, str]]:
        t = rollup_day_item_user
        out: set[tuple[str, str]] = set()
        for chunk in _chunks(list(items), 500):
            stmt = select(t.c.item, t.c.user).where(t.c.item.in_(chunk), t.c.day >= first, t.c.day < stop).distinct()
            out.update((str(r[0]), str(r[1])) for r in self._all(stmt))
        return out


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows, _BATCH):
        conn.execute(table.insert(), list(chunk))
