"""job-late: no successful run for longer than the grace period (3 intervals by default), on a
frozen clock that the tests move; and how a late incident meets failures and recovery."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from tests.alerts.conftest import target
from tests.support.processor_fakes import FakeRepository

TOP = [("top-items", 900.0)]


async def test_a_job_is_late_after_three_intervals_without_success_alerted_once_then_recovered(make_services, hook, frozen_clock):
    root = await make_services(target("ops", hook.url()))
    alerts = root.alerts
    assert (await root.processor.trigger_job("top-items")).status == "completed"
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(3 * 900)  # exactly the grace: not yet
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(1)
    assert alerts.check_late(TOP) == ["top-items"]
    frozen_clock.advance(600)
    assert alerts.check_late(TOP) == ["top-items"]  # still late, but the incident is open: no second alert
    assert alerts.drain(10)
    bodies = hook.bodies()
    assert [b["event"] for b in bodies] == ["job-late"]
    assert bodies[0]["text"] == (
        "[tui-analytics] job top-items is late: no successful run for 45 min (late after 3 × 15 min) (on test-host)"
    )
    assert bodies[0]["failures"] == 0
    await root.processor.trigger_job("top-items")
    assert alerts.drain(10)
    assert [b["event"] for b in hook.bodies()] == ["job-late", "recovered"]
    assert "job top-items recovered; failing since" in hook.bodies()[1]["text"]


async def test_the_grace_is_configurable_and_counts_from_the_start_of_watching(make_services, hook, frozen_clock):
    root = await make_services(target("ops", hook.url()), grace=1.5)
    # No run at all yet: the grace counts from the first look, not from the epoch.
    assert root.alerts.check_late(TOP) == []
    frozen_clock.advance(1.5 * 900 + 1)
    assert root.alerts.check_late(TOP) == ["top-items"]


async def test_time_does_not_count_while_the_scheduler_does_not_run(make_services, hook, frozen_clock):
    root = await make_services(target("ops", hook.url()))
    alerts = root.alerts
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(10 * 900)  # paused (or read-only) for a long time
    assert alerts.check_late(TOP, running=False) == []
    frozen_clock.advance(2 * 900)  # resumed: two intervals since, not twelve
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(900 + 1)
    assert alerts.check_late(TOP) == ["top-items"]


async def test_a_late_incident_tells_the_failed_only_target_when_the_job_then_fails(make_services, frozen_clock):
    from tests.support.webhook import Hook

    repo = FakeRepository(frozen_clock)
    with Hook() as late_hook, Hook() as failed_hook:
        root = await make_services(
            target("late", late_hook.url(), on=frozenset({"job-late", "recovered"})),
            target("failed", failed_hook.url(), on=frozenset({"job-failed"})),
            repository=repo,
        )
        alerts = root.alerts
        alerts.check_late(TOP)
        frozen_clock.advance(3 * 900 + 1)
        alerts.check_late(TOP)
        repo.fail["top_items"] = RuntimeError("boom")
        await root.processor.trigger_job("top-items")
        await root.processor.trigger_job("top-items")
        assert alerts.drain(10)
        assert [b["event"] for b in late_hook.bodies()] == ["job-late"]
        assert [b["event"] for b in failed_hook.bodies()] == ["job-failed"]  # once, though it failed twice
        assert failed_hook.bodies()[0]["since"] == late_hook.bodies()[0]["at"]  # the same incident
        repo.fail.clear()
        await root.processor.trigger_job("top-items")
        assert alerts.drain(10)
        # "recovered" goes to whoever was told and asked for it.
        assert [b["event"] for b in late_hook.bodies()] == ["job-late", "recovered"]
        assert [b["event"] for b in failed_hook.bodies()] == ["job-failed"]
        assert "after 2 failed runs" in late_hook.bodies()[1]["text"]


async def test_without_a_job_late_target_nothing_is_checked(make_services, hook, frozen_clock):
    root = await make_services(target("ops", hook.url(), on=frozenset({"job-failed"})))
    root.alerts.check_late(TOP)
    frozen_clock.advance(100 * 900)
    assert root.alerts.check_late(TOP) == []
    assert root.alerts.store.open_incidents() == []


async def test_the_scheduling_process_checks_on_its_loop(make_services, hook, frozen_clock, monkeypatch):
    """Services.start() starts the periodic check; it sees the processor's jobs and its scheduler state."""
    import asyncio

    from tui_analytics.alerts import service as alert_service

    monkeypatch.setattr(alert_service, "CHECK_SECONDS", 0.01)
    root = await make_services(
        target("ops", hook.url()),
        job_intervals={"top-items": 1.0}
        | {j: 3600.0 for j in ("user-growth", "activity-trends", "recent-activity", "performance-metrics", "cache-cleanup")},
    )
    seen: list[tuple[list, bool]] = []
    original = root.alerts.check_late

    def spy(jobs: Iterable[tuple[str, float]], *, running: bool = True) -> list[str]:
        seen.append((list(jobs), running))
        return original(jobs, running=running)

    root.alerts.check_late = spy
    root.start()
    try:
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
    finally:
        root.stop(interrupt=True)
    jobs, running = seen[0]
    assert ("top-items", 1.0) in jobs and len(jobs) == 6
    assert running is True


