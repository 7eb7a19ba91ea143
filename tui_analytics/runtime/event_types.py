"""Every event the services publish, one frozen dataclass per kind, and `Event`, their union.

Each event keeps `at` (when it happened) and `remote`: None when this process made it,
the other process's `host:pid` when the state database's channel relayed it
(channel/service.py). `kind` is the name the channel stores it under ("job.finished");
`subject_field` names the field stored as its subject (a job, a template, an alert's
`job:<id>`); the other fields are stored as they are named here (runtime/event_codec.py),
but a `local` one: what this process's listeners get besides (a finished run's new JobStatus),
neither stored nor compared.

Consumers dispatch on the type (`isinstance`, `match`); `EVENT_TYPES` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeAlias, get_args

from tui_analytics.runtime.job_status import JobStatus

LOCAL = "local"  # a field's metadata key: kept in this process, not stored in the channel


def local(default: Any = None) -> Any:
    """A field for this process's listeners only: not stored (runtime/event_codec.py), and not part
    of the event's equality, so an event read back from the channel equals the one written."""
    return field(default=default, kw_only=True, compare=False, metadata={LOCAL: True})


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ServiceEvent:
    """What every event has: when it happened and, when another process made it, which one."""

    kind: ClassVar[str]
    subject_field: ClassVar[str]
    # False: each process keeps it to itself (alerts: the process that ran the work alerts).
    shared: ClassVar[bool] = True

    at: datetime = field(default_factory=_now, kw_only=True)
    remote: str | None = field(default=None, kw_only=True)

    @property
    def subject(self) -> str:
        """What the event is about: the value of its `subject_field`."""
        return str(getattr(self, self.subject_field))


# -- jobs (the processor) ------------------------------------------------------------


@dataclass(frozen=True)
class JobStarted(ServiceEvent):
    """A run of a job began."""

    kind: ClassVar[str] = "job.started"
    subject_field: ClassVar[str] = "job_id"
    job_id: str
    trigger: str  # 'scheduled' | 'manual'


@dataclass(frozen=True)
class _JobEnded(ServiceEvent):
    subject_field: ClassVar[str] = "job_id"
    job_id: str
    trigger: str
    duration_ms: float | None
    error: str | None
    # The job's status once the run was recorded, for the Jobs pane's row (None when relayed
    # from another process: that status is read from this process's processor).
    status: JobStatus | None = local()


@dataclass(frozen=True)
class JobFinished(_JobEnded):
    """A run of a job completed."""

    kind: ClassVar[str] = "job.finished"


@dataclass(frozen=True)
class JobFailed(_JobEnded):
    """A run of a job failed; `error` says why."""

    kind: ClassVar[str] = "job.failed"


@dataclass(frozen=True)
class JobSkipped(ServiceEvent):
    """A run of a job was not made: the previous one was still running (`reason`)."""

    kind: ClassVar[str] = "job.skipped"
    subject_field: ClassVar[str] = "job_id"
    job_id: str
    trigger: str
    reason: str | None


@dataclass(frozen=True)
class JobSettingsChanged(ServiceEvent):
    """A job was paused, resumed or given another interval."""

    kind: ClassVar[str] = "job.settings"
    subject_field: ClassVar[str] = "job_id"
    job_id: str
    paused: bool
    interval_s: float


@dataclass(frozen=True)
class CacheChanged(ServiceEvent):
    """The analytics cache changed: `action` is set, stale, invalidate, clear or expire."""

    kind: ClassVar[str] = "cache.changed"
    subject_field: ClassVar[str] = "action"
    action: str
    keys: tuple[str, ...]
    size: int


@dataclass(frozen=True)
class SchedulerStateChanged(ServiceEvent):
    """The scheduler's state changed, as `source` saw it: 'scheduler' (the loop's APScheduler:
    running, paused, stopped) or 'processor' (started, stopped, read-only with the lock's `holder`)."""

    kind: ClassVar[str] = "scheduler.state"
    subject_field: ClassVar[str] = "source"
    source: str
    state: str
    holder: str | None = None


# -- reports (the reports service) ----------------------------------------------------


@dataclass(frozen=True)
class ReportStarted(ServiceEvent):
    """A report generation began (run `run_id` of the history)."""

    kind: ClassVar[str] = "report.started"
    subject_field: ClassVar[str] = "template_id"
    template_id: str
    run_id: int
    trigger: str
    name: str


@dataclass(frozen=True)
class ReportFinished(ServiceEvent):
    """A report was saved (and `delivery` says how its e-mail went), or, with `skipped`,
    not made: its period was empty and the template skips empty reports."""

    kind: ClassVar[str] = "report.finished"
    subject_field: ClassVar[str] = "template_id"
    template_id: str
    run_id: int
    trigger: str
    name: str
    filename: str | None
    path: str | None
    size: int
    delivery: str | None
    skipped: str | None = None


@dataclass(frozen=True)
class ReportFailed(ServiceEvent):
    """A report generation failed; `error` says why."""

    kind: ClassVar[str] = "report.failed"
    subject_field: ClassVar[str] = "template_id"
    template_id: str
    run_id: int
    trigger: str
    error: str
    name: str


@dataclass(frozen=True)
class TemplatesChanged(ServiceEvent):
    """A template was created, updated (`fields`: which) or deleted."""

    kind: ClassVar[str] = "templates.changed"
    subject_field: ClassVar[str] = "template_id"
    template_id: str
    action: str
    fields: tuple[str, ...] = ()


# -- alerts (the alert service) --------------------------------------------------------


@dataclass(frozen=True)
class _AlertOutcome(ServiceEvent):
    subject_field: ClassVar[str] = "subject_id"
    shared: ClassVar[bool] = False
    subject_id: str  # job:<id> or report:<id>
    event: str  # the alert's kind: job-failed, job-late, report-failed, recovered, test
    target: str
    attempts: int
    error: str | None


@dataclass(frozen=True)
class AlertSent(_AlertOutcome):
    """An alert reached a target."""

    kind: ClassVar[str] = "alert.sent"


@dataclass(frozen=True)
class AlertFailed(_AlertOutcome):
    """An alert could not reach a target, its retries spent."""

    kind: ClassVar[str] = "alert.failed"


@dataclass(frozen=True)
class RuleRead(ServiceEvent):
    """An [[alerts.rules]] rule's figure was read and its state or value changed: `state` firing, ok
    or unknown (the Metrics pane's row). Kept in this process: each process reads its own."""

    kind: ClassVar[str] = "alert.rule"
    subject_field: ClassVar[str] = "rule"
    shared: ClassVar[bool] = False
    rule: str
    state: str
    value: float | None
    detail: str


JobRunEvent: TypeAlias = JobStarted | JobFinished | JobFailed | JobSkipped
ReportEvent: TypeAlias = ReportStarted | ReportFinished | ReportFailed | TemplatesChanged
Event: TypeAlias = (
    JobRunEvent | JobSettingsChanged | CacheChanged | SchedulerStateChanged | ReportEvent | AlertSent | AlertFailed | RuleRead
)

EVENT_TYPES: tuple[type[Event], ...] = get_args(Event)
KINDS: dict[str, type[Event]] = {cls.kind: cls for cls in EVENT_TYPES}
