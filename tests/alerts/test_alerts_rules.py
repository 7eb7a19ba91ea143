"""Rules on the data: on the demo data, a rule fires once when its condition becomes true, once on
recovery, not while muted (and once the mute ends, if still true); reminders after remind_every;
silence windows. The clock is moved, never slept on; rows are inserted into the private demo copy."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, delete, insert

from tests.alerts.conftest import EVERYTHING, target
from tests.support.constants import FROZEN_NOW
from tests.support.processor_fakes import FakeRepository
from tui_analytics.alerts.rules import evaluate
from tui_analytics.config.alert_rules import AlertPolicy, AlertRule, Silence
from tui_analytics.data.schema import activities

WANTS = EVERYTHING | {"data-alert"}
LAST_CLOSED_DAY = "2026-01-14"  # FROZEN_NOW is 2026-01-15 12:00 UTC
INSERTED = 900_000  # ids of the rows a test adds


async def run(root, job_id: str = "activity-trends"):
    run = await root.processor.trigger_job(job_id)
    assert root.alerts.drain(10)
    return run


def add_activities(settings, count: int, day: datetime) -> None:
    engine = create_engine(f"sqlite:///{settings.demo_database_path}")
    with engine.begin() as conn:
        conn.execute(
            insert(activities),
            [
                {"id": INSERTED + n, "user_id": 1, "item_id": 1, "action": "view", "created_at": day + timedelta(minutes=n)}
                for n in range(count)
            ],
        )
    engine.dispose()


def remove_added(settings) -> None:
    engine = create_engine(f"sqlite:///{settings.demo_database_path}")
    with engine.begin() as conn:
        conn.execute(delete(activities).where(activities.c.id >= INSERTED))
    engine.dispose()


def events(hook) -> list[str]:
    return [b["event"] for b in hook.bodies()]


async def firing_root(make_services, hook, repository, **target_fields):
    """Services with one rule that is true on the demo data: the last closed day's activities below that count + 5."""
    day_value = repository.activity_trends(days=2)[-2]["activities"]
    rule = AlertRule("few-activities", "activity-trends.activities", below=day_value + 5)
    root = await make_services(
        target("ops", hook.url(), on=WANTS, **target_fields), repository=repository, alert_policy=AlertPolicy(rules=(rule,))
    )
    return root, day_value


async def test_a_rule_fires_once_recovers_once_and_stays_quiet_while_muted(make_services, hook, repository, settings, frozen_clock):
    root, day_value = await firing_root(make_services, hook, repository)
    await run(root)
    await run(root)  # still true: no second alert
    assert events(hook) == ["data-alert"]
    fired = hook.bodies()[0]
    assert fired["subjectType"] == "rule" and fired["subjectId"] == "few-activities"
    assert fired["text"] == (
        f"[tui-analytics] rule few-activities: activity-trends.activities on {LAST_CLOSED_DAY} is {day_value:,}, "
        f"below {day_value + 5:,} (on test-host)"
    )
    assert root.alerts.store.get("rule:few-activities") is not None

    add_activities(settings, 10, datetime(2026, 1, 14, 9, 0, tzinfo=timezone.utc))  # now day_value + 10: not below
    await run(root)
    await run(root)
    assert events(hook) == ["data-alert", "recovered"]
    assert (
        f"rule few-activities recovered: activity-trends.activities on {LAST_CLOSED_DAY} is {day_value + 10:,}"
        in (hook.bodies()[1]["text"])
    )
    assert root.alerts.store.get("rule:few-activities") is None

    now = frozen_clock.now()
    root.alerts.mutes.mute("rule:few-activities", now + timedelta(hours=2), now)
    remove_added(settings)  # true again, but muted
    await run(root)
    assert events(hook) == ["data-alert", "recovered"]
    assert root.alerts.readings()["few-activities"].firing
    incident = root.alerts.store.get("rule:few-activities")
    assert incident is not None and incident.notified == frozenset()  # open, told nobody yet

    frozen_clock.advance(timedelta(hours=1, minutes=59))
    await run(root)
    assert events(hook) == ["data-alert", "recovered"]
    frozen_clock.advance(timedelta(minutes=2))  # the mute is over and the rule still true: told now, once
    await run(root)
    await run(root)
    assert events(hook) == ["data-alert", "recovered", "data-alert"]


async def test_an_open_incident_is_reminded_every_remind_every(make_services, hook, repository, frozen_clock):
    root, _ = await firing_root(make_services, hook, repository, remind_every=3600.0)
    await run(root)
    assert events(hook) == ["data-alert"]
    assert await asyncio.to_thread(root.alerts.check_open) == 0
    frozen_clock.advance(3599)
    assert await asyncio.to_thread(root.alerts.check_open) == 0
    frozen_clock.advance(1)
    assert await asyncio.to_thread(root.alerts.check_open) == 1
    assert root.alerts.drain(10)
    assert events(hook) == ["data-alert", "data-alert"]
    assert hook.bodies()[1]["text"].startswith("[tui-analytics] reminder, still open after 60 min: rule few-activities: ")
    assert await asyncio.to_thread(root.alerts.check_open) == 0  # the reminder just went: the next one in an hour
    frozen_clock.advance(3600)
    assert await asyncio.to_thread(root.alerts.check_open) == 1


