"""Running jobs: status transitions, skip-if-running, error isolation, averages, the cache they fill."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.processor_fakes import ALL_JOBS, SOURCE_METHODS, FakeRepository, Recorder
from tests.support.waiting import wait_until
from tui_analytics import UnknownJobError
from tui_analytics.runtime.errors import DatabaseError
from tui_analytics.runtime.event_types import CacheChanged, JobFailed, JobFinished, JobSkipped, JobStarted


async def test_six_jobs_start_scheduled_with_the_seed_names(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    statuses = processor.get_job_statuses()
    assert [s.id for s in statuses] == ALL_JOBS
    assert [s.name for s in statuses] == [
        "User Growth Aggregation",
        "Activity Trends Aggregation",
        "Top Items Ranking",
        "Recent Activity Update",
        "Performance Metrics Update",
        "Cache Cleanup",
    ]
    assert {s.status for s in statuses} == {"scheduled"}
    assert all(s.last_run is None and s.duration_ms is None and s.error is None for s in statuses)
    assert [s.interval_s for s in statuses] == [600, 300, 900, 120, 30, 3600]
    # scheduled on this loop: next_run is one interval away (no warm-up in these tests)
    gaps = [(s.next_run - s.next_run.now(s.next_run.tzinfo)).total_seconds() for s in statuses]
    assert all(abs(gap - s.interval_s) < 5 for gap, s in zip(gaps, statuses))


async def test_status_goes_running_then_completed(make_processor, fake_repo, frozen_clock) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    gate = fake_repo.block("top_items")
    fake_repo.cost["top_items"] = 2.5
    started_at = frozen_clock.now()
    run = asyncio.create_task(processor.trigger_job("top-items"))
    await wait_until(lambda: fake_repo.entered["top_items"].is_set())
    status = processor.get_job_status("top-items")
    assert status.status == "running"
    assert status.last_run is None
    assert events.types("top-items") == [JobStarted]
    gate.set()
    result = await run
    status = processor.get_job_status("top-items")
    assert (result.status, status.status) == ("completed", "completed")
    assert status.last_run == started_at
    assert status.duration_ms == pytest.approx(2500)  # measured on the injected clock
    assert status.error is None
    assert events.types("top-items") == [JobStarted, JobFinished]
    assert CacheChanged in events.types()


async def test_failure_is_recorded_and_a_later_success_clears_it(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    # A locked database fails both of the job's queries (its months and its days) alike.
    fake_repo.fail["user_growth"] = fake_repo.fail["trend_by"] = DatabaseError("query failed on sqlite:///x: database is locked")
    result = await processor.trigger_job("user-growth")
    status = processor.get_job_status("user-growth")
    assert result.status == status.status == "failed"
    assert status.error == "query failed on sqlite:///x: database is locked"
    assert status.last_run is not None
    assert events.types("user-growth") == [JobStarted, JobFailed]
    del fake_repo.fail["user_growth"], fake_repo.fail["trend_by"]
    await processor.trigger_job("user-growth")
    status = processor.get_job_status("user-growth")
    assert (status.status, status.error, status.runs, status.failed_runs) == ("completed", None, 2, 1)


async def test_a_finished_or_failed_run_brings_the_jobs_new_status(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    await processor.trigger_job("top-items")
    # A locked database fails both of the job's queries (its months and its days) alike.
    fake_repo.fail["user_growth"] = fake_repo.fail["trend_by"] = DatabaseError("query failed on sqlite:///x: database is locked")
    await processor.trigger_job("user-growth")
    ended = [e for e in events.events if isinstance(e, JobFinished | JobFailed)]
    assert [(type(e), e.job_id) for e in ended] == [(JobFinished, "top-items"), (JobFailed, "user-growth")]
    # The status as the book has it once the run is recorded: what the Jobs pane shows for the row.
    assert [e.status for e in ended] == [processor.get_job_status("top-items"), processor.get_job_status("user-growth")]
    first, second = ended[0].status, ended[1].status
    assert first is not None and second is not None
    assert (first.status, first.runs) == ("completed", 1)
    assert (second.status, second.error) == ("failed", "query failed on sqlite:///x: database is locked")


async def test_manual_trigger_of_a_running_job_is_skipped_and_recorded(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    gate = fake_repo.block("recent_activity")
    first = asyncio.create_task(processor.trigger_job("recent-activity"))
    await wait_until(lambda: fake_repo.entered["recent_activity"].is_set())
    second = await processor.trigger_job("recent-activity")
    assert second.status == "skipped" and "still running" in (second.error or "")
    status = processor.get_job_status("recent-activity")
    assert (status.status, status.skipped_runs) == ("running", 1)
    assert status.last_skipped is not None
    gate.set()
    assert (await first).status == "completed"
    assert [c[0] for c in fake_repo.calls].count("recent_activity") == 1  # the skipped run queried nothing
    assert events.types("recent-activity") == [JobStarted, JobSkipped, JobFinished]
    runs = await processor.get_recent_runs("recent-activity")
    assert sorted(r.status for r in runs) == ["completed", "skipped"]
    assert processor.get_job_metrics().skipped_jobs == 1
    assert processor.get_job_metrics().total_jobs == 1  # a skip is not an execution


async def test_one_failing_job_beside_five_healthy(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    fake_repo.fail["top_items"] = RuntimeError("disk on fire")
    results = await asyncio.gather(*(processor.trigger_job(j) for j in ALL_JOBS))
    assert [r.status for r in results] == ["completed", "completed", "failed", "completed", "completed", "completed"]
    by_id = {s.id: s for s in processor.get_job_statuses()}
    assert by_id["top-items"].error == "RuntimeError: disk on fire"
    assert all(s.status == "completed" and s.error is None for j, s in by_id.items() if j != "top-items")
    metrics = processor.get_job_metrics()
    assert (metrics.total_jobs, metrics.successful_jobs, metrics.failed_jobs) == (6, 5, 1)
    assert processor.get_cached("user-growth:12") is not None
    assert processor.get_cached("top-items:10") is None


async def test_averages_per_job_and_overall(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    for cost in (1.0, 2.0, 6.0):
        fake_repo.cost["user_growth"] = cost
        await processor.trigger_job("user-growth")
    fake_repo.cost["ping"] = 0.5
    fake_repo.fail["ping"] = RuntimeError("no route to host")
    await processor.trigger_job("performance-metrics")  # a failed run counts with its duration
    status = processor.get_job_status("user-growth")
    assert status.average_duration_ms == pytest.approx(3000)
    assert status.recent_durations_ms == pytest.approx((1000, 2000, 6000))
    metrics = processor.get_job_metrics()
    assert metrics.total_jobs == 4 and metrics.failed_jobs == 1
    assert metrics.average_job_duration_ms == pytest.approx((1000 + 2000 + 6000 + 500) / 4)


async def test_unknown_job_is_a_keyerror_naming_the_known_ids(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    with pytest.raises(KeyError) as info:
        await processor.trigger_job("user_growth")
    assert isinstance(info.value, UnknownJobError)
    assert str(info.value) == "unknown job 'user_growth' (did you mean 'user-growth'?)"
    with pytest.raises(UnknownJobError) as info:
        await processor.trigger_job("nightly")  # nothing close: the known ids are listed
    assert "cache-cleanup" in str(info.value) and "user-growth" in str(info.value)
    assert fake_repo.calls == []


async def test_cache_keys_start_with_the_job_id_and_invalidate_by_glob(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    for job_id in ALL_JOBS:
        await processor.trigger_job(job_id)
    keys = [e.key for e in processor.get_cache_entries()]
    assert keys == [
        "activity-trends:30",
        "activity-trends:7",
        "activity-trends:summary",
        "performance-metrics",
        "recent-activity:20",
        "top-items:10",
        "user-growth:12",
        "user-growth:days:30",
    ]
    assert all(k.split(":")[0] in ALL_JOBS for k in keys)
    assert await processor.invalidate_cache("activity-trends*", dry_run=True) == 3
    assert len(processor.get_cache_entries()) == 8
    assert await processor.invalidate_cache("user-growth*") == 2
    assert await processor.invalidate_cache("user-growth*") == 0
    assert await processor.invalidate_cache("*:7") == 1
    with pytest.raises(ValueError, match="empty cache pattern"):
        await processor.invalidate_cache("")
    assert await processor.clear_cache() == 5
    assert processor.get_cache_entries() == []
    changes = [e.action for e in events.events if isinstance(e, CacheChanged)]
    assert changes[-3:] == ["invalidate", "invalidate", "clear"]


async def test_stale_while_error(make_processor, fake_repo, frozen_clock) -> None:
    processor = make_processor(fake_repo)
    await processor.trigger_job("top-items")
    good = processor.get_cached("top-items:10")
    assert good is not None and not good.stale
    frozen_clock.advance(120)
    fake_repo.fail["top_items"] = DatabaseError("cannot connect to postgresql://app:***@db/analytics")
    await processor.trigger_job("top-items")
    entry = processor.get_cached("top-items:10")
    assert entry is not None and entry.stale
    assert entry.value == good.value
    assert entry.error == "cannot connect to postgresql://app:***@db/analytics"
    assert entry.failed_at == frozen_clock.now()
    assert entry.age(frozen_clock.now()) == pytest.approx(120)
    assert processor.get_job_status("top-items").status == "failed"


async def test_one_dataset_failing_keeps_the_jobs_other_datasets_fresh(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    fake_repo.fail["summary"] = RuntimeError("timeout")
    result = await processor.trigger_job("activity-trends")
    assert result.status == "failed" and result.error == "activity-trends:summary: RuntimeError: timeout"
    assert processor.get_cached("activity-trends:7") is not None
    assert processor.get_cached("activity-trends:30") is not None


async def test_performance_metrics_are_measured(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    await processor.trigger_job("user-growth")
    processor.get_cached("user-growth:12")  # one hit
    processor.get_cached("nothing")  # one miss
    await asyncio.sleep(0.3)  # let the lag probe take a sample
    await processor.trigger_job("performance-metrics")
    value = processor.get_cached("performance-metrics").value
    assert value == processor.latest_performance
    assert value["databaseLatencyMs"] == 1.5  # what ping() returned, not a constant
    assert value["cacheSize"] == 2  # user-growth:12 and :days:30 (measured before the metrics entry itself is stored)
    assert (value["cacheHits"], value["cacheMisses"], value["cacheHitRate"]) == (1, 1, 0.5)
    assert value["eventLoopLagMs"] is not None and value["eventLoopLagMs"] >= 0
    assert value["memoryRssMb"] > 1
    assert value["schedulerState"] == "running"


async def test_cache_cleanup_expires_entries_and_sets_last_cleanup(make_processor, fake_repo, frozen_clock) -> None:
    processor = make_processor(fake_repo)
    assert processor.get_job_metrics().last_cleanup is None
    await processor.trigger_job("performance-metrics")  # ttl 2 x 30 s + 60 s
    await processor.trigger_job("top-items")  # ttl 2 x 900 s + 60 s
    frozen_clock.advance(200)
    await processor.trigger_job("cache-cleanup")
    assert [e.key for e in processor.get_cache_entries()] == ["top-items:10"]
    assert processor.get_job_metrics().last_cleanup == frozen_clock.now()


async def test_jobs_query_in_worker_threads(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    for job_id in ALL_JOBS:
        await processor.trigger_job(job_id)
    import threading

    assert threading.main_thread().name not in fake_repo.threads
    assert fake_repo.threads  # and it was called at all


def test_fake_repository_matches_the_real_signatures() -> None:
    import inspect

    from tui_analytics.data.source.protocol import PeriodTrends, SourceRepository
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository as Real

    # mypy holds both to the protocol's types; this holds the three to the same parameter names and defaults.
    protocols = {name: proto for proto in (SourceRepository, PeriodTrends) for name in vars(proto) if not name.startswith("_")}
    assert sorted(SOURCE_METHODS) == sorted(protocols)
    for name in SOURCE_METHODS:
        real = inspect.signature(getattr(Real, name)).parameters
        assert list(inspect.signature(getattr(protocols[name], name)).parameters) == list(real), name
        fake = inspect.signature(getattr(FakeRepository, name)).parameters
        assert [(p.name, p.default) for p in fake.values()] == [(p.name, p.default) for p in real.values()], name


async def test_a_cancelled_run_is_recorded_and_does_not_block_the_next(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    gate = fake_repo.block("top_items")
    run = asyncio.create_task(processor.trigger_job("top-items"))
    await wait_until(lambda: fake_repo.entered["top_items"].is_set())
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    gate.set()
    status = processor.get_job_status("top-items")
    assert status.status == "failed" and "cancelled" in status.error
    assert processor.history.recent("top-items")[0].status == "interrupted"
    assert (await processor.trigger_job("top-items")).status == "completed"


async def test_one_cause_failing_every_dataset_is_said_once(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    for method in ("activity_trends", "summary"):
        fake_repo.fail[method] = RuntimeError("database is locked")
    result = await processor.trigger_job("activity-trends")
    assert result.error == "RuntimeError: database is locked"  # not once per dataset key


async def test_different_causes_are_each_said_with_their_keys(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    fake_repo.fail["activity_trends"] = RuntimeError("timeout")
    fake_repo.fail["summary"] = RuntimeError("locked")
    result = await processor.trigger_job("activity-trends")
    assert (
        result.error
        == "activity-trends:7, activity-trends:30: RuntimeError: timeout; activity-trends:summary: RuntimeError: locked"
    )
