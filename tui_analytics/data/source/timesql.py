"""SQL over a stored time column: range bounds in the stored form, and day/month buckets in a zone.

Bounds are converted to the column's form in Python and compared with the raw
column, so an index on it serves the range (`storedtime.text_bound` says why
the text comparison is exact). Where a plain comparison cannot be exact (SQLite
text with an offset suffix, or both separators), a comparison on the raw column
that may take a little too much keeps the index, and an exact comparison on
normalised text removes the extra rows.

Buckets: the day or month of each value in the reporting zone. The offset
between the values' zone and the reporting zone changes at daylight-saving
transitions; the range is split there (`shift_segments`), and the bucket is a
balanced CASE over the segments, each adding its own fixed number of seconds
before the value is formatted. So days are exact across DST on every engine,
with no zone database in the server (SQLite has none, MariaDB often lacks one).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, cast, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import DateTime, TypeDecorator

from tui_analytics.data.source.storedtime import UTC, StoredTime, epoch_seconds, local_naive, text_bound

# Transitions before and after these years are not looked for (the scan is per day).
_SCAN_FROM = datetime(1900, 1, 1, tzinfo=UTC)
_SCAN_TO = datetime(2200, 1, 1, tzinfo=UTC)


class _BucketText(TypeDecorator[str]):
    """A bucket's text: PostgreSQL's day bucket is a date (`::date`, cheaper than to_char), read back
    as its 'YYYY-MM-DD', so every engine gives the same text."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value


class _Shifted(FunctionElement[str]):
    """A stored time moved by a fixed number of seconds and formatted as 'YYYY-MM-DD' or 'YYYY-MM'."""

    type = _BucketText()
    # The attributes are part of the SQL, so part of the cache key: a statement with these buckets
    # is compiled once and found in SQLAlchemy's cache afterwards, not compiled again on every call.
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("form", InternalTraversal.dp_string),
        ("unit", InternalTraversal.dp_string),
        ("shift", InternalTraversal.dp_plain_obj),
    ]
    inherit_cache = True

    def __init__(self, expr: ColumnElement[Any], *, form: str, unit: str, shift: int) -> None:
        super().__init__(expr)
        self.form, self.unit, self.shift = form, unit, shift


@compiles(_Shifted, "sqlite")
def _shifted_sqlite(el: _Shifted, compiler: SQLCompiler, **kw: object) -> str:
    args = [compiler.process(el.clauses, **kw)]
    if el.form == "epoch":
        args.append("'unixepoch'")
    if el.shift:
        args.append(f"'{el.shift:+d} seconds'")
    if el.form == "text" and not el.shift:  # the stored text starts with the date itself: no date arithmetic
        return f"substr({args[0]}, 1, {10 if el.unit == 'day' else 7})"
    # date() gives strftime('%Y-%m-%d')'s text without a format to read for every row; a month is its first 7
    # characters.
    day = f"date({', '.join(args)})"
    return day if el.unit == "day" else f"substr({day}, 1, 7)"


@compiles(_Shifted, "postgresql")
def _shifted_pg(el: _Shifted, compiler: SQLCompiler, **kw: object) -> str:
    inner = compiler.process(el.clauses, **kw)
    if el.form == "epoch":
        inner = f"(to_timestamp({inner}) AT TIME ZONE 'UTC')"
    elif el.form == "aware":
        inner = f"({inner} AT TIME ZONE 'UTC')"
    if el.shift:
        inner = f"({inner} + interval '{el.shift:d} seconds')"
    if el.unit == "day":  # a cast, not a format: measured 1.4 s against 2.0 s for to_char over 10M rows
        return f"CAST({inner} AS date)"
    return f"to_char({inner}, 'YYYY-MM')"


@compiles(_Shifted, "mysql")
@compiles(_Shifted, "mariadb")
def _shifted_mysql(el: _Shifted, compiler: SQLCompiler, **kw: object) -> str:
    inner = compiler.process(el.clauses, **kw)
    if el.form == "epoch":
        inner = f"TIMESTAMPADD(SECOND, FLOOR({inner}) + {el.shift:d}, '1970-01-01 00:00:00')"
    elif el.shift:
        inner = f"({inner} + INTERVAL {el.shift:d} SECOND)"
    fmt = "%Y-%m-%d" if el.unit == "day" else "%Y-%m"
    if compiler.dialect.paramstyle in ("format", "pyformat"):  # PyMySQL: a literal % is doubled
        fmt = fmt.replace("%", "%%")
    return f"DATE_FORMAT({inner}, '{fmt}')"


