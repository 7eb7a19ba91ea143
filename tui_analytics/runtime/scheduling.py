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

The scheduler runs on two clocks. APScheduler keeps each job's next run as a wall-clock time,
but its loop waits on the monotonic clock, and at each wake-up (at least once every
`MAX_WAIT` seconds, as cron(8) wakes each minute) `LoopScheduler` first asks a `StepWatch`
(runtime/clock_steps.py) whether the wall clock was stepped since the last wake-up. When it
was, interval jobs keep their pace: their next runs move by the step, so a step back does not
stall them and a step forward does not run them all at once. Then the step goes to the
listeners of `on_clock_step` (the report schedule applies cron's rule to its slots) before any
job is looked at.

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
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED
from apscheduler.triggers.interval import IntervalTrigger

from tui_analytics.runtime.aio import running_loop
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.clock_steps import ClockStep, StepWatch
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

# The longest the scheduler sleeps: a wall-clock step is noticed within this many seconds even when
# no job is due for hours (cron(8) wakes every minute for the same reason).
MAX_WAIT = 60.0

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"

_STATE_NAMES = {STATE_RUNNING: RUNNING, STATE_PAUSED: PAUSED, STATE_STOPPED: STOPPED}


# APScheduler 3 ships no type information, so its classes are Any to the type checker.
class LoopExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """APScheduler's asyncio executor, except that a run cancelled before it began (the scheduler
    or the loop stopping with it queued) is a debug line: APScheduler logs it as an error with a
    CancelledError traceback. A run cancelled once begun is the job's own to record."""

    def _run_job_error(self, job_id: str, exc: BaseException, traceback: object = None) -> None:
        if not isinstance(exc, asyncio.CancelledError):
            super()._run_job_error(job_id, exc, traceback)
            return
        with self._lock:  # BaseExecutor's count of the job's running instances, as the base does it
            self._instances[job_id] -= 1
            if self._instances[job_id] == 0:
                del self._instances[job_id]
        log.debug("a queued run of %s was cancelled: the scheduler is stopping", job_id)


class LoopScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """An AsyncIOScheduler whose shutdown takes effect at once when called on its loop, and
    which says its changes of state on `bus`.

    AsyncIOScheduler.shutdown() only queues the work with call_soon_threadsafe,
    so a shutdown right before the loop closes would never run.

    Before it looks for due jobs, and before a job is added or changed, it looks for a step of
    the wall clock (see the module docstring); `clock` is where it reads both clocks.
    """

    def __init__(self, bus: EventBus, clock: Clock = SYSTEM_CLOCK, **options: Any) -> None:
        super().__init__(**options)
        self.bus = bus
        self.steps = StepWatch(clock)
        self._step_listeners: list[Callable[[ClockStep], None]] = []
        self._checking = threading.local()

    # -- clock steps --------------------------------------------------------------------

    def on_clock_step(self, listener: Callable[[ClockStep], None]) -> Callable[[], None]:
        """Call `listener(step)` on the loop when a wall-clock step is noticed, after interval jobs
        were moved and before due jobs are run; returns the function that stops it."""
        self._step_listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._step_listeners:
                self._step_listeners.remove(listener)

        return unsubscribe

    def check_clock(self) -> ClockStep | None:
        """Handle a wall-clock step since the last look, if there was one; returns it."""
        if getattr(self._checking, "active", False):
            return None  # a listener changing a job: the step is being handled already
        self._checking.active = True
        try:
            step = self.steps.observe()
            if step is None:
                return None
            log.warning(
                "the wall clock was stepped %s (from %s to %s): interval jobs keep their pace",
                step.describe(),
                f"{step.before:%Y-%m-%dT%H:%M:%SZ}",
                f"{step.after:%Y-%m-%dT%H:%M:%SZ}",
            )
            self._keep_interval_pace(step)
            for listener in list(self._step_listeners):
                try:
                    listener(step)
                except Exception:  # one listener's trouble must not stop the jobs
                    log.exception("handling the clock step failed")
            return step
        finally:
            self._checking.active = False

    def _keep_interval_pace(self, step: ClockStep) -> None:
        # The next run stays as far away in elapsed time as it was: its wall time moves with the clock.
        shift = timedelta(seconds=step.seconds)
        for job in self.get_jobs():
            if isinstance(job.trigger, IntervalTrigger) and job.next_run_time is not None:
                self.modify_job(job.id, next_run_time=job.next_run_time + shift)

    def _create_default_executor(self) -> LoopExecutor:
        return LoopExecutor()

    def _process_jobs(self) -> float | None:
        self.check_clock()
        wait: float | None = super()._process_jobs()
        return wait

    def _start_timer(self, wait_seconds: float | None) -> None:
        if getattr(self, "_eventloop", None) is None or not self.running:
            return  # a wake-up queued before the shutdown: nothing to wake up for
        super()._start_timer(MAX_WAIT if wait_seconds is None else min(wait_seconds, MAX_WAIT))

    def add_job(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - APScheduler's, after a clock check
        if self.running:
            self.check_clock()
        return super().add_job(*args, **kwargs)

    def modify_job(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - APScheduler's, after a clock check
        if self.running:
            self.check_clock()
        return super().modify_job(*args, **kwargs)

    def resume(self) -> None:  # noqa: D102 - APScheduler's, after a clock check
        self.check_clock()
        super().resume()

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


def get_scheduler(bus: EventBus, clock: Clock = SYSTEM_CLOCK) -> LoopScheduler:
    """The started scheduler of the running loop, created on first use (saying its changes of
    state on `bus`, looking for clock steps on `clock`; a scheduler created earlier keeps the bus
    and the clock it was created with).

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
        scheduler = LoopScheduler(bus, clock, event_loop=loop, timezone=timezone.utc, job_defaults=dict(JOB_DEFAULTS))
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
