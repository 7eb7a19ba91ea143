"""One scheduler per state database, and knowing whether anyone else is using it.

Two dashboards (or a dashboard and a script) on the same state database would
each schedule every job and report. `SchedulerLock` lets exactly one process
schedule: the others run read-only and can say who holds the lock. It is an
exclusive `flock` on `<state file>.scheduler.lock` for SQLite (released by the
kernel when the process dies, however it dies) and a session-level advisory lock
for a PostgreSQL state database (released when the session ends; a terminated
session loses it, which `refresh()` notices). MySQL/MariaDB use GET_LOCK.

`Presence` is the shared counterpart: every process using a state database holds
it shared. A process that can take it exclusively at start is alone, so every
run still marked 'running' was left by a process that died; otherwise only runs
too old to be alive are marked (see state.recover_interrupted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from tui_analytics.config.settings import mask_url
from tui_analytics.data.engines import normalise_url, on_dispose
from tui_analytics.data.state.lock_backends import (
    PRESENCE_KEY,
    SCHEDULER_KEY,
    FileBackend,
    LockBackend,
    ServerBackend,
    backend_for,
)
from tui_analytics.runtime.aio import cancel_task, running_loop

log = logging.getLogger(__name__)

_program: str | None = None
_may_schedule = True


def set_program(name: str) -> None:
    """How this process names itself to others ('dashboard', 'report scheduler'...)."""
    global _program
    _program = name


def never_schedule() -> None:
    """This process never takes the scheduler lock (a browser session's dashboard, unless `web --schedule`):
    its services run read-only, attached to whoever schedules, as when another process holds the lock."""
    global _may_schedule
    _may_schedule = False


def _program_name() -> str:
    if _program:
        return _program
    argv = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:2]]
    return " ".join(argv)


def process_label() -> str:
    """This process as history rows name it: "serve (pid 12 on db1)"."""
    return f"{_program_name()} (pid {os.getpid()} on {socket.gethostname()})"


@dataclass(frozen=True)
class LockHolder:
    """Who holds the scheduler lock."""

    pid: int
    host: str
    program: str
    since: str  # ISO 8601, UTC

    def describe(self) -> str:
        if self.pid <= 0:  # not known which process (see SchedulerLock.holder)
            return self.program
        since = self.since[:19].replace("T", " ")
        return f"{self.program} (pid {self.pid} on {self.host}, since {since} UTC)"

    def ended(self) -> bool:
        """True when the process it names is known to have ended: on this host, no such pid. The
        note stays in the lock file after its writer ends, and anyone who could open the file could
        hold the lock under it. (On another host, or a pid reused since, it cannot be told.)"""
        if self.pid <= 0 or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False

    @classmethod
    def mine(cls) -> LockHolder:
        return cls(os.getpid(), socket.gethostname(), _program_name(), datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @classmethod
    def parse(cls, text: str | None) -> LockHolder | None:
        try:
            return cls(**json.loads(text or ""))
        except (ValueError, TypeError):
            return None


# -- the scheduler lock -----------------------------------------------------------


class SchedulerLock:
    """The right to schedule on one state database. Thread-safe; blocking (SQL on server databases).

    Services `join` it (the first join tries to take the lock) and `leave` it
    when they stop (the last one out releases it). `refresh()` checks a held
    lock is still ours (a killed PostgreSQL session loses it) and tries to take
    a free one; `watch()` runs that from the event loop every `refresh_interval`
    seconds and tells the subscribers, on the loop, when the lock was gained or lost.
    """

    refresh_interval = 15.0  # checking a lock we hold is still ours
    # Looking for a free lock while another process holds it: an attached dashboard notices a
    # scheduler that went away (kill -9 included) within this, and takes over.
    takeover_interval = 2.0

    def __init__(self, state_url: str) -> None:
        self.state_url = state_url
        self._backend = backend_for(state_url, SCHEDULER_KEY)
        self._lock = threading.RLock()
        self._owners: set[int] = set()
        self._listeners: list[Callable[[bool], None]] = []
        self._watchers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self.held = False
        self.me = LockHolder.mine()
        self.last_error: str | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free (no-op when held); True when this process holds it."""
        with self._lock:
            if self.held:
                return True
            if not _may_schedule:
                return False
            self.me = LockHolder.mine()
            try:
                self.held = self._backend.acquire(write=json.dumps(asdict(self.me)))
                self.last_error = None
            except Exception as exc:  # the state database is unreachable: nobody schedules from here
                self.held = False
                self.last_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("cannot take the scheduler lock: %s", self.last_error)
                self._backend.release()
            if self.held:
                log.info("scheduler lock taken on %s", mask_url(self.state_url))
            return self.held

    def join(self, owner: object) -> bool:
        with self._lock:
            self._owners.add(id(owner))
            return self.try_acquire()

    def leave(self, owner: object) -> None:
        with self._lock:
            self._owners.discard(id(owner))
            if self._owners:
                return
            watchers, self._watchers = list(self._watchers.values()), {}
            self.release()
        for task in watchers:
            cancel_task(task)

    def release(self) -> None:
        with self._lock:
            was = self.held
            self.held = False
            self._backend.release()
        if was:
            log.info("scheduler lock released")

    def refresh(self) -> bool:
        """Check a held lock is still ours; try to take a free one. Returns whether we hold it now."""
        with self._lock:
            if self.held and not self._backend.alive():
                self.held = False
                log.warning("the scheduler lock was lost (the state database session ended)")
            if not self.held and self._owners:
                self.try_acquire()
            return self.held

    def subscribe(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        """`listener(held)` is called on the event loop when `watch` sees the lock gained or lost."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def notify(self, held: bool) -> None:
        for listener in list(self._listeners):
            try:
                listener(held)
            except Exception:
                log.exception("scheduler lock listener failed")

    def watch(self) -> None:
        """Refresh the lock periodically from the running loop (one task per loop; idempotent)."""
        loop = asyncio.get_running_loop()
        task = self._watchers.get(loop)
        if task is None or task.done():
            self._watchers[loop] = loop.create_task(self._watch(self.held), name="tui-analytics scheduler lock")

    async def _watch(self, told: bool) -> None:
        # `told`: the state the services last acted on (a refresh by anyone else may change `held`).
        while True:
            await asyncio.sleep(self.refresh_interval if self.held else self.takeover_interval)
            try:
                held = await asyncio.to_thread(self.refresh)
            except Exception:
                log.exception("scheduler lock refresh failed")
                continue
            if held != told:
                told = held
                self.notify(held)

    def holder(self) -> LockHolder | None:
        """Who holds the lock now: this process, another one, or None when it is free or unknown."""
        if self.held:
            return self.me
        try:
            with self._lock:
                text = self._backend.holder_text()
        except Exception:
            log.debug("cannot read the scheduler lock holder", exc_info=True)
            return None
        if text is None:
            return None
        holder = LockHolder.parse(text)
        if holder is None:
            return LockHolder(0, "?", "another process (no details recorded)", "")
        if holder.ended():
            return LockHolder(0, "?", "an unknown process (the note in the lock file is stale)", "")
        return holder


_locks: dict[str, SchedulerLock] = {}
_registry_lock = threading.Lock()


def scheduler_lock(state_url: str) -> SchedulerLock:
    """The process-wide lock object for a state database (the processor and reports share it)."""
    key = normalise_url(state_url)
    with _registry_lock:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = SchedulerLock(state_url)
        return lock


class Lease:
    """One service's use of the scheduler lock: claim it when scheduling, drop it when stopping.

    `on_change(held)` runs on the event loop when the lock is gained (the holder
    exited) or lost (its database session was killed). `on_claimed()` runs once when
    a claim first succeeds (again after a drop): the housekeeping only the process
    that schedules does, such as marking runs a dead process left 'running'.
    """

    def __init__(
        self,
        state_url: str,
        on_change: Callable[[bool], None],
        lock: SchedulerLock | None = None,
        on_claimed: Callable[[], None] | None = None,
    ) -> None:
        self._state_url = state_url
        self._on_change = on_change
        self.lock = lock
        self._unsubscribe: Callable[[], None] | None = None
        self._on_claimed = on_claimed
        self._claimed = False

    def claim(self) -> bool:
        """Join the lock (taking it when free) and watch it from the running loop; True when we may schedule."""
        if self.lock is None:
            self.lock = scheduler_lock(self._state_url)
        if self._unsubscribe is None:
            self._unsubscribe = self.lock.subscribe(self._on_change)
        held = self.lock.join(self)
        if held and not self._claimed:
            self._claimed = True
            if self._on_claimed is not None:
                try:
                    self._on_claimed()
                except Exception:  # housekeeping: scheduling goes on without it
                    log.exception("start-up housekeeping of the scheduler failed")
        if running_loop() is not None:
            self.lock.watch()
        return held

    def drop(self) -> None:
        self._claimed = False
        if self.lock is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.lock.leave(self)

    @property
    def held(self) -> bool:
        return self.lock is not None and self.lock.held

    def holder(self) -> LockHolder | None:
        """Who schedules on this state database (blocking on a server database)."""
        lock = self.lock or scheduler_lock(self._state_url)
        return lock.holder()


# -- presence ---------------------------------------------------------------------


_presence: dict[str, LockBackend] = {}  # the presence lock of each state database this process uses
_alone: dict[str, bool] = {}
_alone_told: dict[str, set[str]] = {}


def join_presence(state_url: str) -> bool:
    """Register this process as a user of the state database (once per process and URL).

    Returns (and `was_alone` tells later) whether no other live process used the
    database when this one joined: then every run still marked 'running' is dead,
    which the process that takes the scheduler lock uses to recover them. Never
    raises for the lock itself: without it, recovery only trusts age.
    """
    key = normalise_url(state_url)
    with _registry_lock:
        if key in _presence:
            return _alone.get(key, False)
        backend = backend_for(state_url, PRESENCE_KEY)
        _presence[key] = backend
    # MySQL has no shared named locks, and an in-memory database has no peers: never "alone" there.
    can_tell = isinstance(backend, FileBackend) or getattr(backend, "kind", "") == "postgresql"
    alone = False
    try:
        alone = can_tell and backend.acquire(shared=False)
    except Exception:
        log.debug("presence lock unavailable", exc_info=True)
    _alone[key] = bool(alone)
    if can_tell:
        try:
            _share(backend, alone)
        except Exception:
            log.debug("presence lock unavailable", exc_info=True)
    return bool(alone)


def was_alone(state_url: str, what: str) -> bool:
    """Whether this process was the only user of the state database when it joined, told once
    per `what` (a table): afterwards runs marked 'running' may be this process's own, live."""
    key = normalise_url(state_url)
    with _registry_lock:
        told = _alone_told.setdefault(key, set())
        if what in told:
            return False
        told.add(what)
        return _alone.get(key, False)


def _share(backend: LockBackend, exclusive: bool) -> None:
    if exclusive and isinstance(backend, ServerBackend):
        backend.downgrade()
        return
    # flock converts exclusive -> shared in place; a peer starting up may hold it exclusively for a moment.
    deadline = time.monotonic() + 5.0
    while not backend.acquire(shared=True) and time.monotonic() < deadline:
        time.sleep(0.05)


def release_all() -> None:
    """Drop every lock this process holds (tests between cases; dispose_all calls it)."""
    with _registry_lock:
        locks, presence = list(_locks.values()), list(_presence.values())
        _locks.clear()
        _presence.clear()
        _alone.clear()
        _alone_told.clear()
    for lock in locks:
        lock.release()
    for backend in presence:
        backend.release()


on_dispose(release_all)
