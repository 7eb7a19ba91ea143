"""The source mapping: which tables (or queries) and columns hold users, items and activities.

Read from the `[source]` table of the TOML settings file. Without one, the built-in
schema applies (`users`, `items`, `activities` with the canonical column names).
Everything that can be checked without a database is checked here, when the
settings load; each problem is one line naming the entity and the column.
What needs the database (does the table have that column, does the query yield
the canonical columns) is checked when the source opens (`data/source/entities.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo

from tui_analytics.config.timezones import plain_zone, resolve_timezone
from tui_analytics.config.values import shorten
from tui_analytics.runtime.errors import ConfigError, did_you_mean

ENTITIES = ("users", "items", "activities")
TIMESTAMP_FORMS = ("auto", "native", "text", "epoch")

# Canonical columns per entity: the ones every mapping must yield, then the optional ones.
REQUIRED: dict[str, tuple[str, ...]] = {
    "users": ("id", "name", "created_at"),
    "items": ("id", "name"),
    "activities": ("user_id", "item_id", "created_at"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "items": ("category",),
    "activities": ("action", "id"),
}
# Entities with a time column (the others take no `timestamps` or `time_zone`).
TIMED = ("users", "activities")

_SOURCE_KEYS = ("timestamps", "time_zone", *ENTITIES)
_ENTITY_KEYS = ("table", "columns", "query", "timestamps", "time_zone")
# A table name, optionally schema-qualified; a column name. Plain identifiers only: they are
# quoted by SQLAlchemy, and a name that needs more is a job for a `query` mapping.
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_$ ]*")
_SELECT = re.compile(r"\s*(?:select|with)\b", re.IGNORECASE)
MAX_QUERY = 20_000


def columns_of(entity: str) -> tuple[str, ...]:
    """Every canonical column of an entity, required first."""
    return REQUIRED[entity] + OPTIONAL[entity]


@dataclass(frozen=True)
class EntityMapping:
    """Where one entity lives: a table with column names, or a query yielding the canonical columns.

    `columns` maps canonical names to the table's names; a table given without
    `columns` has the canonical names itself. `timestamps` and `time_zone`
    override the `[source]` defaults for this entity (None: inherit).
    """

    entity: str
    table: str | None = None
    query: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    timestamps: str | None = None
    time_zone: str | None = None

    @property
    def builtin(self) -> bool:
        return self.query is None and self.table == self.entity and not self.columns

    def column(self, canonical: str) -> str:
        """The table's name for a canonical column (a query yields canonical names)."""
        return self.columns.get(canonical, canonical)

    def describe(self) -> str:
        """`table auth_user (name=username, created_at=date_joined)` or `query SELECT ...`."""
        if self.query is not None:
            text = " ".join(self.query.split())
            return f"query {text[:70] + '...' if len(text) > 70 else text}"
        renamed = [f"{c}={n}" for c, n in self.columns.items() if c != n]
        return f"table {self.table}" + (f" ({', '.join(renamed)})" if renamed else "")


@dataclass(frozen=True)
class SourceMapping:
    """The `[source]` table: defaults, then one mapping per entity (the built-in table where absent)."""

    users: EntityMapping = field(default_factory=lambda: EntityMapping("users", table="users"))
    items: EntityMapping = field(default_factory=lambda: EntityMapping("items", table="items"))
    activities: EntityMapping = field(default_factory=lambda: EntityMapping("activities", table="activities"))
    timestamps: str = "auto"
    time_zone: str = "UTC"
    configured: bool = False  # a [source] table was given (the header says "mapped")

    def entity(self, name: str) -> EntityMapping:
        return {"users": self.users, "items": self.items, "activities": self.activities}[name]

    def timestamps_of(self, name: str) -> str:
        return self.entity(name).timestamps or self.timestamps

    def zone_of(self, name: str) -> tzinfo:
        """The zone of naive timestamps of an entity."""
        return plain_zone(resolve_timezone(self.entity(name).time_zone or self.time_zone))

    @property
    def mapped(self) -> bool:
        """True when any entity lives somewhere other than the built-in table."""
        return self.configured and not all(self.entity(n).builtin for n in ENTITIES)


BUILTIN = SourceMapping()


def _where(entity: str | None) -> str:
    return f"[source.{entity}]" if entity else "[source]"


