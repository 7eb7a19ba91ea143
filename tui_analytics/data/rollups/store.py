"""RollupStore: the rollup tables of the state database, read and written (blocking SQL).

Only the scheduling process writes (`RollupMaintainer`); every process reads. A span of
days is replaced in one transaction, so a reader sees a day either before or after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine

from tui_analytics.data.rollups.reading import DayAggregates
from tui_analytics.data.rollups.tables import (
    DAY_TABLES,
    HORIZON_TABLES,
    rollup_day,
    rollup_day_action,
    rollup_day_item,
    rollup_day_item_user,
    rollup_day_user,
    rollup_meta,
    rollup_metadata,
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
            for table in (*DAY_TABLES, *HORIZON_TABLES, rollup_meta):
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
