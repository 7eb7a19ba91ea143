"""Recent activity in column batches: the fast path of million-row exports.

`iter_recent_activity` returns a `RecentActivityStream`. Iterated, it yields the
documented rows (`RecentActivityRow`). The CSV exporter instead asks for
`column_batches()`: per fetched batch, one sequence per column (`RecentColumns`),
values already final (ISO timestamps, int ids), which it writes with one
`csv.writer.writerows` call, never building a dict per row.

Why the timestamps are converted in bulk: SQLite hands back the text it stores
('2026-01-15 12:00:00.000000', SQLAlchemy's format). Parsing that into a
datetime and formatting it again is two calls per value, on every row of a
large export; checking the shape of a whole batch at once and rewriting it with
a few `str.replace` calls over the joined text gives the same strings.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from tui_analytics.data.source.rows import Ident, RecentActivityRow
from tui_analytics.data.timestamps import iso

# Column names of recent activity (export headers and dict keys), in order.
RECENT_COLUMNS = ("timestamp", "userId", "userName", "action", "itemId", "itemName")


class RecentColumns(NamedTuple):
    """One fetched batch of recent activity, column by column (the order of RECENT_COLUMNS)."""

    timestamps: Sequence[str | None]
    user_ids: Sequence[Ident | None]
    user_names: Sequence[str | None]
    actions: Sequence[str | None]
    item_ids: Sequence[Ident | None]
    item_names: Sequence[str | None]


_STORED_LEN = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff'
# Every ASCII digit becomes 0, so one comparison checks the shape of a whole batch.
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
_STORED_SHAPE = "0000-00-00 00:00:00.000000"
_STR = frozenset({str})
_INT = frozenset({int})


def _stored_shape(values: Sequence[str]) -> bool:
    """True when every value is exactly 'DDDD-DD-DD DD:DD:DD.DDDDDD' (D an ASCII digit)."""
    if set(map(len, values)) != {_STORED_LEN}:
        return False
    return "".join(values).translate(_DIGITS_TO_ZERO) == _STORED_SHAPE * len(values)


def iso_column(values: Sequence[Any]) -> Sequence[str]:
    """Stored timestamps (SQLite text, or driver datetimes) as `iso(datetime)` would write them."""
    if not values:
        return []
    kinds = set(map(type, values))
    if kinds == _STR and _stored_shape(values):
        # 'YYYY-MM-DD HH:MM:SS.ffffff' -> 'YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00' (isoformat drops
        # a zero microsecond part). The shape check guarantees each replace hits one spot per value.
        text = "\n".join(values) + "\n"
        text = text.replace(" ", "T").replace(".000000\n", "\n").replace("\n", "+00:00\n")
        out = text.split("\n")
        out.pop()
        return out
    if kinds == {datetime}:
        return [v.isoformat() + "+00:00" if v.tzinfo is None else v.isoformat() for v in values]
    # Anything else goes the slow way, exactly as SQLAlchemy's SQLite DateTime would read it.
    return [iso(datetime.fromisoformat(v) if isinstance(v, str) else v) for v in values]


def ident(value: Any) -> Ident | None:
    """An id as an int where it is a whole number (drivers may return Decimal or str); a mapped
    source's text ids (a UUID, a username) stay text."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def int_column(values: Sequence[Any]) -> Sequence[Ident | None]:
    """Ids as ints (drivers may return Decimal or str for some column types)."""
    if set(map(type, values)) <= _INT:
        return values
    return [ident(v) for v in values]


def recent_columns(
    rows: Sequence[Sequence[Any]], stamps: Callable[[Sequence[Any]], Sequence[str | None]] = iso_column
) -> RecentColumns:
    """Fetched rows (created_at, user_id, user_name, action, item_id, item_name) as final columns;
    `stamps` turns the stored times of a batch into ISO text (StoredTime.iso_column).
    Names and actions are passed on as the driver gives them."""
    if not rows:
        return RecentColumns([], [], [], [], [], [])
    times, user_ids, user_names, actions, item_ids, item_names = zip(*rows)
    return RecentColumns(stamps(times), int_column(user_ids), user_names, actions, int_column(item_ids), item_names)


def column_dicts(columns: RecentColumns) -> Iterator[RecentActivityRow]:
    """The rows of one batch (keys as RECENT_COLUMNS, spelled out: a dict display makes no pairs, as dict(zip()) would)."""
    for stamp, user_id, user_name, action, item_id, item_name in zip(*columns):
        yield {
            "timestamp": stamp,
            "userId": user_id,
            "userName": user_name,
            "action": action,
            "itemId": item_id,
            "itemName": item_name,
        }


class RecentActivityStream(Iterator[RecentActivityRow]):
    """Rows, lazily, from a generator of column batches; or the batches themselves.

    Use one or the other: both read the same cursor. Nothing touches the database
    before the first row or batch is asked for; `close()` returns the connection early.
    """

    columns = RECENT_COLUMNS

    def __init__(self, batches: Generator[RecentColumns, None, None]) -> None:
        self._batches = batches
        self._rows: Iterator[RecentActivityRow] | None = None

    def column_batches(self) -> Generator[RecentColumns, None, None]:
        return self._batches

    def __iter__(self) -> RecentActivityStream:
        return self

    def __next__(self) -> RecentActivityRow:
        if self._rows is None:
            self._rows = (row for columns in self._batches for row in column_dicts(columns))
        return next(self._rows)

    def close(self) -> None:
        self._batches.close()
