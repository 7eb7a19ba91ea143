"""Engines for the source and state databases.

One engine per URL per process, shared by every service. SQLite connections use
WAL and a busy timeout so the dashboard, the CLI and worker threads can share a
file. Connection failures become one-line `DatabaseError`s with the password masked.

Faults the engines are set up for (the app runs unattended for weeks):
- a server restart or `pg_terminate_backend` kills pooled connections: pre-ping
  replaces them on checkout, and `query_error` marks such failures `transient`
  so callers retry the whole unit of work;
- a server that never answers: a connect timeout (10 s), and a per-session
  statement time limit (`set_query_timeout`; SQLite: a watchdog, querylimits.py);
- an SQLite file removed or replaced under a running process: pooled
  connections would go on reading the deleted file for ever, and a reconnect
  would silently create an empty database. Each checkout compares the file's
  identity with the one the connection opened, and a file that existed once is
  never re-created.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from tui_analytics.config.settings import mask_url, postgres_spelling
from tui_analytics.data import querylimits
from tui_analytics.data.dbfiles import create_private_file
from tui_analytics.runtime import retry
from tui_analytics.runtime.errors import DatabaseError, SourceSchemaError, one_line
from tui_analytics.runtime.redact import redact as redact_known
from tui_analytics.runtime.redact import url_secrets

if TYPE_CHECKING:
    import sqlite3

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_query_timeouts: dict[str, float] = {}  # normalised URL -> seconds per statement
_read_only: set[str] = set()  # normalised URLs of sources: opened read-only, never created
_dispose_hooks: list[Callable[[], None]] = []

CONNECT_TIMEOUT = 10  # seconds; a host that drops packets must not hang a job for minutes

# Drivers used when a URL names only the database kind.
_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


def normalise_url(url: str) -> str:
    """The URL with this project's default driver filled in (psycopg 3, PyMySQL)."""
    try:
        parsed = make_url(postgres_spelling(url))
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {mask_url(url)}") from None
    if parsed.drivername in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=_DEFAULT_DRIVERS[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def _sqlite_read_only_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # journal_mode and synchronous would need write access; the file keeps the mode it has.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# The write-ahead log's size once it is reset. A reader that holds a snapshot (a long `jobs status`,
# a backup, sqlite3 left open) stops checkpoints from reusing the WAL, which then grows with every
# write (6.2 MB in 90 s was seen); without a limit the file stays that large after the reader goes.
WAL_LIMIT = 1024 * 1024
WAL_CHECKPOINT_PAGES = 256  # an automatic checkpoint after ~1 MB of frames (SQLite's default: 1000)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str) -> Engine:
    """The shared engine for a URL, created on first use (read-only if `set_read_only` said so)."""
    url = normalise_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url, read_only=url in _read_only)
            _engines[url] = engine
        return engine


def set_read_only(url: str) -> None:
    """Open this database read-only from now on (a source: the product only reads it).

    An SQLite file is then opened with `mode=ro`: a missing file is an error, never
    created with its directories, and nothing can write into it. An engine already
    made for the URL in this process is replaced at the next `get_engine`.
    """
    url = normalise_url(url)
    with _lock:
        if url in _read_only:
            return
        _read_only.add(url)
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _read_only_sqlite(path: Path) -> Callable[[], sqlite3.Connection]:
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    return lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)


def _create(url: str, *, read_only: bool = False) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    path: Path | None = None
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            path = Path(parsed.database).expanduser()
            if read_only:
                kwargs["creator"] = _read_only_sqlite(path)
            else:
                create_private_file(path)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    else:
        kwargs.update(pool_size=5, max_overflow=5, pool_recycle=1800)
        if backend in ("postgresql", "mysql", "mariadb"):
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"no driver for {mask_url(url)}: {exc}. Install the extra: pip install 'tui-analytics[postgres]' or '[mysql]'"
        ) from None
    except ArgumentError as exc:
        raise DatabaseError(f"bad database URL {describe_error(url, exc)}") from None
    except TypeError as exc:  # a driver that does not take connect_timeout
        raise DatabaseError(f"bad database URL {mask_url(url)}: {exc}") from None
    _listen(engine, url, backend, path, read_only="creator" in kwargs)
    return engine