@functools.lru_cache(maxsize=512)
def offset_changes(zone: tzinfo, start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The instants in (start, end) where `zone`'s UTC offset changes, to the second."""
    if isinstance(zone, timezone):
        return ()
    lo, hi = max(start, _SCAN_FROM), min(end, _SCAN_TO)
    found: list[datetime] = []
    step = timedelta(days=1)
    t = lo
    offset = t.astimezone(zone).utcoffset()
    while t < hi:
        nxt = min(t + step, hi)
        nxt_offset = nxt.astimezone(zone).utcoffset()
        if nxt_offset != offset:
            a, b = t, nxt  # offset(a) == offset, offset(b) != offset: bisect to the second
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) / 2
                mid = mid.replace(microsecond=0) if mid.replace(microsecond=0) > a else mid
                if mid.astimezone(zone).utcoffset() == offset:
                    a = mid
                else:
                    b = mid
            if start < b < end:
                found.append(b)
            offset = nxt_offset
        t = nxt
    return tuple(found)


def shift_segments(value_zone: tzinfo, report_zone: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime | None, int]]:
    """[(from_instant, seconds to add)]: from each instant on (the first from the range's start),
    a wall time of `value_zone` plus that many seconds is the reporting zone's wall time."""
    zones = {report_zone, value_zone}
    cuts = sorted({t for zone in zones for t in offset_changes(zone, start, end)})

    def shift_at(t: datetime) -> int:
        report = t.astimezone(report_zone).utcoffset() or timedelta(0)
        stored_offset = t.astimezone(value_zone).utcoffset() or timedelta(0)
        return int((report - stored_offset).total_seconds())

    segments: list[tuple[datetime | None, int]] = [(None, shift_at(start))]
    for t in cuts:
        shift = shift_at(t)
        if shift != segments[-1][1]:
            segments.append((t, shift))
    return segments


