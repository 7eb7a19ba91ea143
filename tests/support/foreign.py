"""A schema that is not ours, built in the test: Django-style users, a shop's products and genres,
and an `events` table, with timestamps stored in one of several ways (`STORAGES`).

`build(engine, storage, rows)` creates and fills the tables (prefixed `srcmap_`, so the
shared PostgreSQL and MariaDB databases keep them apart from other tests);
`reference(rows, zone)` loads the same rows into an in-memory SQLite database in a form
that needs no date arithmetic (integer microseconds since 1970, and the day and month of
each row in the reporting zone, computed here by zoneinfo), against which the tests write
their own SQL for each dataset. `mapping(storage)` is the `[source]` table that maps the schema.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

UTC = timezone.utc
PREFIX = "srcmap_"
TABLES = ("events", "auth_user", "product", "genre")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class Rows:
    users: list[tuple[int, str, str, datetime]]  # id, username, email, date_joined
    genres: list[tuple[int, str]]
    products: list[tuple[int, str, int]]  # id, title, genre_id
    events: list[tuple[int, int, int, str, datetime]]  # id, account, product, kind, occurred_at


def make_rows(special: list[datetime], *, precision_us: int = 1, seed: int = 3) -> Rows:
    """Users and events over 14 months before 2026-12-15, plus events at each `special` instant.

    `precision_us`: times are multiples of it (1_000_000 for whole seconds, as an integer
    epoch column keeps them)."""
    rng = random.Random(seed)
    start = datetime(2025, 10, 1, tzinfo=UTC)
    span = int((datetime(2026, 12, 15, 11, 0, tzinfo=UTC) - start).total_seconds())

    def moment() -> datetime:
        us = rng.randrange(span * 1_000_000)
        return start + timedelta(microseconds=us - us % precision_us)

    users = []
    for i in range(1, 121):
        joined = moment()
        if i % 10 == 0:  # some sign-ups on a whole second, as Django writes them without a fraction
            joined = joined.replace(microsecond=0)
        users.append((i, f"user{i}", f"user{i}@example.com", joined))
    users.append((121, "edge", "edge@example.com", datetime(2026, 10, 31, 23, 0, tzinfo=UTC)))  # Berlin midnight
    genres = [(1, "Rock"), (2, "Jazz"), (3, "Blues")]
    products = [(i, f"Track {i}", 1 + i % 3) for i in range(1, 31)]
    kinds = ("view", "play", "buy")
    events = []
    stamps = [moment() for _ in range(2500)] + list(special)
    for n, stamp in enumerate(sorted(stamps), start=1):
        if n % 7 == 0:
            stamp = stamp.replace(microsecond=0)
        events.append((n, rng.randint(1, 121), rng.randint(1, 30), rng.choice(kinds), stamp))
    # Two events at the same instant: the newer id comes first in recent activity.
    last = events[-1]
    events.append((len(events) + 1, 5, 7, "view", last[4]))
    return Rows(users, genres, products, events)


# -- storage forms ---------------------------------------------------------------------------


def django_text(moment: datetime) -> str:
    """How Django (and SQLite's CURRENT_TIMESTAMP, for whole seconds) writes a UTC time on SQLite."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S") + (f".{naive.microsecond:06d}" if naive.microsecond else "")


def js_text(moment: datetime) -> str:
    """JavaScript's toISOString(): 'T', milliseconds, 'Z'."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%dT%H:%M:%S") + f".{naive.microsecond // 1000:03d}Z"


_OFFSETS = [timezone(timedelta(hours=h, minutes=m)) for h, m in ((0, 0), (1, 0), (-5, 0), (5, 30), (-9, -30))]


def offset_text(moment: datetime) -> str:
    """ISO text in one of several zones, with its offset: the same instant written from different places."""
    zone = _OFFSETS[micros(moment) // 1000 % len(_OFFSETS)]
    return moment.astimezone(zone).isoformat(sep="T", timespec="milliseconds")


def fixed_offset_text(moment: datetime) -> str:
    return moment.astimezone(timezone(timedelta(hours=2))).isoformat(sep=" ")


@dataclass(frozen=True)
class Storage:
    """One way to store the times: the SQL types and how a Python instant becomes a stored value."""

    name: str
    user_type: str
    event_type: str
    user_value: Any
    event_value: Any
    precision_us: int = 1
    event_timestamps: str | None = None  # the per-entity override written in the mapping


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _epoch(moment: datetime) -> int:
    return micros(moment) // 1_000_000


STORAGES = {
    "sqlite-django-text": Storage("sqlite-django-text", "DATETIME", "DATETIME", django_text, django_text),
    "sqlite-epoch": Storage("sqlite-epoch", "TEXT", "INTEGER", js_text, _epoch, precision_us=1_000_000, event_timestamps="epoch"),
    "sqlite-offsets": Storage("sqlite-offsets", "TEXT", "TEXT", fixed_offset_text, offset_text, precision_us=1000),
    "postgresql": Storage("postgresql", "TIMESTAMPTZ", "TIMESTAMPTZ", lambda m: m, lambda m: m),
    "mariadb": Storage("mariadb", "TIMESTAMP(6) NULL", "DATETIME(6)", _naive_utc, _naive_utc),
}


def build(engine: Engine, storage: Storage, rows: Rows, *, index: bool = True) -> None:
    """Create the foreign tables (dropping old ones) and fill them."""
    p = PREFIX
    with engine.begin() as conn:
        for name in TABLES:
            conn.execute(text(f"DROP TABLE IF EXISTS {p}{name}"))
        conn.execute(text(f"CREATE TABLE {p}genre (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)"))
        conn.execute(
            text(f"CREATE TABLE {p}product (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, genre_id INTEGER NOT NULL)")
        )
        conn.execute(
            text(
                f"CREATE TABLE {p}auth_user (id INTEGER PRIMARY KEY, username VARCHAR(150) NOT NULL, "
                f"email VARCHAR(254) NOT NULL, date_joined {storage.user_type})"
            )
        )
        conn.execute(
            text(
                f"CREATE TABLE {p}events (id INTEGER PRIMARY KEY, account INTEGER NOT NULL, "
                f"product INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, occurred_at {storage.event_type} NOT NULL)"
            )
        )
        conn.execute(text(f"INSERT INTO {p}genre (id, name) VALUES (:a, :b)"), [{"a": a, "b": b} for a, b in rows.genres])
        conn.execute(
            text(f"INSERT INTO {p}product (id, title, genre_id) VALUES (:a, :b, :c)"),
            [{"a": a, "b": b, "c": c} for a, b, c in rows.products],
        )
        conn.execute(
            text(f"INSERT INTO {p}auth_user (id, username, email, date_joined) VALUES (:a, :b, :c, :d)"),
            [{"a": a, "b": b, "c": c, "d": storage.user_value(d)} for a, b, c, d in rows.users],
        )
        conn.execute(
            text(f"INSERT INTO {p}events (id, account, product, kind, occurred_at) VALUES (:a, :b, :c, :d, :e)"),
            [{"a": a, "b": b, "c": c, "d": d, "e": storage.event_value(e)} for a, b, c, d, e in rows.events],
        )
        if index:
            conn.execute(text(f"CREATE INDEX {p}events_time ON {p}events (occurred_at, product, account)"))
            conn.execute(text(f"CREATE INDEX {p}users_joined ON {p}auth_user (date_joined)"))


def drop(engine: Engine) -> None:
    with engine.begin() as conn:
        for name in TABLES:
            conn.execute(text(f"DROP TABLE IF EXISTS {PREFIX}{name}"))


def mapping(storage: Storage | None = None) -> dict[str, Any]:
    """The [source] table for the foreign schema, as the TOML file would give it."""
    p = PREFIX
    events: dict[str, Any] = {
        "table": f"{p}events",
        "columns": {"id": "id", "user_id": "account", "item_id": "product", "action": "kind", "created_at": "occurred_at"},
    }
    if storage is not None and storage.event_timestamps:
        events["timestamps"] = storage.event_timestamps
    return {
        "timestamps": "auto",
        "time_zone": "UTC",
        "users": {
            "table": f"{p}auth_user",
            "columns": {"id": "id", "name": "username", "email": "email", "created_at": "date_joined"},
        },
        "items": {
            "query": f"SELECT t.id AS id, t.title AS name, g.name AS category FROM {p}product t "
            f"JOIN {p}genre g ON g.id = t.genre_id"
        },
        "activities": events,
    }


def reference(rows: Rows, zone: tzinfo) -> sqlite3.Connection:
    """The rows in plain form: integer microseconds, and each row's day and month in `zone`."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE users (id INTEGER, name TEXT, us INTEGER, month TEXT)")
    db.execute("CREATE TABLE items (id INTEGER, name TEXT, category TEXT)")
    db.execute("CREATE TABLE events (id INTEGER, user_id INTEGER, item_id INTEGER, action TEXT, us INTEGER, day TEXT)")
    db.executemany(
        "INSERT INTO users VALUES (?, ?, ?, ?)",
        [(i, n, micros(d), d.astimezone(zone).strftime("%Y-%m")) for i, n, _e, d in rows.users],
    )
    genres = dict(rows.genres)
    db.executemany("INSERT INTO items VALUES (?, ?, ?)", [(i, t, genres[g]) for i, t, g in rows.products])
    db.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
        [(i, u, p, k, micros(t), t.astimezone(zone).date().isoformat()) for i, u, p, k, t in rows.events],
    )
    return db


def iso_us(us: int) -> str:
    return (EPOCH + timedelta(microseconds=us)).isoformat()


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path: Any, url: str, source: dict[str, Any], **settings: str) -> Any:
    """A settings file with `database_url` and a [source] table (one [source.<entity>] per entity)."""
    lines = [f"database_url = {_toml_value(url)}"] + [f"{k} = {_toml_value(v)}" for k, v in settings.items()]
    lines.append("[source]")
    lines += [f"{k} = {_toml_value(v)}" for k, v in source.items() if not isinstance(v, dict)]
    for entity, table in source.items():
        if isinstance(table, dict):
            lines.append(f"[source.{entity}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
