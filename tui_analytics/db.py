"""Engines for the source and state databases.

One engine per URL per process, shared by every service. SQLite connections use
WAL and a busy timeout so the dashboard, the CLI and worker threads can share a
file. Connection failures become one-line `DatabaseError`s with the password masked.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from .config import mask_url
from .errors import DatabaseError, SourceSchemaError

_engines: dict[str, Engine] = {}
_lock = threading.Lock()

# Drivers used when a URL names only the database kind.
_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


def normalise_url(url: str) -> str:
    """The URL with this project's default driver filled in (psycopg 3, PyMySQL)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {mask_url(url)}") from None
    if parsed.drivername in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=_DEFAULT_DRIVERS[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str) -> Engine:
    """The shared engine for a URL, created on first use."""
    url = normalise_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            _engines[url] = engine
        return engine


def _create(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    else:
        kwargs.update(pool_size=5, max_overflow=5, pool_recycle=1800)
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"no driver for {mask_url(url)}: {exc}. Install the extra: pip install 'tui-analytics[postgres]' or '[mysql]'"
        ) from None
    except ArgumentError as exc:
        raise DatabaseError(f"bad database URL {mask_url(url)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def new_engine(url: str) -> Engine:
    """A private engine (not shared), for one-off work such as building a database file."""
    return _create(normalise_url(url))


def dispose_all() -> None:
    """Close every pooled connection (tests, shutdown)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def describe_error(url: str, exc: BaseException) -> str:
    """One line saying what went wrong with a database, password masked."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    # A driver may echo the URL or DSN back; never let the password through.
    parsed = make_url(normalise_url(url))
    if parsed.password:
        text = text.replace(str(parsed.password), "***")
    return f"{mask_url(url)}: {text}"


def check_connection(url: str) -> Engine:
    """The engine, after one round trip; DatabaseError naming the problem otherwise."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot connect to {describe_error(url, exc)}") from None
    return engine


def check_source_schema(engine: Engine, url: str) -> None:
    """SourceSchemaError unless users, items and activities exist."""
    from .schema import SOURCE_TABLES

    try:
        present = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read tables of {describe_error(url, exc)}") from None
    missing = [t for t in SOURCE_TABLES if t not in present]
    if missing:
        raise SourceSchemaError(
            f"{mask_url(url)} has no {', '.join(missing)} table(s); "
            "point TUI_ANALYTICS_DATABASE_URL at the analytics database or fill one with `tui-analytics demo-data`"
        )