async def test_a_silence_window_holds_alerts_and_its_end_lets_an_open_incident_alert(make_services, hook, frozen_clock):
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("relation items does not exist")
    # 12:00 to 13:00 every day in the reporting zone (UTC), for jobs only; it is 12:00 now.
    policy = AlertPolicy(silences=(Silence("0 12 * * *", 3600.0, match="job:*"),))
    root = await make_services(target("ops", hook.url()), repository=repo, alert_policy=policy)
    assert (await run(root, "top-items")).status == "failed"
    assert hook.bodies() == []
    assert root.alerts.store.get("job:top-items") is not None
    frozen_clock.advance(timedelta(minutes=59))
    assert await asyncio.to_thread(root.alerts.check_open) == 0
    frozen_clock.advance(timedelta(minutes=2))
    assert await asyncio.to_thread(root.alerts.check_open) == 1
    assert root.alerts.drain(10)
    assert events(hook) == ["job-failed"]
    assert await asyncio.to_thread(root.alerts.check_open) == 0  # told: nothing more


def test_comparisons_against_the_same_weekday_and_the_mean(repository):
    rows = {r["date"]: r["activities"] for r in repository.activity_trends(days=9)}
    value, week_ago = rows[LAST_CLOSED_DAY], rows["2026-01-07"]
    change = 100.0 * (value - week_ago) / week_ago
    same = evaluate(AlertRule("w", "activity-trends.activities", compare="same-weekday", drop=0.001, rise=0.001), repository)
    assert (same.value, same.baseline, same.day) == (value, week_ago, LAST_CLOSED_DAY)
    assert same.firing == (abs(change) >= 0.001)
    mean = sum(rows[f"2026-01-{d:02d}"] for d in range(7, 14)) / 7
    by_mean = evaluate(AlertRule("m", "activity-trends.activities", compare="mean", days=7, drop=100.0), repository)
    assert by_mean.baseline == mean and by_mean.state == ("firing" if value == 0 else "ok")


def test_summary_and_top_item_figures(repository):
    summary = repository.summary()
    top = repository.top_items(limit=1)[0]
    active = evaluate(AlertRule("a", "summary.activeUsers", above=0), repository)
    assert active.value == summary["activeUsers"] and active.firing
    share = evaluate(AlertRule("s", "top-items.share", above=99), repository)
    assert share.value == round(100.0 * top["interactions"] / sum(summary["actions"].values()), 2)
    assert share.state == "ok" and share.value is not None and 0 < share.value < 99


def test_an_unreadable_source_is_unknown_not_a_recovery(frozen_clock):
    repo = FakeRepository(frozen_clock)
    repo.fail["summary"] = RuntimeError("database is locked")
    reading = evaluate(AlertRule("a", "summary.activeUsers", below=5), repo)
    assert reading.state == "unknown" and "database is locked" in reading.detail
    assert FROZEN_NOW.tzinfo is not None


async def test_another_process_refresh_is_read_for_the_screen_but_alerts_nobody(make_services, hook, repository):
    from tui_analytics.runtime.event_types import JobFinished

    root, day_value = await firing_root(make_services, hook, repository)
    assert root.alerts.readings()["few-activities"].detail == "not read yet"
    relayed = JobFinished("activity-trends", "scheduled", 5.0, None, remote="db1:4242")
    root.alerts._on_event(relayed)
    assert root.alerts.drain(10)
    reading = root.alerts.readings()["few-activities"]
    assert reading.firing and reading.value == day_value
    assert hook.bodies() == [] and root.alerts.store.get("rule:few-activities") is None  # that process alerts


def test_what_keeps_a_subject_quiet():
    from zoneinfo import ZoneInfo

    from tui_analytics.alerts.quiet import Mute, quiet_reason

    now = FROZEN_NOW  # 12:00 UTC, 13:00 in Berlin
    mutes = [Mute("job:top-items", now + timedelta(hours=1), now), Mute("rule:old", now - timedelta(seconds=1), now)]
    assert quiet_reason(mutes, (), "job:top-items", now, timezone.utc) == "muted until 2026-01-15 13:00 UTC"
    assert quiet_reason(mutes, (), "job:user-growth", now, timezone.utc) is None
    assert quiet_reason(mutes, (), "rule:old", now, timezone.utc) is None  # expired
    everything = [Mute("all", now + timedelta(minutes=5), now)]
    assert quiet_reason(everything, (), "rule:any", now, timezone.utc) is not None
    nightly = (Silence("0 13 * * *", 1800.0, match="rule:*"),)  # 13:00-13:30 in the zone given
    berlin = ZoneInfo("Europe/Berlin")
    assert quiet_reason([], nightly, "rule:x", now, berlin) == "silenced by '0 13 * * *' for 1800 s"
    assert quiet_reason([], nightly, "job:x", now, berlin) is None  # match is a glob on the subject
    assert quiet_reason([], nightly, "rule:x", now, timezone.utc) is None  # 12:00 UTC: before 13:00
    assert quiet_reason([], nightly, "rule:x", now + timedelta(minutes=30), berlin) is None  # the window's end


def test_the_global_reminder_interval_reads_from_the_environment(tmp_path):
    from tui_analytics.config.settings import load_settings

    path = tmp_path / "config.toml"
    path.write_text('alert_remind_every = "2h"\n')
    assert load_settings(path, env={}).alert_remind_every == 7200
    assert load_settings(path, env={"TUI_ANALYTICS_ALERT_REMIND_EVERY": "1d"}).alert_remind_every == 86400


async def test_a_reading_is_published_when_its_state_or_value_changes(make_services, hook, repository, settings):
    from tui_analytics.runtime.event_types import RuleRead

    root, day_value = await firing_root(make_services, hook, repository)
    seen: list[RuleRead] = []
    root.bus.subscribe(lambda event: seen.append(event) if isinstance(event, RuleRead) else None)
    await run(root)
    await run(root)  # the same reading: nothing new to show
    add_activities(settings, 1, datetime(2026, 1, 14, 9, 0, tzinfo=timezone.utc))
    await run(root)
    assert [(e.rule, e.state, e.value) for e in seen] == [
        ("few-activities", "firing", day_value),
        ("few-activities", "firing", day_value + 1),
    ]