def _text(value: object, what: str, entity: str | None, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{_where(entity)} {key}: {what} must be non-empty text, got {shorten(value)}")
    return value.strip()


def _form(value: object, entity: str | None) -> str:
    text = _text(value, "timestamps", entity, "timestamps").lower()
    if text not in TIMESTAMP_FORMS:
        raise ConfigError(
            f"{_where(entity)} timestamps must be one of {', '.join(TIMESTAMP_FORMS)}, "
            f"got {shorten(value)}{did_you_mean(text, TIMESTAMP_FORMS)}"
        )
    return text


def _zone(value: object, entity: str | None) -> str:
    text = _text(value, "time_zone", entity, "time_zone")
    if text.lower() == "local":
        raise ConfigError(f"{_where(entity)} time_zone must name a zone (such as UTC or Europe/Berlin), not local")
    try:
        resolve_timezone(text)
    except ConfigError as exc:
        raise ConfigError(f"{_where(entity)} time_zone: {exc}") from None
    return text


def _unknown_keys(table: Mapping[str, object], allowed: tuple[str, ...], entity: str | None) -> None:
    for key in table:
        if key not in allowed:
            # [source.user] arrives as a key `user` holding a table: name it as it was written
            kind = "table" if isinstance(table[key], dict) else "key"
            raise ConfigError(
                f"{_where(entity)} has an unknown {kind} {shorten(key)}{did_you_mean(str(key), allowed)} "
                f"(valid keys: {', '.join(allowed)})"
            )


def _columns(entity: str, value: object) -> dict[str, str]:
    where = _where(entity)
    if not isinstance(value, dict):
        raise ConfigError(f'{where} columns must be a table, e.g. columns = {{ id = "id", ... }}')
    known = columns_of(entity)
    out: dict[str, str] = {}
    for canonical, name in value.items():
        if canonical not in known:
            raise ConfigError(
                f"{where} columns: unknown column {shorten(canonical)}"
                f"{did_you_mean(str(canonical), known)} ({entity} have {', '.join(known)})"
            )
        name = _text(name, f"the column for {canonical}", entity, f"columns.{canonical}")
        if not _COLUMN.fullmatch(name):
            raise ConfigError(
                f"{where} columns.{canonical}: {shorten(name)} is not a plain column name (use a query mapping for expressions)"
            )
        out[canonical] = name
    for canonical in REQUIRED[entity]:
        if canonical not in out:
            optional = f"; {', '.join(OPTIONAL[entity])} optional" if OPTIONAL[entity] else ""
            raise ConfigError(f"{where} columns has no {canonical} (needed: {', '.join(REQUIRED[entity])}{optional})")
    return out


def _entity(entity: str, table: object) -> EntityMapping:
    where = _where(entity)
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table (with table and columns, or a query)")
    allowed = _ENTITY_KEYS if entity in TIMED else ("table", "columns", "query")
    _unknown_keys(table, allowed, entity)
    if "table" in table and "query" in table:
        raise ConfigError(f"{where} has both table and query: give one")
    if "query" in table and "columns" in table:
        raise ConfigError(
            f"{where} has both query and columns: a query names its columns itself (SELECT ... AS {REQUIRED[entity][-1]})"
        )
    timestamps = _form(table["timestamps"], entity) if "timestamps" in table else None
    time_zone = _zone(table["time_zone"], entity) if "time_zone" in table else None
    if "query" in table:
        return EntityMapping(entity, query=_query(entity, table["query"]), timestamps=timestamps, time_zone=time_zone)
    if "table" not in table:
        raise ConfigError(f"{where} needs table (with columns) or query")
    name = _text(table["table"], "table", entity, "table")
    if not _TABLE.fullmatch(name):
        raise ConfigError(f"{where} table: {shorten(name)} is not a table name (name or schema.name)")
    columns = _columns(entity, table["columns"]) if "columns" in table else {}
    return EntityMapping(entity, table=name, columns=columns, timestamps=timestamps, time_zone=time_zone)


def _query(entity: str, value: object) -> str:
    """An entity's query: one SELECT statement, any trailing ';' dropped."""
    where = _where(entity)
    query = _text(value, "query", entity, "query")
    if len(query) > MAX_QUERY:
        raise ConfigError(f"{where} query is too long ({len(query):,} characters; at most {MAX_QUERY:,})")
    if not _SELECT.match(query):
        raise ConfigError(f"{where} query must be a SELECT (or WITH ... SELECT) statement, got {shorten(query)}")
    if ";" in query.rstrip().rstrip(";"):
        raise ConfigError(f"{where} query must be one statement (no ';' inside)")
    return query.rstrip().rstrip(";")


def parse_source(value: object) -> SourceMapping:
    """The `[source]` table of a settings file, checked; ConfigError (one line) when anything is wrong."""
    if not isinstance(value, dict):
        raise ConfigError("[source] must be a table ([source] with [source.users], [source.items], [source.activities])")
    _unknown_keys(value, _SOURCE_KEYS, None)
    timestamps = _form(value["timestamps"], None) if "timestamps" in value else "auto"
    time_zone = _zone(value["time_zone"], None) if "time_zone" in value else "UTC"
    entities = {name: _entity(name, value[name]) for name in ENTITIES if name in value}
    return SourceMapping(timestamps=timestamps, time_zone=time_zone, configured=True, **entities)