class TimeColumn:
    """One entity's time column in SQL: `within(start, end)`, `before(t)`, `bucket(...)`."""

    def __init__(self, expr: ColumnElement[Any], stored: StoredTime, dialect: str) -> None:
        self.raw = expr
        self.stored = stored
        self.dialect = dialect
        # Text outside SQLite is compared through a cast (exact, without an index).
        self.compare_form = stored.form
        self.expr: ColumnElement[Any] = expr
        if stored.form == "text" and dialect != "sqlite":
            self.compare_form = "aware" if stored.suffix is None or (stored.suffix and dialect == "postgresql") else "native"
            self.expr = self._cast_text(expr)

    def _cast_text(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        suffix = self.stored.suffix
        if self.dialect == "postgresql":
            return cast(expr, DateTime(timezone=self.compare_form == "aware"))
        # MySQL/MariaDB: strip a fixed suffix (its offset is the value zone); CAST reads the rest.
        if suffix:
            expr = func.substring(expr, 1, func.char_length(expr) - len(suffix))
        from sqlalchemy.dialects.mysql import DATETIME

        return cast(expr, DATETIME(fsp=6))

    @property
    def expr_zone(self) -> tzinfo:
        """The zone of the wall times the bucket formats before shifting: UTC for instants, epoch
        seconds and SQLite text with differing offsets (SQLite converts those to UTC)."""
        if self.compare_form in ("aware", "epoch") or (self.compare_form == "text" and self.stored.suffix is None):
            return UTC
        return self.stored.value_zone

    @property
    def order_expr(self) -> ColumnElement[Any]:
        """What sorts the values in time order: the raw column where its order is the time's (so
        an index serves ORDER BY ... LIMIT), a normalised form where it is not."""
        stored = self.stored
        if self.compare_form != "text":
            return self.expr
        if stored.suffix is None:  # offsets differ: UTC text, to the millisecond
            return func.strftime("%Y-%m-%d %H:%M:%f", self.raw)
        if stored.sep is None:
            return func.replace(self.raw, "T", " ")
        return self.raw

    # -- bounds ---------------------------------------------------------------------

    def _bind(self, moment: datetime) -> datetime | int | float | Decimal:
        form = self.compare_form
        if form == "epoch":
            return epoch_seconds(moment, self.stored.numeric)
        if form == "aware":
            return moment.astimezone(UTC)
        return local_naive(moment, self.stored.value_zone)

    def _cmp(self, op: str, moment: datetime) -> ColumnElement[bool]:
        if self.compare_form != "text":
            value = (
                bindparam(None, self._bind(moment), type_=DateTime(timezone=self.compare_form == "aware"))
                if self.compare_form in ("native", "aware")
                else bindparam(None, self._bind(moment))
            )
            return self.expr >= value if op == ">=" else self.expr < value
        return self._text_cmp(op, moment)

    def _text_cmp(self, op: str, moment: datetime) -> ColumnElement[bool]:
        stored, col = self.stored, self.raw

        def text(value: str) -> BindParameter[str]:  # never a DateTime bind
            return bindparam(None, value, type_=String())

        def compare(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
            return a >= b if op == ">=" else a < b

        if stored.suffix == "" and stored.sep is not None:  # one shape: the plain comparison is exact
            return compare(col, text(text_bound(local_naive(moment, stored.zone), stored.sep)))
        if stored.suffix is None:  # offsets differ: SQLite normalises to UTC, to the millisecond
            day = moment.astimezone(UTC)
            coarse = (
                col >= text(f"{(day - timedelta(days=1)).date().isoformat()}")
                if op == ">="
                else col < text(f"{(day + timedelta(days=2)).date().isoformat()}")
            )
            ms = moment.astimezone(UTC).replace(tzinfo=None)
            if ms.microsecond % 1000:
                ms += timedelta(microseconds=1000 - ms.microsecond % 1000)
            exact = compare(
                func.strftime("%Y-%m-%d %H:%M:%f", col), text(ms.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms.microsecond // 1000:03d}")
            )
            return and_(coarse, exact)
        local = local_naive(moment, stored.value_zone)
        normal: ColumnElement[Any] = col
        if stored.suffix:
            normal = func.substr(col, 1, func.length(col) - len(stored.suffix))
        if stored.sep is None:
            normal = func.replace(normal, "T", " ")
        sep = stored.sep or " "
        if op == ">=":
            coarse = col >= text(text_bound(local, sep) if stored.sep else local.date().isoformat())
        else:  # the next whole second (or day), which every stored value of an earlier time sorts before
            nxt = local.replace(microsecond=0) + timedelta(seconds=1)
            coarse = col < text(text_bound(nxt, sep) if stored.sep else (local + timedelta(days=1)).date().isoformat())
        return and_(coarse, compare(normal, text(text_bound(local, sep))))

    def at_least(self, moment: datetime) -> ColumnElement[bool]:
        return self._cmp(">=", moment)

    def before(self, moment: datetime) -> ColumnElement[bool]:
        return self._cmp("<", moment)

    def within(self, start: datetime, end: datetime) -> ColumnElement[bool]:
        return and_(self.at_least(start), self.before(end))

    def unreadable(self) -> ColumnElement[bool] | None:
        """True for a stored value that is no real date ('2026-02-30', '2026-13-01'), where the
        database would not say so itself: SQLite text, which its date functions move to another day
        (date('2026-02-30', '+0 days') is 2026-03-02) or read as NULL. None elsewhere: PostgreSQL's
        cast refuses such a value with an error, and the other forms hold real times."""
        if self.dialect != "sqlite" or self.stored.form != "text":
            return None
        day = func.substr(self.raw, literal_column("1"), literal_column("10"))
        real = func.coalesce(func.date(day, literal_column("'+0 days'")), literal_column("''"))
        return and_(self.raw.is_not(None), real != day)

    # -- buckets --------------------------------------------------------------------

    def _shifted(self, unit: str, shift: int) -> ColumnElement[str]:
        stored = self.stored
        expr, form = self.expr, self.compare_form
        if self.dialect == "sqlite" and stored.form == "text" and stored.suffix is not None and shift:
            # The wall time to the second, without fraction or fixed suffix: SQLite's date functions
            # round a fraction to the millisecond, which moves 23:59:59.9999 into the next day.
            expr = func.substr(self.raw, literal_column("1"), literal_column("19"))
        elif self.dialect == "sqlite" and stored.form == "epoch" and stored.numeric != "int":
            # Whole seconds, rounded down (CAST truncates towards zero), for the same reason.
            whole = cast(self.raw, Integer)
            expr = whole - cast(self.raw < whole, Integer)
        return _Shifted(expr, form=form, unit=unit, shift=shift)

    def bucket(self, unit: str, zone: tzinfo, start: datetime, end: datetime) -> ColumnElement[str]:
        """'YYYY-MM-DD' (unit 'day') or 'YYYY-MM' ('month') of each value in `zone`, exact for
        values in [start, end)."""
        segments = shift_segments(self.expr_zone, zone, start, end)

        def tree(part: list[tuple[datetime | None, int]]) -> ColumnElement[str]:
            if len(part) == 1:
                return self._shifted(unit, part[0][1])
            middle = len(part) // 2
            cut = part[middle][0]
            assert cut is not None
            return case((self.before(cut), tree(part[:middle])), else_=tree(part[middle:]))

        return tree(segments)
