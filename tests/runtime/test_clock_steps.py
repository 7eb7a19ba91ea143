"""Wall-clock steps: told from the passing of time, and the scheduler's interval jobs keeping their
pace across them (the wall clock and the monotonic one moved separately by a FrozenClock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from tui_analytics.reports.cron import CrontabTrigger
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.clock_steps import ClockStep, StepWatch
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
START = datetime(2026, 1, 15, 12, tzinfo=UTC)


def test_a_step_is_told_from_time_passing_either_way() -> None:
    clock = FrozenClock(START)
    watch = StepWatch(clock)
    assert watch.observe() is None  # the first look takes its bearings
    clock.advance(3600)  # an hour passes: both clocks move
    assert watch.observe() is None
    clock.advance(30)
    clock.step(-120)  # `date -s` two minutes back, while 30 s pass
    step = watch.observe()
    assert step == ClockStep(-120, START + timedelta(seconds=3630), START + timedelta(seconds=3510))
    assert not step.forward and not step.large and step.describe() == "-2 min 0 s"
    assert watch.observe() is None  # handled once: the next look starts from the new time
    clock.step(timedelta(hours=3))
    step = watch.observe()
    assert step is not None and step.forward and step.large and step.describe() == "+3 h 0 min"


def test_a_clock_slewed_by_less_than_the_tolerance_is_no_step() -> None:
    clock = FrozenClock(START)
    watch = StepWatch(clock)
    watch.observe()
    clock.step(1.5)  # NTP slewing over a long wait, a rounding: not a step
    assert watch.observe() is None
    clock.step(-2.4)
    assert watch.observe() == ClockStep(-2, START - timedelta(seconds=-1.5), START + timedelta(seconds=-0.9))


def test_three_hours_either_way_is_large_and_a_step_is_whole_seconds() -> None:
    clock = FrozenClock(START)
    watch = StepWatch(clock)
    watch.observe()
    clock.step(timedelta(hours=3) - timedelta(microseconds=20))  # read a moment apart: still 3 h
    step = watch.observe()
    assert step is not None and step.seconds == 10800 and step.large
    clock.step(timedelta(hours=-3))
    step = watch.observe()
    assert step is not None and step.large and not step.forward
    clock.step(timedelta(hours=2, minutes=59))
    step = watch.observe()
    assert step is not None and not step.large


async def _scheduler(clock: FrozenClock) -> scheduling.LoopScheduler:
    loop = asyncio.get_running_loop()
    scheduler = scheduling.LoopScheduler(
        EventBus(), clock, event_loop=loop, timezone=UTC, job_defaults=dict(scheduling.JOB_DEFAULTS)
    )
    scheduler.start()
    await asyncio.sleep(0)  # its first wake-up takes the clock's bearings
    return scheduler


async def _nothing() -> None:
    return None


async def test_interval_jobs_keep_their_pace_across_a_step_back_and_a_step_forward() -> None:
    clock = FrozenClock(START)
    scheduler = await _scheduler(clock)
    try:
        first = datetime.now(UTC) + timedelta(seconds=40)
        scheduler.add_job(_nothing, "interval", seconds=60, id="every-minute", next_run_time=first)
        daily = scheduler.add_job(_nothing, CrontabTrigger("0 9 * * *", "UTC"), id="report:daily")
        daily_next = daily.next_run_time
        heard: list[int] = []
        scheduler.on_clock_step(lambda step: heard.append(step.seconds))

        clock.step(-120)
        assert scheduler.check_clock() is not None
        # Still 40 s away in elapsed time: its wall time moved back with the clock, so the
        # scheduler (which compares with the wall clock) does not wait two more minutes for it.
        assert scheduler.get_job("every-minute").next_run_time == first - timedelta(minutes=2)
        assert scheduler.get_job("report:daily").next_run_time == daily_next  # cron jobs: the reports' rule
        clock.step(timedelta(hours=3))
        scheduler.check_clock()
        # Forward: it does not fall due (with every other interval job) at once.
        assert scheduler.get_job("every-minute").next_run_time == first + timedelta(hours=3) - timedelta(minutes=2)
        assert heard == [-120, 10800]
        assert scheduler.check_clock() is None  # nothing more moved: nothing to do
    finally:
        scheduler.shutdown()


async def test_a_job_added_after_an_unnoticed_step_is_not_moved_by_it() -> None:
    clock = FrozenClock(START)
    scheduler = await _scheduler(clock)
    try:
        old = datetime.now(UTC) + timedelta(seconds=30)
        scheduler.add_job(_nothing, "interval", seconds=60, id="old", next_run_time=old)
        clock.step(-600)
        # Computed from the new time by whoever adds it; the step is handled before it is added.
        new = datetime.now(UTC) + timedelta(seconds=30)
        scheduler.add_job(_nothing, "interval", seconds=60, id="new", next_run_time=new)
        assert scheduler.get_job("old").next_run_time == old - timedelta(minutes=10)
        assert scheduler.get_job("new").next_run_time == new
        assert scheduler.check_clock() is None
    finally:
        scheduler.shutdown()


async def test_the_scheduler_never_sleeps_longer_than_a_minute() -> None:
    # A step is noticed at the next wake-up, so one comes at least every MAX_WAIT seconds, even
    # when the next job is a day away or there is none.
    clock = FrozenClock(START)
    scheduler = await _scheduler(clock)
    loop = asyncio.get_running_loop()
    try:
        scheduler.add_job(_nothing, CrontabTrigger("0 9 * * *", "UTC"), id="report:daily")
        await asyncio.sleep(0.05)  # the wake-up queued by add_job
        timer = scheduler._timeout
        assert timer is not None and timer.when() - loop.time() <= scheduling.MAX_WAIT
        scheduler.remove_job("report:daily")
        await asyncio.sleep(0.05)
        timer = scheduler._timeout
        assert timer is not None and timer.when() - loop.time() <= scheduling.MAX_WAIT
    finally:
        scheduler.shutdown()


async def test_a_failing_listener_stops_neither_the_others_nor_the_jobs() -> None:
    clock = FrozenClock(START)
    scheduler = await _scheduler(clock)
    try:
        heard: list[int] = []

        def broken(step: object) -> None:
            raise RuntimeError("boom")

        scheduler.on_clock_step(broken)
        stop = scheduler.on_clock_step(lambda step: heard.append(step.seconds))
        clock.step(300)
        assert scheduler.check_clock() is not None and heard == [300]
        stop()
        clock.step(300)
        scheduler.check_clock()
        assert heard == [300]
    finally:
        scheduler.shutdown()


async def test_a_run_cancelled_while_queued_by_the_shutdown_is_no_error(caplog) -> None:
    """Stopping with a run submitted but not begun: APScheduler's executor logged it as an error with
    a CancelledError traceback (`serve` stopped while a job was due); it is a debug line now."""
    import logging

    scheduler = await _scheduler(FrozenClock(START))
    began: list[str] = []

    async def job() -> None:
        began.append("yes")

    with caplog.at_level(logging.DEBUG):
        scheduler.add_job(job, "interval", seconds=60, id="due", next_run_time=datetime.now(UTC))
        executor = scheduler._executors["default"]
        for _ in range(100):  # add_job's wake-up submits it; the shutdown comes before its task runs
            if executor._instances:
                break
            await asyncio.sleep(0)
        scheduler.shutdown()
        await asyncio.sleep(0.05)
    assert began == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "a queued run of due was cancelled" in caplog.text
    assert executor._instances == {}


def test_a_pause_between_reading_the_two_clocks_is_no_step() -> None:
    """A thread descheduled between the monotonic and the wall reading would see the wall clock
    lag by the pause: the clocks are read again until both readings come together."""

    class Preempted:
        def __init__(self) -> None:
            self.mono = [0.0, 0.0, 100.0, 106.0, 100.0, 100.0]  # the second look: 6 s lost mid-read, then clean
            self.wall = [START, START + timedelta(seconds=100), START + timedelta(seconds=100)]

        def now(self) -> datetime:
            return self.wall.pop(0)

        def monotonic(self) -> float:
            return self.mono.pop(0)

    watch = StepWatch(Preempted())
    assert watch.observe() is None
    assert watch.observe() is None  # not a -3 s "step"