def _listen(engine: Engine, url: str, backend: str, path: Path | None, *, read_only: bool = False) -> None:
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        if path is not None:
            _watch_sqlite_file(engine, path)
    else:
        event.listen(engine, "connect", lambda conn, _rec: _session_time_limit(conn, backend, url))
        if backend in ("mysql", "mariadb"):
            event.listen(engine, "connect", _mysql_utc_session)
    event.listen(engine, "checkout", lambda conn, _rec, _proxy: querylimits.register(conn, backend))
    event.listen(engine, "checkin", lambda conn, _rec: querylimits.unregister(conn))
    if backend == "sqlite":

        def started(conn: Connection, *_args: object) -> None:
            limit = _query_timeouts.get(url)
            if limit:
                querylimits.statement_started(conn.connection.dbapi_connection, limit)

        def finished(conn: Connection, *_args: object) -> None:
            if _query_timeouts.get(url):
                querylimits.statement_finished(conn.connection.dbapi_connection)

        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", finished)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _watch_sqlite_file(engine: Engine, path: Path) -> None:
    seen = {"existed": False}

    def before_connect(_dialect: Dialect, _rec: ConnectionPoolEntry, _cargs: object, _cparams: object) -> None:
        if seen["existed"] and not path.exists():
            import sqlite3

            raise sqlite3.OperationalError(f"unable to open database file: {path} was removed")

    def on_connect(_conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["file_identity"] = _file_identity(path)
        seen["existed"] = True

    def on_checkout(_conn: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        if _file_identity(path) != record.info.get("file_identity"):
            # Removed, or replaced (restored from a backup): this connection reads the old file.
            raise DisconnectionError(f"{path} was removed or replaced")

    event.listen(engine, "do_connect", before_connect)
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "checkout", on_checkout)


def _mysql_utc_session(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # TIMESTAMP columns are instants that MySQL/MariaDB hand out in the session's zone (the
    # server's by default): in UTC they read as the naive UTC values every other form becomes.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET time_zone = '+00:00'")
        dbapi_connection.commit()
    finally:
        cursor.close()


def _session_time_limit(dbapi_connection: DBAPIConnection, backend: str, url: str) -> None:
    seconds = _query_timeouts.get(url)
    if not seconds:
        return
    ms = int(seconds * 1000)
    statements = {
        "postgresql": [f"SET statement_timeout = {ms}"],
        # MySQL limits SELECTs (ms); MariaDB every statement (s). Each ignores the other's name.
        "mysql": [f"SET SESSION max_execution_time = {ms}", f"SET SESSION max_statement_time = {seconds:g}"],
        "mariadb": [f"SET SESSION max_statement_time = {seconds:g}"],
    }.get(backend, [])
    cursor = dbapi_connection.cursor()
    try:
        for statement in statements:
            try:
                cursor.execute(statement)
            except Exception:  # the other server's variable name, or an old server: no limit there
                if backend == "postgresql":
                    raise
        # A SET inside the implicit transaction would be undone by the pool's rollback.
        dbapi_connection.commit()
    finally:
        cursor.close()


def set_query_timeout(url: str, seconds: float | None) -> None:
    """Limit each statement on this database to `seconds` (connections opened from now on)."""
    url = normalise_url(url)
    with _lock:
        old = _query_timeouts.get(url)
        if seconds:
            _query_timeouts[url] = float(seconds)
        else:
            _query_timeouts.pop(url, None)
        engine = _engines.get(url)
    if engine is not None and old != _query_timeouts.get(url) and engine.dialect.name != "sqlite":
        engine.dispose()  # pooled sessions carry the old limit


def query_timeout(url: str) -> float | None:
    return _query_timeouts.get(normalise_url(url))


def new_engine(url: str) -> Engine:
    """A private read-write engine (not shared), for one-off work such as building a database file."""
    return _create(normalise_url(url))


def on_dispose(hook: Callable[[], None]) -> None:
    """Call `hook()` from dispose_all() (locks held on the state database, in locking.py)."""
    _dispose_hooks.append(hook)


def dispose_all() -> None:
    """Close every pooled connection (tests, shutdown)."""
    for hook in list(_dispose_hooks):
        hook()
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def redact(text: str, url: str) -> str:
    """`text` with every secret of `url` (and any known one) replaced by ***."""
    for secret in url_secrets(url):
        text = text.replace(secret, "***")
    return redact_known(text)


def describe_error(url: str, exc: BaseException) -> str:
    """One line saying what went wrong with a database, password masked."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    # A driver may echo the URL or DSN back; never let the password through.
    text = redact(text, url)
    return f"{mask_url(url)}: {text}"


def write_error(url: str, exc: BaseException) -> str:
    """One line for a failed write: a driver error says its reason without the statement and its
    parameters, so the same fault (a full disk) reads the same each time and the log's repeat filter
    holds it back."""
    return describe_error(url, exc) if isinstance(exc, SQLAlchemyError) else one_line(exc)


_NOT_TRANSIENT = re.compile(
    r"no such (table|column)|syntax|does not exist|doesn't exist|unknown column|permission denied|"
    r"statement timeout|interrupted|canceling statement|max_execution_time|max_statement_time",
    re.IGNORECASE,
)


def is_transient(exc: BaseException) -> bool:
    """True for failures a retry may cure: lost or refused connections, a locked SQLite file."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (DisconnectionError, InterfaceError)):
        return True
    if isinstance(exc, OperationalError):
        return not _NOT_TRANSIENT.search(str(getattr(exc, "orig", exc)))
    return False


retry.register_transient(is_transient)


def query_error(url: str, exc: BaseException, doing: str = "query failed on") -> DatabaseError:
    """A one-line DatabaseError for a failed statement; `.transient` says whether a retry may help."""
    reason = querylimits.take_reason()
    text = str(getattr(exc, "orig", exc)).lower()
    if (
        reason is not None
        and reason[0] == querylimits.TIMEOUT
        or "statement timeout" in text
        or ("max_execution_time" in text or "max_statement_time" in text)
    ):
        limit = (reason[1] if reason else None) or _query_timeouts.get(normalise_url(url))
        shown = f"the {limit:g} s" if limit else "the"
        error = DatabaseError(
            f"query on {mask_url(url)} took longer than {shown} limit (TUI_ANALYTICS_QUERY_TIMEOUT) and was stopped"
        )
    elif reason is not None:
        error = DatabaseError(f"query on {mask_url(url)} was stopped: the work was cancelled")
    else:
        error = DatabaseError(f"{doing} {describe_error(url, exc)}")
    error.transient = is_transient(exc) and reason is None  # type: ignore[attr-defined]
    return error


def check_connection(url: str) -> Engine:
    """The engine, after one round trip; DatabaseError naming the problem otherwise."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        raise query_error(url, exc, "cannot connect to") from None
    return engine


def check_source_schema(engine: Engine, url: str) -> None:
    """SourceSchemaError unless users, items and activities exist."""
    from tui_analytics.data.schema import SOURCE_TABLES

    try:
        present = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise query_error(url, exc, "cannot read tables of") from None
    missing = [t for t in SOURCE_TABLES if t not in present]
    if missing:
        raise SourceSchemaError(
            f"{mask_url(url)} has no {', '.join(missing)} table(s); "
            "point TUI_ANALYTICS_DATABASE_URL at the analytics database or fill one with `tui-analytics demo-data`"
        )
