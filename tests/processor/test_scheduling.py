"""The shared scheduler: one per loop, explicit job options, pause/resume, shut down before the loop closes."""

from __future__ import annotations

import asyncio

import pytest

from tui_analytics.runtime import scheduling
from tui_analytics.runtime.event_types import SchedulerStateChanged
from tui_analytics.runtime.events import EventBus


async def test_one_scheduler_per_loop_with_explicit_job_options() -> None:
    first = scheduling.get_scheduler(EventBus())
    assert scheduling.get_scheduler(EventBus()) is first
    assert scheduling.current_scheduler() is first
    assert first.running and scheduling.state() == "running"

    async def noop() -> None:
        pass

    job = first.add_job(noop, "interval", seconds=60)
    # APScheduler's defaults would be misfire_grace_time=1 (drops late runs).
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, None)
    job.remove()
    scheduling.shutdown_scheduler()


def test_each_loop_gets_its_own_and_it_is_shut_down_when_asyncio_run_ends() -> None:
    seen = []

    async def grab() -> None:
        seen.append(scheduling.get_scheduler(EventBus()))

    asyncio.run(grab())
    asyncio.run(grab())
    assert seen[0] is not seen[1]
    # The guard task turned asyncio.run's final cancellation into a shutdown.
    assert not seen[0].running and not seen[1].running


def test_no_scheduler_without_a_running_loop() -> None:
    with pytest.raises(RuntimeError, match="running asyncio event loop"):
        scheduling.get_scheduler(EventBus())
    assert scheduling.current_scheduler() is None
    assert scheduling.state() == "stopped"
    assert scheduling.pause() == "stopped"


async def test_pause_resume_publish_state_and_hold_back_runs() -> None:
    states: list[str] = []
    bus = EventBus()  # the bus of whoever creates the loop's scheduler: its changes of state go there
    unsubscribe = bus.subscribe(
        lambda e: states.append(e.state) if isinstance(e, SchedulerStateChanged) and e.source == "scheduler" else None
    )
    try:
        scheduler = scheduling.get_scheduler(bus)
        assert scheduling.get_scheduler(EventBus()) is scheduler  # a later caller's bus does not replace it
        ran = asyncio.Event()

        async def job() -> None:
            ran.set()

        scheduler.add_job(job, "interval", seconds=3600, id="probe-job")
        assert scheduling.toggle_pause() == "paused"
        assert scheduling.fire_now("probe-job")
        await asyncio.sleep(0.05)
        assert not ran.is_set()  # paused: due, but not run
        assert scheduling.toggle_pause() == "running"
        await asyncio.wait_for(ran.wait(), 30)  # resumed: the missed run happens (once); 30 s: a hang guard
        assert not scheduling.fire_now("no-such-job")
        assert scheduling.shutdown_scheduler()
        assert not scheduling.shutdown_scheduler()
        assert states == ["running", "paused", "running", "stopped"]
    finally:
        unsubscribe()


async def test_shutdown_on_the_loop_takes_effect_immediately() -> None:
    scheduler = scheduling.get_scheduler(EventBus())
    scheduling.shutdown_scheduler()
    # AsyncIOScheduler.shutdown() alone only queues the work for a later loop turn.
    assert not scheduler.running
    assert scheduling.get_scheduler(EventBus()) is not scheduler  # a fresh one on demand
    scheduling.shutdown_scheduler()
