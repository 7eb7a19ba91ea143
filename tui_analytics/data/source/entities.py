"""The source mapping resolved against the database: selectables and time columns per entity.

`resolve(engine, mapping, url)` looks once (in the thread that opens the source):
each mapped table must exist with the mapped columns, each query must run and
yield the canonical columns, and each time column's storage is found
(`detect.py`). Problems are `SourceSchemaError`s of one line naming the entity
and the column. Columns are untyped here on purpose: values arrive as the driver
gives them (SQLite text stays text), and `StoredTime` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import column, inspect, literal, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import TypeEngine

from tui_analytics.config.settings import mask_url
from tui_analytics.config.source_mapping import ENTITIES, OPTIONAL, REQUIRED, EntityMapping, SourceMapping, columns_of
from tui_analytics.data.engines import query_error
from tui_analytics.data.source.detect import detect
from tui_analytics.data.source.timesql import TimeColumn
from tui_analytics.runtime.errors import SourceSchemaError

# What an activity without an `action` column counts as.
DEFAULT_ACTION = "activity"


@dataclass
class Entity:
    """One entity as the queries see it: `cols[canonical]` (None for an absent optional column)."""

    name: str
    mapping: EntityMapping
    source: FromClause
    cols: dict[str, ColumnElement[Any] | None]
    time: TimeColumn | None = None
    table_name: str | None = None  # the mapped table (None for a query)
    column_names: dict[str, str] = field(default_factory=dict)  # canonical -> the table's column name

    def col(self, canonical: str) -> ColumnElement[Any]:
        found = self.cols.get(canonical)
        if found is None:
            if canonical == "action":
                return literal(DEFAULT_ACTION)
            return literal(None)
        return found

    def has(self, canonical: str) -> bool:
        return self.cols.get(canonical) is not None


@dataclass
class Source:
    """The three entities of one source database, resolved."""

    dialect: str
    mapping: SourceMapping
    users: Entity
    items: Entity
    activities: Entity

    def entity(self, name: str) -> Entity:
        return {"users": self.users, "items": self.items, "activities": self.activities}[name]


def _failure(url: str, exc: SQLAlchemyError) -> str:
    """Why a statement failed, in one line: the time limit and its setting when the watchdog stopped it."""
    return str(query_error(url, exc, "")).strip()  # otherwise describe_error's text


def _where(mapping: SourceMapping, entity: str) -> str:
    return f"[source.{entity}]" if mapping.configured else f"the {entity} table"


def _split(name: str) -> tuple[str | None, str]:
    schema, _, bare = name.rpartition(".")
    return schema or None, bare


def _table_entity(
    conn: Connection, mapping: SourceMapping, em: EntityMapping, url: str
) -> tuple[Entity, dict[str, TypeEngine[Any]]]:
    assert em.table is not None
    where = _where(mapping, em.entity)
    schema, bare = _split(em.table)
    try:
        reflected = inspect(conn).get_columns(bare, schema=schema)
    except NoSuchTableError:
        reflected = []
    except SQLAlchemyError as exc:
        raise query_error(url, exc, "cannot read the columns of a table on") from None
    if not reflected:
        raise SourceSchemaError(f"{where}: {mask_url(url)} has no table {em.table}")
    actual = {c["name"]: c for c in reflected}
    names = _found_columns(em, list(actual), where)
    source = table(bare, *(column(n) for n in dict.fromkeys(names.values())), schema=schema)
    cols: dict[str, ColumnElement[Any] | None] = {c: source.c[n] for c, n in names.items()}
    types = {c: actual[n]["type"] for c, n in names.items()}
    return Entity(em.entity, em, source, cols, table_name=em.table, column_names=names), types


def _found_columns(em: EntityMapping, actual: list[str], where: str) -> dict[str, str]:
    """Canonical name -> the table's column (its case may differ); an optional one left unmapped may be missing."""
    folded = {name.lower(): name for name in actual}
    names: dict[str, str] = {}
    wanted = dict(em.columns) if em.columns else {c: c for c in columns_of(em.entity)}
    for canonical, name in wanted.items():
        found = name if name in actual else folded.get(name.lower())
        if found is None:
            if canonical in OPTIONAL[em.entity] and not em.columns:
                continue  # the canonical name of an optional column, not there: fine
            listed = ", ".join(actual[:12]) + (", ..." if len(actual) > 12 else "")
            raise SourceSchemaError(f"{where}: table {em.table} has no column {name} (for {canonical}); it has {listed}")
        names[canonical] = found
    return names


def _query_entity(
    conn: Connection, mapping: SourceMapping, em: EntityMapping, url: str
) -> tuple[Entity, dict[str, TypeEngine[Any]]]:
    assert em.query is not None
    where = _where(mapping, em.entity)
    try:
        result = conn.execute(text(f"SELECT * FROM ({em.query}) ta_probe LIMIT 0"))
        keys = list(result.keys())
        result.close()
    except SQLAlchemyError as exc:
        conn.rollback()
        raise SourceSchemaError(f"{where} query failed: {_failure(url, exc)}") from None
    folded = {k.lower(): k for k in keys}
    for canonical in REQUIRED[em.entity]:
        if canonical not in folded:
            raise SourceSchemaError(
                f"{where} query yields no column {canonical} (it yields {', '.join(keys) or 'none'}; use AS {canonical})"
            )
    source = text(em.query).columns(*(column(k) for k in keys)).subquery(f"ta_{em.entity}")
    cols: dict[str, ColumnElement[Any] | None] = {c: source.c[folded[c]] for c in columns_of(em.entity) if c in folded}
    return Entity(em.entity, em, source, cols), {}


def _entity(conn: Connection, mapping: SourceMapping, name: str, url: str) -> Entity:
    em = mapping.entity(name)
    entity, types = (_query_entity if em.query is not None else _table_entity)(conn, mapping, em, url)
    if "created_at" in entity.cols and entity.cols["created_at"] is not None:
        time_col = entity.cols["created_at"]
        assert time_col is not None
        shown = entity.column_names.get("created_at")
        where = f"{_where(mapping, name)} created_at" + (f" ({shown})" if shown and shown != "created_at" else "")
        try:
            stored = detect(
                conn,
                entity.source,
                time_col,
                where=where,
                configured=mapping.timestamps_of(name),
                zone=mapping.zone_of(name),
                sql_type=types.get("created_at"),
            )
        except SQLAlchemyError as exc:
            conn.rollback()
            raise SourceSchemaError(f"{where}: reading sample values failed: {_failure(url, exc)}") from None
        entity.time = TimeColumn(time_col, stored, conn.dialect.name)
    return entity


def resolve(engine: Engine, mapping: SourceMapping, url: str) -> Source:
    """Check the mapping against the database and build the queries' view of it (blocking)."""
    try:
        with engine.connect() as conn:
            entities = {name: _entity(conn, mapping, name, url) for name in ENTITIES}
    except SQLAlchemyError as exc:
        raise query_error(url, exc, "cannot read the source on") from None
    return Source(engine.dialect.name, mapping, **entities)
