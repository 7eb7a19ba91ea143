"""Time limits for SQL statements, and stopping statements that nobody waits for any more.

PostgreSQL and MySQL/MariaDB enforce a per-session limit themselves (db.py sets
it when a connection opens). SQLite has no such setting, so a watchdog thread
calls `sqlite3.Connection.interrupt()` on a statement running past its deadline.

Every checked-out connection is registered with the thread using it. When the
coroutine that started a worker thread is cancelled (the app quits, a job is
cancelled), `interrupt_thread` stops that thread's statement: otherwise
`asyncio.run()` waits at exit for a query that may run for minutes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

TIMEOUT = "timeout"
CANCELLED = "cancelled"


@dataclass
class _Active:
    conn: Any  # the DBAPI connection: interrupt() (sqlite3) and cancel() (psycopg) are the drivers' own
    backend: str
    thread: int
    deadline: float | None = None  # time.monotonic() after which the statement is interrupted
    limit: float | None = None


_active: dict[int, _Active] = {}
_cancelled_threads: set[int] = set()
# thread ident -> why its last statement was interrupted (read by the error text)
_reasons: dict[int, tuple[str, float | None]] = {}
_cond = threading.Condition()
_watchdog: threading.Thread | None = None


def register(dbapi_conn: object, backend: str) -> None:
    """A connection was checked out by the current thread (pool 'checkout' event)."""
    ident = threading.get_ident()
    with _cond:
        if ident in _cancelled_threads:  # refused before it is registered: the pool takes it back
            raise InterruptedError("the work was cancelled")
        _active[id(dbapi_conn)] = _Active(dbapi_conn, backend, ident)


def raise_if_cancelled() -> None:
    """In a worker thread of `to_thread_interruptible`: InterruptedError once its caller was
    cancelled. Long loops call it between batches, since stopping the statement is not
    enough: a driver may have fetched every row already (psycopg's client-side cursor), and
    a server-side cursor's next FETCH is a new statement that nothing interrupts."""
    with _cond:
        cancelled = threading.get_ident() in _cancelled_threads
    if cancelled:
        raise InterruptedError("the work was cancelled")


def unregister(dbapi_conn: object) -> None:
    """The connection went back to the pool (pool 'checkin' event)."""
    with _cond:
        _active.pop(id(dbapi_conn), None)


def statement_started(dbapi_conn: object, limit: float | None) -> None:
    """Arm the SQLite watchdog for one statement (before_cursor_execute)."""
    if not limit:
        return
    global _watchdog
    with _cond:
        entry = _active.get(id(dbapi_conn))
        if entry is None or entry.backend != "sqlite":
            return
        entry.deadline, entry.limit = time.monotonic() + limit, limit
        if _watchdog is None or not _watchdog.is_alive():
            _watchdog = threading.Thread(target=_watch, name="tui-analytics query watchdog", daemon=True)
            _watchdog.start()
        _cond.notify_all()


def statement_finished(dbapi_conn: object) -> None:
    """Disarm the watchdog (after_cursor_execute). Fetching a streamed result is not limited."""
    with _cond:
        entry = _active.get(id(dbapi_conn))
        if entry is not None:
            entry.deadline = None


def _watch() -> None:
    # One thread for the whole process: sleeps until the nearest deadline.
    with _cond:
        while True:
            now = time.monotonic()
            deadlines = [e.deadline for e in _active.values() if e.deadline is not None]
            for entry in list(_active.values()):
                if entry.deadline is not None and entry.deadline <= now:
                    entry.deadline = None
                    _reasons[entry.thread] = (TIMEOUT, entry.limit)
                    _interrupt(entry)
            future = [d for d in deadlines if d > now]
            _cond.wait(timeout=(min(future) - now) if future else None)


def _interrupt(entry: _Active) -> None:
    try:
        if entry.backend == "sqlite":
            entry.conn.interrupt()
        elif entry.backend == "postgresql" and hasattr(entry.conn, "cancel"):
            entry.conn.cancel()
    except Exception:  # the connection may be closing; nothing left to stop
        log.debug("could not interrupt a statement", exc_info=True)


def interrupt_thread(ident: int) -> int:
    """Stop the statements of one thread and refuse it new connections until its work ends."""
    with _cond:
        _cancelled_threads.add(ident)
        entries = [e for e in _active.values() if e.thread == ident]
        for entry in entries:
            _reasons[entry.thread] = (CANCELLED, None)
            _interrupt(entry)
    return len(entries)


def interrupt_all() -> int:
    """Stop every running statement of this process (shutdown); returns how many connections."""
    with _cond:
        entries = list(_active.values())
        for entry in entries:
            _reasons[entry.thread] = (CANCELLED, None)
            _interrupt(entry)
    return len(entries)


def take_reason() -> tuple[str, float | None] | None:
    """Why the current thread's statement was interrupted, if we did it (consumed)."""
    with _cond:
        return _reasons.pop(threading.get_ident(), None)


def active_count() -> int:
    with _cond:
        return len(_active)


@dataclass
class _Work:
    """One call of to_thread_interruptible, as its worker and its canceller see it (under _cond)."""

    ident: int | None = None  # the worker thread, once one has picked the call up
    cancelled: bool = False
    done: bool = False


async def to_thread_interruptible(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread`, but cancelling the caller also stops the thread's SQL statement."""
    work = _Work()

    def call() -> T:
        ident = threading.get_ident()
        with _cond:
            if work.cancelled:  # cancelled before a worker picked it up: do nothing
                raise InterruptedError("the work was cancelled")
            work.ident = ident
        try:
            return fn(*args, **kwargs)
        finally:
            with _cond:  # under the lock, so a late cancel cannot mark a pool thread for good
                work.done = True
                _cancelled_threads.discard(ident)
                _reasons.pop(ident, None)

    try:
        return await asyncio.to_thread(call)
    except asyncio.CancelledError:
        with _cond:
            work.cancelled = True
            if work.ident is not None and not work.done:
                interrupt_thread(work.ident)
        raise
