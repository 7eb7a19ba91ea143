"""One alert per incident, against a real webhook on loopback: a job fails (once or many times) ->
one alert; it recovers -> one "recovered"; the incident lives in the state database."""

from __future__ import annotations

import asyncio

from tests.alerts.conftest import target
from tests.support.processor_fakes import FakeRepository
from tui_analytics.alerts import AlertService
from tui_analytics.runtime.event_types import JobFailed
from tui_analytics.runtime.events import EventBus


async def run(root, job_id: str = "top-items"):
    run = await root.processor.trigger_job(job_id)
    assert root.alerts.drain(10)
    return run


async def test_a_job_failing_three_times_then_recovering_sends_one_alert_and_one_recovered(make_services, hook, frozen_clock):
    repo = FakeRepository(frozen_clock)
    root = await make_services(target("ops", hook.url(), secret="s3cret-value"), repository=repo)
    repo.fail["top_items"] = RuntimeError("relation items does not exist")
    for _ in range(3):
        assert (await run(root)).status == "failed"
        frozen_clock.advance(60)
    assert [b["event"] for b in hook.bodies()] == ["job-failed"]
    failed = hook.bodies()[0]
    assert failed["subjectType"] == "job" and failed["subjectId"] == "top-items" and failed["failures"] == 1
    assert failed["text"] == "[tui-analytics] job top-items failed: RuntimeError: relation items does not exist (on test-host)"
    assert hook.received[0].headers["x-tui-analytics-secret"] == "s3cret-value"
    assert hook.received[0].headers["content-type"] == "application/json"

    del repo.fail["top_items"]
    assert (await run(root)).status == "completed"
    assert (await run(root)).status == "completed"  # a second success is no second "recovered"
    assert [b["event"] for b in hook.bodies()] == ["job-failed", "recovered"]
    recovered = hook.bodies()[1]
    assert recovered["failures"] == 3 and recovered["since"] == failed["at"]
    assert "job top-items recovered after 3 failed runs; failing since" in recovered["text"]
    assert "(3 min)" in recovered["text"]

    # The next failure is a new incident: one alert again.
    repo.fail["top_items"] = RuntimeError("again")
    await run(root)
    assert [b["event"] for b in hook.bodies()] == ["job-failed", "recovered", "job-failed"]


async def test_the_slack_option_posts_only_text(make_services, hook, frozen_clock):
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    root = await make_services(target("chat", hook.url("/services/T0/B0/xyz"), slack=True), repository=repo)
    await run(root)
    assert hook.received[0].path == "/services/T0/B0/xyz"
    assert hook.bodies() == [{"text": "[tui-analytics] job top-items failed: RuntimeError: boom (on test-host)"}]


async def test_another_process_or_a_restart_does_not_alert_again(make_services, hook, frozen_clock, settings):
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    first = await make_services(target("ops", hook.url()), repository=repo)
    await run(first)
    # A second process on the same state database (or this one restarted) sees the job fail too.
    second = await make_services(target("ops", hook.url()), repository=repo)
    await run(second)
    assert [b["event"] for b in hook.bodies()] == ["job-failed"]
    # Whichever sees it recover first says so, once.
    del repo.fail["top_items"]
    await run(second)
    await run(first)
    assert [b["event"] for b in hook.bodies()] == ["job-failed", "recovered"]


async def test_a_target_down_then_up_is_retried_with_growing_waits_and_the_retries_counted(
    make_services, hook, waits, frozen_clock
):
    hook.failures = 2  # 500, 500, then 200
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    root = await make_services(target("ops", hook.url(), attempts=4), repository=repo)
    run_ = await run(root)
    assert run_.status == "failed"
    assert hook.answers == [500, 500, 200]
    assert len(hook.delivered(event="job-failed")) == 1
    assert len(waits.delays) == 2 and waits.delays[1] > waits.delays[0] > 0
    last = root.alerts.last_alert("job:top-items")
    assert last is not None and last.status == "sent"
    assert [(d.target, d.status, d.attempts) for d in last.deliveries] == [("ops", "sent", 3)]
    assert root.alerts.retries == 2
    stored = root.alerts.store.recent()
    assert [(d.kind, d.status, d.attempts) for d in stored] == [("job-failed", "sent", 3)]


