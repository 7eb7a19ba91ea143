"""Following the channel's events from a thread: LISTEN on PostgreSQL, one small poll a second elsewhere.

SQLite has no notifications, so a follower asks `SELECT max(id)` once a second and
reads the new rows only when it moved. On PostgreSQL a dedicated connection
LISTENs on the channel and wakes at once; it still looks every few seconds, so a
notification lost with a dropped connection delays an update, never loses it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

from tui_analytics.data.state import channel_tables as channel

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # SQLite and MySQL: one `max(id)` a second
LISTEN_SAFETY_SECONDS = 5.0  # PostgreSQL: look anyway this often


class ListeningDriver(Protocol):
    """What LISTEN uses of the driver's own connection (psycopg's; SQLAlchemy does not type it)."""

    autocommit: bool

    def execute(self, query: str) -> object: ...
    def notifies(self, *, timeout: float, stop_after: int) -> Iterator[object]: ...


def _driver(raw: PoolProxiedConnection) -> ListeningDriver:
    driver: ListeningDriver | None = raw.driver_connection
    assert driver is not None  # an open connection has its driver's
    return driver


class Watcher:
    """Calls `on_events(events)` in its own thread for each batch of new events (oldest first)."""

    def __init__(
        self, engine: Engine, on_events: Callable[[list[channel.ChannelEvent]], None], *, interval: float = POLL_SECONDS
    ) -> None:
        self.engine = engine
        self.on_events = on_events
        self.interval = interval
        self.last_id: int | None = None  # None until the first look (events before it are history)
        self.polls = 0  # looks at the database so far (the idle cost, for the closing figures)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listen: PoolProxiedConnection | None = None  # the LISTENing connection (PostgreSQL)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="tui-analytics channel", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is None or thread is threading.current_thread():
            return
        if self._listen is not None:  # wake the LISTENing thread instead of waiting out its timeout
            try:
                with self.engine.begin() as conn:
                    channel._notify(conn, 0)
            except Exception:
                pass
        thread.join(timeout=self.interval + 2.0)

    def check(self) -> list[channel.ChannelEvent]:
        """Look once (blocking): hand new events to `on_events` and return them."""
        self.polls += 1
        if self.last_id is None:
            self.last_id = channel.latest_event_id(self.engine)
            return []
        newest = channel.latest_event_id(self.engine)
        if newest < self.last_id:  # the state database was replaced under us: start over from here
            self.last_id = newest
        if newest == self.last_id:
            return []
        events = channel.events_after(self.engine, self.last_id)
        if events:
            self.last_id = events[-1].id
            self.on_events(events)
        return events

    def _run(self) -> None:
        postgres = self.engine.dialect.name == "postgresql"
        while not self._stop.is_set():
            try:
                self.check()
            except Exception as exc:  # the database blinked: say so once a minute at most, keep looking
                log.debug("channel poll failed: %s", exc)
            if postgres:
                self._wait_for_notify()
            else:
                self._stop.wait(self.interval)
        self._close_listen()

    def _wait_for_notify(self) -> None:
        try:
            if self._listen is None:
                raw = self.engine.raw_connection()
                driver = _driver(raw)
                driver.autocommit = True
                driver.execute(f"LISTEN {channel.CHANNEL}")
                self._listen = raw
            for _ in _driver(self._listen).notifies(timeout=LISTEN_SAFETY_SECONDS, stop_after=1):
                break
        except Exception as exc:  # a dropped connection: poll once a second until it comes back
            log.debug("LISTEN failed: %s", exc)
            self._close_listen()
            self._stop.wait(self.interval)

    def _close_listen(self) -> None:
        raw, self._listen = self._listen, None
        if raw is not None:
            try:
                raw.invalidate()  # never back into the pool: it is LISTENing and in autocommit
            except Exception:
                pass
