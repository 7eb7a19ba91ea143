"""The channel between processes on one state database: a dashboard attached to the scheduling process.

Two composition roots in one test stand for two processes: `scheduler` holds the
scheduler lock, `attached` has its own lock handle (a second open file on SQLite,
as another process would) and so runs read-only. Nothing runs in the background:
the test flushes the writer and asks each watcher to look, so every step is exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, inspect

from tests.support.event_samples import SAMPLES
from tests.support.processor_fakes import FakeRepository
from tui_analytics.config.settings import Settings
from tui_analytics.data.state import channel_tables as channel
from tui_analytics.data.state.database import add_missing_columns, open_state
from tui_analytics.data.state.locking import SchedulerLock
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.event_types import Event, JobFinished
from tui_analytics.runtime.events import EventBus
from tui_analytics.wiring import Services

OPTIONS = {"probe_loop_lag": False, "warm_on_start": False}


def _root(settings: Settings, clock: FrozenClock, repo: FakeRepository, origin: str) -> Services:
    lock = SchedulerLock(settings.resolved_state_url)  # its own lock handle, as another process has
    root = Services(
        settings,
        clock=clock,
        bus=EventBus(),
        repository=repo,
        processor_options={**OPTIONS, "scheduler_lock": lock},
        reports_options={"scheduler_lock": lock},
    )
    root.channel.origin = origin  # two "processes" in one: each names itself
    return root


@pytest.fixture
async def pair(settings: Settings, frozen_clock: FrozenClock) -> AsyncIterator[tuple[Services, Services]]:
    repo = FakeRepository(frozen_clock)
    scheduler = _root(settings, frozen_clock, repo, "db1:100")
    attached = _root(settings, frozen_clock, repo, "db2:200")
    loop = asyncio.get_running_loop()
    for root in (scheduler, attached):
        await asyncio.to_thread(root.open)
        root.start(follow=False)
        root.channel.tell(background=False)
        root.channel.follow(loop, background=False)
        await _look(root)  # the starting point: older events are history
    assert scheduler.channel.scheduling() and attached.channel.attached()
    yield scheduler, attached
    for root in (attached, scheduler):
        root.stop(interrupt=True)


async def _look(root: Services) -> list[channel.ChannelEvent]:
    watcher = root.channel.watcher
    assert watcher is not None  # the channel follows (the pair fixture asked it to)
    return await asyncio.to_thread(watcher.check)


async def test_a_job_run_by_the_scheduler_shows_in_the_attached_dashboard(pair) -> None:
    scheduler, attached = pair
    seen: list[Event] = []
    attached.processor.bus.subscribe(seen.append)
    run = await scheduler.processor.trigger_job("top-items")
    assert run.status == "completed"
    assert attached.processor.get_cached("top-items:10") is None  # nothing until the channel says so
    await asyncio.to_thread(scheduler.channel.flush)
    events = await _look(attached)
    assert {e.kind for e in events} >= {"job.started", "job.finished", "cache.changed"}
    assert all(e.origin == "db1:100" for e in events)
    # The attached side now has the scheduler's truth: the run, its cache entry (same age), its counters.
    status = attached.processor.get_job_status("top-items")
    assert (status.status, status.runs) == ("completed", 1)
    mirrored = attached.processor.get_cache_entries("top-items*")
    assert [e.key for e in mirrored] == ["top-items:10"]
    assert mirrored[0].stored_at == scheduler.processor.get_cached("top-items:10").stored_at
    assert attached.processor.cache_stats().size == scheduler.processor.cache.stats().size
    # ...and its own listeners heard about it, marked as coming from elsewhere (the panes redraw).
    assert any(isinstance(e, JobFinished) and e.remote == "db1:100" for e in seen)


async def test_the_attached_side_asks_and_the_scheduler_does_it(pair) -> None:
    scheduler, attached = pair
    asked = asyncio.create_task(attached.channel.request("trigger", "user-growth"))
    await asyncio.sleep(0)  # let it post
    for _ in range(50):  # the scheduler looks, as its watcher thread does each second
        if await _look(scheduler) or asked.done():
            break
        await asyncio.sleep(0.02)
    command = await asyncio.wait_for(asked, 10)
    assert command.status == "done" and command.result["status"] == "completed"
    assert command.done_by and "pid" in command.done_by
    runs = await scheduler.processor.get_recent_runs("user-growth")
    assert [(r.trigger, r.status) for r in runs] == [("manual", "completed")]
    assert runs[0].origin and "pid" in runs[0].origin  # the history names the process that ran it


async def test_clear_and_pause_act_on_the_scheduler(pair) -> None:
    scheduler, attached = pair
    await scheduler.processor.trigger_job("top-items")
    assert len(scheduler.processor.cache) > 0
    assert await scheduler.channel.execute("clear", "") == {"removed": 1}
    assert len(scheduler.processor.cache) == 0
    await asyncio.to_thread(scheduler.channel.flush)
    await _look(attached)
    assert attached.processor.get_cache_entries() == []
    assert (await scheduler.channel.execute("pause", ""))["state"] == "paused"
    await asyncio.to_thread(scheduler.channel.flush)
    await _look(attached)
    assert attached.channel.status is not None and attached.channel.status["state"] == "paused"
    assert (await scheduler.channel.execute("resume", ""))["state"] == "running"


async def test_a_template_changed_elsewhere_is_scheduled_by_the_scheduler(pair) -> None:
    scheduler, attached = pair
    template = await asyncio.to_thread(
        attached.reports.create_report_template,
        name="Every minute",
        schedule="custom",
        cron="* * * * *",
        datasets=["top-items"],
        format="csv",
    )
    assert template.id not in scheduler.reports.schedule.scheduled_ids()
    await asyncio.to_thread(attached.channel.flush)
    events = await _look(scheduler)
    assert [e.kind for e in events] == ["templates.changed"]
    for _ in range(100):  # restart runs on the loop, then adds the jobs in a task
        await asyncio.sleep(0.01)
        if template.id in scheduler.reports.schedule.scheduled_ids():
            break
    assert template.id in scheduler.reports.schedule.scheduled_ids()


async def test_one_wait_for_an_answer_serves_the_dashboard_and_the_shell(settings: Settings) -> None:
    root = Services(settings)  # the system clock: the waits below end on time
    engine = await asyncio.to_thread(root.open_state)

    async def scheduling_process() -> None:  # claims and answers, as its channel does
        while not (claimed := await asyncio.to_thread(channel.claim_commands, engine, "serve", root.clock.now())):
            await asyncio.sleep(0.01)
        await asyncio.to_thread(channel.finish_command, engine, claimed[0].id, True, {"removed": 3}, root.clock.now())

    answering = asyncio.create_task(scheduling_process())
    asked = await root.channel.ask("clear", "*", timeout=10, poll=0.02)
    await answering
    assert asked.command is not None and (asked.command.status, asked.command.result) == ("done", {"removed": 3})
    # Nobody answers now: the wait ends at its timeout with the command as it stood, and the
    # dashboard's request says so in one line.
    late = await root.channel.ask("clear", "*", timeout=0.05, poll=0.02)
    assert late.command is not None and late.command.status == "pending" and not late.unclaimed
    with pytest.raises(RuntimeError, match="no answer from the scheduling process within 0.05 s"):
        await root.channel.request("clear", timeout=0.05)


def test_every_event_type_comes_back_from_the_state_database(settings: Settings, frozen_clock: FrozenClock) -> None:
    engine = open_state(settings)
    now = frozen_clock.now()
    channel.post_events(engine, SAMPLES.values(), now, "db1:100")
    channel.post_command(engine, "clear", "", now, "db2:200")
    rows = channel.events_after(engine, 0)
    assert [row.event for row in rows[:-1]] == [replace(e, at=now, remote="db1:100") for e in SAMPLES.values()]
    assert (rows[-1].kind, rows[-1].event) == (channel.COMMAND_EVENT, None)


def test_commands_are_claimed_once_and_expire_unclaimed(settings: Settings, frozen_clock: FrozenClock) -> None:
    engine = open_state(settings)
    first = channel.post_command(engine, "trigger", "top-items", frozen_clock.now(), "db2:200")
    assert [c.id for c in channel.claim_commands(engine, "a", frozen_clock.now())] == [first]
    assert channel.claim_commands(engine, "b", frozen_clock.now()) == []  # taken already
    late = channel.post_command(engine, "clear", "", frozen_clock.now(), "db2:200")
    frozen_clock.advance(timedelta(seconds=channel.COMMAND_LIFETIME_S + 1))
    assert channel.claim_commands(engine, "a", frozen_clock.now()) == []
    expired = channel.read_command(engine, late)
    assert expired is not None and expired.status == "expired"
    with pytest.raises(ValueError, match="unknown command"):
        channel.post_command(engine, "drop-tables", "", frozen_clock.now())


def test_the_snapshot_keeps_values_ages_and_stale_marks(settings: Settings, frozen_clock: FrozenClock) -> None:
    engine = open_state(settings)
    now = frozen_clock.now()
    entry = channel.SnapshotEntry(
        "top-items:10",
        [{"rank": 1, "name": "Chair"}],
        now - timedelta(seconds=90),
        now + timedelta(seconds=600),
        700.0,
        True,
        "db blinked",
        now,
    )
    channel.write_snapshot(engine, [entry])
    channel.write_snapshot(engine, [entry])  # rewriting a key replaces it
    assert channel.read_snapshot(engine) == [entry]
    channel.write_snapshot(engine, [], gone=["top-items:10"])
    assert channel.read_snapshot(engine) == []


def test_restored_entries_keep_their_age_and_expire_on_time(frozen_clock: FrozenClock) -> None:
    from tui_analytics.processor.cache import AnalyticsCache, CacheEntry

    cache = AnalyticsCache(clock=frozen_clock)
    changes: list[Any] = []
    cache.on_change = lambda *a: changes.append(a)
    now = frozen_clock.now()
    cache.restore(
        [
            CacheEntry("a", 1, now - timedelta(seconds=50), now + timedelta(seconds=10), 60.0),
            CacheEntry("b", 2, now - timedelta(seconds=99), now - timedelta(seconds=1), 60.0),
        ]
    )
    assert [e.key for e in cache.entries()] == ["a"]  # an expired one is not brought back
    assert cache.peek("a").age(now) == 50  # type: ignore[union-attr]
    assert changes == []  # restoring is not a change to tell anyone about
    frozen_clock.advance(11)
    assert cache.entries() == []


def test_an_older_state_database_gains_the_new_columns(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    old = MetaData()
    Table(
        "job_runs",
        old,
        Column("id", Integer, primary_key=True),
        Column("job_id", String(50)),
        Column("trigger", String(20)),
        Column("scheduled_for", DateTime),
        Column("started_at", DateTime),
        Column("finished_at", DateTime),
        Column("duration_ms", Integer),
        Column("status", String(20)),
        Column("error", String),
    )
    old.create_all(engine)
    assert add_missing_columns(engine) == ["job_runs.origin"]
    assert "origin" in {c["name"] for c in inspect(engine).get_columns("job_runs")}
    assert add_missing_columns(engine) == []  # nothing to do the second time