async def test_a_target_that_stays_down_is_recorded_and_never_touches_the_job_or_the_other_targets(
    make_services, hook, waits, frozen_clock
):
    from tests.support.webhook import Hook

    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    with Hook(failures=99, fail_status=503) as down:
        root = await make_services(target("down", down.url(), attempts=3), target("ops", hook.url()), repository=repo)
        run_ = await run(root)
        assert run_.status == "failed" and run_.error == "RuntimeError: boom"  # the job's own outcome, nothing about alerts
        assert down.answers == [503, 503, 503]
    assert len(hook.delivered(event="job-failed")) == 1
    summary = root.alerts.last_alert("job:top-items")
    assert summary.status == "partial"
    assert {d.target: (d.status, d.attempts, d.error) for d in summary.deliveries} == {
        "down": ("failed", 3, "HTTP 503 Service Unavailable"),
        "ops": ("sent", 1, None),
    }
    assert "down failed after 3 attempts: HTTP 503 Service Unavailable" in summary.describe()
    # Recovery goes to both (the one down was told about the incident, even if it never heard).
    del repo.fail["top_items"]
    assert (await run(root)).status == "completed"
    assert [b["event"] for b in hook.delivered()] == ["job-failed", "recovered"]


async def test_a_client_error_is_not_retried(make_services, waits, frozen_clock):
    from tests.support.webhook import Hook

    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    with Hook(failures=5, fail_status=404) as gone:
        root = await make_services(target("gone", gone.url()), repository=repo)
        await run(root)
        assert gone.answers == [404]
    assert waits.delays == []
    assert root.alerts.last_alert().deliveries[0].error == "HTTP 404 Not Found"


async def test_a_redirect_is_not_followed_so_the_secret_goes_nowhere_else(make_services, frozen_clock):
    from tests.support.webhook import Hook

    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    with Hook() as elsewhere, Hook(redirect_to="") as hook:
        hook.redirect_to = elsewhere.url()
        root = await make_services(target("ops", hook.url(), secret="s3cret-value"), repository=repo)
        await run(root)
        assert len(hook.received) == 1 and elsewhere.received == []
    delivery = root.alerts.last_alert().deliveries[0]
    assert delivery.status == "failed" and "redirects are not followed" in delivery.error


async def test_a_report_failing_alerts_and_its_next_success_recovers(make_services, hook, frozen_clock):
    repo = FakeRepository(frozen_clock)
    root = await make_services(target("ops", hook.url(), on=frozenset({"report-failed", "recovered"})), repository=repo)
    repo.fail["user_growth"] = RuntimeError("no such table: users")
    repo.fail["summary"] = RuntimeError("no such table: users")
    try:
        await root.reports.generate_report("weekly-user-growth")
    except Exception:
        pass
    assert root.alerts.drain(10)
    bodies = hook.bodies()
    assert [b["event"] for b in bodies] == ["report-failed"]
    assert bodies[0]["subjectType"] == "report" and bodies[0]["subjectId"] == "weekly-user-growth"
    assert bodies[0]["text"] == "[tui-analytics] report 'Weekly User Growth Report' failed: no such table: users (on test-host)"
    # A job failing is nothing this target asked for.
    repo.fail["top_items"] = RuntimeError("boom")
    await run(root)
    repo.fail.clear()
    await root.reports.generate_report("weekly-user-growth")
    assert root.alerts.drain(10)
    assert [b["event"] for b in hook.bodies()] == ["report-failed", "recovered"]


async def test_no_alerts_configured_means_no_alert_service_and_nothing_listening(settings, frozen_clock):
    from tui_analytics.runtime.events import EventBus
    from tui_analytics.wiring import Services

    bus = EventBus()
    root = Services(settings, clock=frozen_clock, bus=bus, processor_options={"autostart": False, "probe_loop_lag": False})
    assert root.alerts is None
    root.processor  # noqa: B018 - building it is what would subscribe
    assert bus._listeners == []


def test_events_are_only_queued_on_the_publishers_thread(settings, frozen_clock, hook, monkeypatch):
    import threading

    service = AlertService(
        settings.__class__.for_dir(settings.data_dir, alerts=(target("ops", hook.url()),)),
        clock=frozen_clock,
        wait=lambda s: False,
        bus=EventBus(),
    )
    seen: list[str] = []
    original = service.handle

    def handle(event) -> None:  # the service's own, noting the thread it runs on
        seen.append(threading.current_thread().name)
        original(event)

    monkeypatch.setattr(service, "handle", handle)
    service._on_event(JobFailed("top-items", "scheduled", duration_ms=5.0, error="boom", at=frozen_clock.now()))
    assert service.drain(10)
    assert seen == ["alerts"]
    assert [b["event"] for b in hook.bodies()] == ["job-failed"]


