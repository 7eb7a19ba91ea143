"""Events to the channel's rows and back: every type comes back as the same dataclass."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest

from tests.support.event_samples import AT, SAMPLES
from tui_analytics.runtime.event_codec import MAX_LIST, decode, encode
from tui_analytics.runtime.event_types import (
    EVENT_TYPES,
    KINDS,
    CacheChanged,
    JobFailed,
    JobFinished,
    ReportFinished,
    SchedulerStateChanged,
    TemplatesChanged,
)


def test_every_event_type_has_a_sample_and_its_own_kind() -> None:
    assert set(SAMPLES) == set(EVENT_TYPES)
    assert len(KINDS) == len(EVENT_TYPES)
    for cls, sample in SAMPLES.items():
        defaults = {f.name for f in fields(cls) if getattr(sample, f.name) == f.default}
        assert defaults <= {"remote"}, f"{cls.__name__}: set {defaults} in the sample, so the round trip tests them"


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_each_event_type_round_trips(cls: type) -> None:
    event = SAMPLES[cls]
    kind, subject, detail = encode(event)
    assert (kind, subject) == (event.kind, event.subject)
    assert event.subject_field not in json.loads(detail)  # the subject has its own column
    back = decode(kind, subject, detail, at=AT, remote="db1:100")
    assert type(back) is cls
    assert back == replace(event, remote="db1:100")


def test_rows_keep_their_format() -> None:
    """The stored rows read as before: the kind, the subject, the detail fields by name."""
    assert encode(SAMPLES[JobFinished]) == (
        "job.finished",
        "top-items",
        '{"trigger": "scheduled", "duration_ms": 9.4, "error": null}',
    )
    assert encode(SAMPLES[CacheChanged])[2] == '{"keys": ["top-items:10", "top-items:summary"], "size": 7}'
    # Written before every field was stored: defaults and empty lists fill in.
    created = decode("templates.changed", "tpl-4f2a", '{"action": "created"}', at=AT)
    assert created == TemplatesChanged("tpl-4f2a", "created", (), at=AT)
    # A long list is left out (a cache.changed that touched many keys), and reads as empty.
    many = CacheChanged("expire", keys=tuple(f"top-items:{n}" for n in range(MAX_LIST + 1)), size=0, at=AT)
    assert encode(many) == ("cache.changed", "expire", '{"size": 0}')
    assert decode(*encode(many), at=AT) == replace(many, keys=())
    assert json.loads(encode(replace(many, keys=many.keys[:MAX_LIST]))[2])["keys"] == list(many.keys[:MAX_LIST])
    state = decode("scheduler.state", "scheduler", '{"state": "paused"}', at=AT)
    assert state == SchedulerStateChanged("scheduler", "paused", None, at=AT)
    made = decode(
        "report.finished",
        "weekly",
        '{"run_id": 3, "trigger": "manual", "name": "W", "filename": "w.csv", "path": "/r/w.csv", "size": 10, "delivery": "sent"}',
        at=AT,
    )
    assert made == ReportFinished("weekly", 3, "manual", "W", filename="w.csv", path="/r/w.csv", size=10, delivery="sent", at=AT)


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("command.posted", '{"command": 4}'),  # a command's row: not an event
        ("job.exploded", "{}"),  # a kind this version does not know
        ("job.finished", "not json"),
        ("job.finished", "[1, 2]"),
        ("job.finished", '{"trigger": "scheduled", "duration_ms": 9.4}'),  # no error field
        ("job.finished", '{"trigger": "scheduled", "duration_ms": "slow", "error": null}'),
        ("job.settings", '{"paused": "yes", "interval_s": 60}'),
        ("report.started", '{"run_id": true, "trigger": "manual", "name": "W"}'),
        ("cache.changed", '{"keys": "top-items:10", "size": 1}'),
    ],
)
def test_a_row_that_does_not_fit_is_no_event(kind: str, detail: str) -> None:
    assert decode(kind, "top-items", detail, at=AT) is None


@pytest.mark.parametrize("cls", [JobFinished, JobFailed], ids=lambda cls: cls.__name__)
def test_a_finished_runs_status_stays_in_its_process(cls: type) -> None:
    """The new JobStatus a finished run carries is for this process's panes: not stored, read back as None."""
    event = SAMPLES[cls]
    assert isinstance(event, (JobFinished, JobFailed)) and event.status is not None
    kind, subject, detail = encode(event)
    assert "status" not in json.loads(detail)
    decoded = decode(kind, subject, detail, at=AT)
    assert isinstance(decoded, (JobFinished, JobFailed)) and decoded.status is None
