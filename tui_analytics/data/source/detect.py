"""Finding how a time column stores its values (`timestamps = "auto"`), or checking what was said.

From the column's declared type where the database keeps one that means
something (PostgreSQL and MySQL/MariaDB; SQLite's declared types do not say
what a row holds), and from a sample of values: the oldest, the newest and the
first rows. The result says what it decided and why (`StoredTime.decided`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Numeric, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import DateTime, Float, TypeEngine

from tui_analytics.data.source.storedtime import TEXT_SHAPE, UTC, StoredTime
from tui_analytics.runtime.errors import SourceSchemaError
from tui_analytics.runtime.printable import printable

SAMPLE = 50  # values from each end, and as many again in stored order
# Epoch seconds beyond this (the year 5138) are milliseconds or microseconds, not seconds.
MAX_EPOCH_SECONDS = 10**11


def sample_values(conn: Connection, source: FromClause, column: ColumnElement[Any]) -> list[object]:
    """Up to 3 x SAMPLE non-NULL values: oldest, newest, and first in stored order."""
    present = select(column).select_from(source).where(column.is_not(None))
    values: list[object] = []
    for stmt in (present.order_by(column).limit(SAMPLE), present.order_by(column.desc()).limit(SAMPLE), present.limit(SAMPLE)):
        values.extend(row[0] for row in conn.execute(stmt))
    return values


def _kind(value: object) -> str:
    if isinstance(value, datetime):
        return "aware" if value.tzinfo is not None else "native"
    if isinstance(value, date):
        return "native"
    if isinstance(value, bool):
        return "other"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "real"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, (str, bytes)):
        return "text"
    return "other"


def _declared(sql_type: TypeEngine[Any] | None, dialect: str) -> str | None:
    """What the declared type says, where it says anything (never on SQLite)."""
    if sql_type is None or dialect == "sqlite":
        return None
    if isinstance(sql_type, DateTime):
        if type(sql_type).__name__ == "TIMESTAMP" and dialect in ("mysql", "mariadb"):
            return "native-utc"  # MySQL TIMESTAMP: instants, read in the session's zone (UTC, db.py)
        return "aware" if getattr(sql_type, "timezone", False) else "native"
    if isinstance(sql_type, Integer):
        return "int"
    if isinstance(sql_type, Float):
        return "real"
    if isinstance(sql_type, Numeric):
        return "decimal"
    if type(sql_type).__name__ in ("DATE",):
        return "native"
    return "text"


def _text_shape(values: Sequence[object], where: str) -> tuple[str | None, str | None]:
    seps: set[str] = set()
    suffixes: set[str] = set()
    for value in values:
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        match = TEXT_SHAPE.fullmatch(text.strip())
        if match is None:
            raise SourceSchemaError(
                f"{where} holds {printable(text[:40])!r}, which is not an ISO date-time "
                "(YYYY-MM-DD HH:MM:SS[.f][Z|+HH:MM]); map a query that converts it"
            )
        seps.add(match["sep"])
        suffixes.add(match["suffix"] or "")
    sep = seps.pop() if len(seps) == 1 else None
    suffix = suffixes.pop() if len(suffixes) == 1 else None
    return sep, suffix


def detect(
    conn: Connection,
    source: FromClause,
    column: ColumnElement[Any],
    *,
    where: str,
    configured: str,
    zone: tzinfo,
    sql_type: TypeEngine[Any] | None = None,
) -> StoredTime:
    """How `column` stores time. `where` names it in messages ("[source.users] created_at (date_joined)").

    SourceSchemaError when the values cannot be read as times, or contradict `configured`.
    """
    dialect = conn.dialect.name
    values = sample_values(conn, source, column)
    how = (
        f"auto: {len(values)} sampled value{'s' if len(values) != 1 else ''}"
        if configured == "auto"
        else f'timestamps = "{configured}"'
    )
    kind, how = _kind_of(values, _declared(sql_type, dialect), how, where)
    form = _form_of(kind, configured, dialect, values, where)
    if form == "epoch":
        return _epoch(values, kind, how, where)
    if form == "aware":
        return StoredTime("aware", UTC, decided=how)
    if form == "native":
        if kind == "native-utc":
            return StoredTime("native", UTC, decided=f"{how}, MySQL TIMESTAMP (read in UTC)")
        return StoredTime("native", zone, decided=how)
    return _text_time(values, dialect, zone, how, where)


def _kind_of(values: Sequence[object], declared: str | None, how: str, where: str) -> tuple[str, str]:
    """The one kind of the sampled values (or the declared type's, when there are none), and `how` said so."""
    kinds = {_kind(v) for v in values}
    if "other" in kinds:
        raise SourceSchemaError(f"{where} holds values that are not times ({type(values[0]).__name__})")
    if not values:
        return declared or "text", f"{how}, no rows: assumed from the " + ("declared type" if declared else "SQLite default")
    if len(kinds) > 1 and not kinds <= {"int", "real", "decimal"}:
        raise SourceSchemaError(
            f"{where} holds values of different kinds ({', '.join(sorted(kinds))}); map a query that gives one kind"
        )
    # Numbers of several kinds (integers and reals in one SQLite column): the widest decides.
    kind = next((k for k in ("real", "decimal") if k in kinds), None) or kinds.pop()
    if kind == "native" and declared == "native-utc":
        kind = "native-utc"
    return kind, how


def _form_of(kind: str, configured: str, dialect: str, values: Sequence[object], where: str) -> str:
    """The storage form of a kind, checked against the configured one."""
    form = {"native": "native", "native-utc": "native", "aware": "aware", "text": "text"}.get(kind, "epoch")
    if configured == "native" and form == "text" and dialect == "sqlite":
        return "text"  # SQLite has no date-time type: its "native" values are text
    if configured != "auto" and configured != form:
        shown = printable(str(values[0])[:40]) if values else ""
        raise SourceSchemaError(
            f'{where}: timestamps = "{configured}", but the column holds {form} values'
            + (f" such as {shown!r}" if shown else "")
            + " (use auto, or map a query that converts)"
        )
    return form


def _epoch(values: Sequence[object], kind: str, how: str, where: str) -> StoredTime:
    # Only numbers get here: _kind_of refuses a mix of kinds, and _form_of a text column said to be epoch.
    numbers = [v for v in values if isinstance(v, (int, float, Decimal))]
    if numbers and max(abs(float(v)) for v in numbers) > MAX_EPOCH_SECONDS:
        raise SourceSchemaError(
            f"{where} holds numbers such as {max(numbers)!r}: epoch milliseconds or "
            "microseconds are not supported (map a query dividing by 1000)"
        )
    numeric = kind if kind in ("int", "real", "decimal") else "int"
    return StoredTime("epoch", UTC, numeric=numeric, decided=how)


def _text_time(values: Sequence[object], dialect: str, zone: tzinfo, how: str, where: str) -> StoredTime:
    sep, suffix = _text_shape(values, where) if values else (" ", "")
    if suffix is None and dialect in ("mysql", "mariadb"):
        raise SourceSchemaError(
            f"{where} holds text with different UTC offsets, which MySQL/MariaDB cannot "
            "convert without zone tables; map a query giving UTC date-times"
        )
    if (
        suffix is None
        and dialect == "sqlite"
        and any(
            (m := TEXT_SHAPE.fullmatch(str(v).strip())) and m["suffix"] and m["suffix"] != "Z" and ":" not in m["suffix"]
            for v in values
        )
    ):
        raise SourceSchemaError(
            f"{where} holds offsets such as +0100 that differ from row to row; SQLite reads "
            "only +HH:MM: map a query that rewrites them"
        )
    return StoredTime("text", zone, sep=sep, suffix=suffix, decided=how)