def test_the_service_hears_typed_events_and_leaves_another_process_its_own(settings, frozen_clock, hook):
    from tui_analytics.runtime.event_types import AlertSent, Event
    from tui_analytics.runtime.events import EventBus

    bus = EventBus()
    service = AlertService(
        settings.__class__.for_dir(settings.data_dir, alerts=(target("ops", hook.url()),)),
        clock=frozen_clock,
        bus=bus,
        wait=lambda s: False,
    )
    service.watch(bus)
    heard: list[Event] = []
    bus.subscribe(heard.append)
    # Relayed from the process that ran it (channel/service.py): that process alerts, not this one.
    bus.publish(JobFailed("top-items", "scheduled", duration_ms=5.0, error="boom", at=frozen_clock.now(), remote="db1:1"))
    assert service.drain(10)
    assert hook.bodies() == [] and service.store.open_incidents() == []
    bus.publish(JobFailed("top-items", "scheduled", duration_ms=5.0, error="boom", at=frozen_clock.now()))
    assert service.drain(10)
    assert [(b["event"], b["subjectId"]) for b in hook.bodies()] == [("job-failed", "top-items")]
    told = [e for e in heard if isinstance(e, AlertSent)]
    assert [(e.subject_id, e.event, e.target, e.attempts, e.error) for e in told] == [
        ("job:top-items", "job-failed", "ops", 1, None)
    ]


async def test_sending_never_blocks_the_event_loop(make_services, frozen_clock):
    """The webhook answers only after a gate opens: the loop keeps running meanwhile."""
    import threading

    from tests.support.webhook import Hook

    gate = threading.Event()
    with Hook(gate=gate) as slow:
        repo = FakeRepository(frozen_clock)
        repo.fail["top_items"] = RuntimeError("boom")
        root = await make_services(target("slow", slow.url()), repository=repo)
        run_ = await root.processor.trigger_job("top-items")  # returns while the alert waits on the gate
        assert run_.status == "failed"
        ticks = 0
        for _ in range(5):
            await asyncio.sleep(0)
            ticks += 1
        assert ticks == 5 and slow.received == []
        gate.set()
        assert root.alerts.drain(10)
        assert len(slow.delivered(event="job-failed")) == 1


async def test_no_secret_reaches_the_alert_the_records_or_the_log(make_services, hook, frozen_clock, caplog):
    repo = FakeRepository(frozen_clock)
    url = hook.url("/hook/tok-4711-path")
    repo.fail["top_items"] = RuntimeError(
        f"posting to {url} with hdr-s3cret-value failed; db postgresql://app:db-pass-77@db.example/x said no"
    )
    with caplog.at_level("DEBUG"):
        root = await make_services(
            target("ops", url, secret="hdr-s3cret-value"), repository=repo, database_url="postgresql://app:db-pass-77@db.example/x"
        )
        await run(root)
    sent = hook.received[0]
    assert sent.headers["x-tui-analytics-secret"] == "hdr-s3cret-value"  # sent to the target, and only there
    shown = repr(sent.body) + repr(root.alerts.store.recent()) + repr(root.alerts.store.open_incidents()) + caplog.text
    for secret in ("tok-4711-path", "hdr-s3cret-value", "db-pass-77"):
        assert secret not in shown
    assert "posting to *** with *** failed; db postgresql://app:***@db.example/x said no" in sent.body["text"]


async def test_deliveries_a_killed_process_left_pending_are_recorded_not_delivered_at_the_next_start(
    make_services, hook, frozen_clock, caplog
):
    """A SIGKILL mid-send leaves rows 'pending' for good; the next start says they were not delivered
    (not retried: the alert is old news by then, and the target may have had it just before the kill)."""
    from datetime import timedelta

    from tui_analytics.alerts import wording
    from tui_analytics.alerts.service import STALE_PENDING

    root = await make_services(target("ops", hook.url()))
    killed_at = frozen_clock.now() - timedelta(seconds=STALE_PENDING + 60)
    alert = wording.build("job-failed", "job:top-items", "top-items", killed_at, host="gone", error="boom", since=killed_at)
    root.alerts.store.add_pending(alert, ["ops"])  # what the killed process left
    assert [d.status for d in root.alerts.store.recent(subject="job:top-items")] == ["pending"]

    restarted = AlertService(root.settings, bus=EventBus(), clock=frozen_clock, state_engine=root.open_state())
    restarted.open()
    [row] = restarted.store.recent(subject="job:top-items")
    assert (row.status, row.error) == ("failed", wording.CUT_OFF)
    assert row.finished_at is not None
    assert any("1 alert deliveries were cut off by the last shutdown" in r.getMessage() for r in caplog.records)
    assert hook.received == []  # not sent late
