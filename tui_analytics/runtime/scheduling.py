"""The one APScheduler scheduler per asyncio loop, shared by the processor and the reports service.

`get_scheduler()` creates an `AsyncIOScheduler` on the running loop the first
time it is asked and returns the same one afterwards. Job options are explicit
(APScheduler's defaults drop a run that is more than one second late):
`max_instances=1`, `coalesce=True` and no misfire limit, so a run delayed by a
busy loop, a paused scheduler or a sleeping laptop happens once, late, instead
of silently never.

The scheduler is shut down before its loop closes: by `shutdown_scheduler()`
(the dashboard calls it on unmount), or at the latest when `asyncio.run()`
cancels the loop's remaining tasks, which wakes a small guard task.

`pause()`, `resume()`, `toggle_pause()` and `state()` are what the dashboard's
`p` key uses. Each change of state is published as SchedulerStateChanged on the bus
given to `get_scheduler()` by whoever created the loop's scheduler (in a composition
root the processor and the reports service share one bus).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from datetime import datetime, timezone
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED

from tui_analytics.runtime.aio import running_loop
from tui_analytics.runtime.event_types import SchedulerStateChanged
from tui_analytics.runtime.events import EventBus

log = logging.getLogger(__name__)

# Passed explicitly by every add_job too; here so a job added without them is safe.
JOB_DEFAULTS: dict[str, object] = {
    "max_instances": 1,
    "coalesce": True,
    # None = run however late (once, thanks to coalesce). The default (1 s) drops runs.
    "misfire_grace_time": None,
}

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"

_STATE_NAMES = {STATE_RUNNING: RUNNING, STATE_PAUSED: PAUSED, STATE_STOPPED: STOPPED}


# APScheduler 3 ships no type information, so its classes are Any to the type checker.
class LoopScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """An AsyncIOScheduler whose shutdown takes effect at once when called on its loop, and
    which says its changes of state on `bus`.

    AsyncIOScheduler.shutdown() only queues the work with call_soon_threadsafe,
    so a shutdown right before the loop closes would never run.
    """

    def __init__(self, bus: EventBus, **options: Any) -> None:
        super().__init__(**options)
        self.bus = bus

    def publish(self, state_name: str) -> None:
        self.bus.publish(SchedulerStateChanged("scheduler", state_name))

    def shutdown(self, wait: bool = False) -> None:  # noqa: D102 - see class doc
        # Set by AsyncIOScheduler.start(); untyped in APScheduler.
        loop: asyncio.AbstractEventLoop | None = getattr(self, "_eventloop", None)
        if not self.running:
            return
        if loop is None or loop.is_closed() or running_loop() is loop or not loop.is_running():
            super(AsyncIOScheduler, self).shutdown(wait=False)
            self._stop_timer()
            self._eventloop = None
        else:
            super().shutdown(wait=False)


_schedulers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopScheduler] = weakref.WeakKeyDictionary()
_guards: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def get_scheduler(bus: EventBus) -> LoopScheduler:
    """The started scheduler of the running loop, created on first use (saying its changes of
    state on `bus`; a scheduler created earlier keeps the bus it was created with).

    Raises RuntimeError outside a running loop: APScheduler's AsyncIOScheduler
    can only start on the loop it will run on.
    """
    loop = running_loop()
    if loop is None:
        raise RuntimeError("the scheduler needs a running asyncio event loop")
    with _lock:
        scheduler = _schedulers.get(loop)
        if scheduler is not None and scheduler.running:
            return scheduler
        scheduler = LoopScheduler(bus, event_loop=loop, timezone=timezone.utc, job_defaults=dict(JOB_DEFAULTS))
        scheduler.start()
        _schedulers[loop] = scheduler
    _install_guard(loop)
    scheduler.publish(RUNNING)
    return scheduler


def current_scheduler(loop: asyncio.AbstractEventLoop | None = None) -> LoopScheduler | None:
    """The running loop's scheduler if one was created and is not shut down; never creates one."""
    loop = loop or running_loop()
    if loop is None:
        return None
    with _lock:
        scheduler = _schedulers.get(loop)
    return scheduler if scheduler is not None and scheduler.running else None


def _install_guard(loop: asyncio.AbstractEventLoop) -> None:
    # asyncio.run() (and Textual, pytest-asyncio) cancel leftover tasks before
    # closing the loop; this task turns that cancellation into a clean shutdown.
    with _lock:
        guard = _guards.get(loop)
        if guard is not None and not guard.done():
            return

        async def guard_task() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                shutdown_scheduler(loop)

        _guards[loop] = loop.create_task(guard_task(), name="tui-analytics scheduler guard")


def shutdown_scheduler(loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """Shut down the loop's scheduler (running jobs are not waited for); True if there was one."""
    loop = loop or running_loop()
    if loop is None:
        return False
    with _lock:
        scheduler = _schedulers.pop(loop, None)
        guard = _guards.pop(loop, None)
    if guard is not None and not guard.done() and guard is not _current_task():
        guard.cancel()
    if scheduler is None or not scheduler.running:
        return False
    try:
        scheduler.shutdown(wait=False)
    except Exception:  # never let shutdown trouble mask the reason the loop is closing
        log.exception("scheduler shutdown failed")
    scheduler.publish(STOPPED)
    return True


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def state(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """'running', 'paused' or 'stopped' (no scheduler on this loop)."""
    scheduler = current_scheduler(loop)
    return STOPPED if scheduler is None else _STATE_NAMES.get(scheduler.state, STOPPED)


def pause(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Stop firing jobs (running ones finish); returns the new state."""
    scheduler = current_scheduler(loop)
    if scheduler is not None and scheduler.state == STATE_RUNNING:
        scheduler.pause()
        scheduler.publish(PAUSED)
    return state(loop)


def resume(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Fire jobs again; runs missed while paused happen once now. Returns the new state."""
    scheduler = current_scheduler(loop)
    if scheduler is not None and scheduler.state == STATE_PAUSED:
        scheduler.resume()
        scheduler.publish(RUNNING)
    return state(loop)


def toggle_pause(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Pause when running, resume when paused; returns the new state."""
    return resume(loop) if state(loop) == PAUSED else pause(loop)


def fire_now(job_id: str, loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """Make a scheduled job due now, through the scheduler (tests, 'run the schedule now').

    Unlike calling the job directly this goes through APScheduler's executor,
    so its max_instances and coalescing apply. False when there is no such job.
    """
    scheduler = current_scheduler(loop)
    job = scheduler.get_job(job_id) if scheduler is not None else None
    if job is None:
        return False
    job.modify(next_run_time=datetime.now(timezone.utc))
    return True