async def test_a_success_from_before_the_incident_opened_does_not_close_it(make_services, hook, frozen_clock):
    from tui_analytics.runtime.event_types import JobFinished

    root = await make_services(target("ops", hook.url()))
    earlier = frozen_clock.now()
    root.alerts.check_late(TOP)
    frozen_clock.advance(3 * 900 + 1)
    assert root.alerts.check_late(TOP) == ["top-items"]
    root.alerts.handle(
        JobFinished("top-items", "scheduled", duration_ms=5.0, error=None, at=earlier)
    )  # reported late, by a slow queue
    assert [i.subject for i in root.alerts.store.open_incidents()] == ["job:top-items"]
    root.alerts.handle(JobFinished("top-items", "scheduled", duration_ms=5.0, error=None, at=frozen_clock.now()))
    assert root.alerts.store.open_incidents() == []
    assert root.alerts.drain(10)
    assert [b["event"] for b in hook.bodies()] == ["job-late", "recovered"]


async def test_a_step_of_the_wall_clock_neither_makes_a_job_late_nor_hides_it(make_services, hook, frozen_clock):
    """Lateness is the monotonic clock's: a step forward is no time without a success, and after a
    step back a job that stopped succeeding is still late once its grace has passed."""
    root = await make_services(target("ops", hook.url()))
    alerts = root.alerts
    assert (await root.processor.trigger_job("top-items")).status == "completed"
    assert alerts.check_late(TOP) == []
    frozen_clock.step(3 * 3600)  # +3 h by the wall clock, no time passed
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(900)
    assert (await root.processor.trigger_job("top-items")).status == "completed"
    frozen_clock.step(-3 * 3600)  # back again: the success just made is dated 3 h after "now"
    frozen_clock.advance(3 * 900)
    assert alerts.check_late(TOP) == []  # exactly the grace since that success
    frozen_clock.advance(1)
    assert alerts.check_late(TOP) == ["top-items"]
    assert alerts.drain(10)
    assert [b["event"] for b in hook.bodies()] == ["job-late"]


async def test_a_success_seen_only_in_the_run_history_counts_from_when_it_was_seen(make_services, hook, frozen_clock):
    """Another process's run (no event heard here) counts from the look that first saw it, however
    its wall-clock time compares with ours."""
    from tui_analytics.processor.models import JobRun

    root = await make_services(target("ops", hook.url()))
    alerts = root.alerts
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(2 * 900)
    earlier = frozen_clock.now() - timedelta(hours=5)  # a peer whose clock is 5 h behind
    root.processor.history.add(JobRun("top-items", "manual", "completed", earlier, finished_at=earlier))
    assert alerts.check_late(TOP) == []
    frozen_clock.advance(3 * 900)
    assert alerts.check_late(TOP) == []  # the grace counts from the look that saw it
    frozen_clock.advance(1)
    assert alerts.check_late(TOP) == ["top-items"]
