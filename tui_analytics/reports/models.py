"""The reports service's value types: templates, generated reports, history rows, statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TypedDict

from tui_analytics.runtime.redact import mask_destination

# The cron line behind each named schedule (crontab(5) fields, in the template's zone).
SCHEDULE_CRONS: dict[str, str] = {
    "daily": "0 9 * * *",
    "weekly": "0 9 * * 1",
    "monthly": "0 9 1 * *",
    "quarterly": "0 9 1 1,4,7,10 *",
}

SCHEDULES = ("daily", "weekly", "monthly", "quarterly", "custom")
FORMATS = ("csv", "json", "xlsx")
# What a template can contain. "comprehensive" is every dataset plus the summary
# (the export service's comprehensive report); "performance" adds the live
# performance metrics (database latency, memory, cache, scheduler).
DATASETS = (
    "user-growth",
    "activity-trends",
    "top-items",
    "recent-activity",
    "summary",
    "comprehensive",
    "performance",
)
TRIGGERS = ("manual", "scheduled", "catch-up", "retry", "backfill")
RUN_STATUSES = ("running", "writing", "completed", "failed", "interrupted", "skipped")
SKIPPED_EMPTY = "skipped: empty"  # the history's note for a period with no data (skip_empty)
MAX_ATTACHMENT_MB = 1024.0  # the largest cap a template may set (mail servers refuse far less)


class TemplateFields(TypedDict, total=False):
    """A template's editable fields (validation.py), as the service takes them and stores them."""

    name: str
    description: str
    schedule: str
    format: str
    include_metadata: bool
    recipients: list[str]
    is_active: bool
    cron: str | None
    timezone: str | None
    datasets: list[str]
    skip_empty: bool
    max_attachment_mb: float | None
    by: str | None


class DeliveryRecord(TypedDict, total=False):
    """How a report was mailed, as the history stores it (delivery.DeliveryResult.to_dict)."""

    status: str
    recipients: dict[str, str]
    error: str | None
    note: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ReportTemplate:
    """A report definition: what to put in it, when to make it, who receives it.

    `timezone` None means the configured zone; `cron` None means the schedule's
    standard expression (see `effective_cron`). `next_generation` is computed from
    the cron in that zone (None when inactive).
    """

    id: str
    name: str
    description: str
    schedule: str
    format: str
    include_metadata: bool
    recipients: list[str]
    last_generated: datetime | None = None
    next_generation: datetime | None = None
    is_active: bool = True
    cron: str | None = None
    timezone: str | None = None
    datasets: list[str] = field(default_factory=list)
    is_default: bool = False
    created_at: datetime | None = None
    skip_empty: bool = False  # an empty period makes no file and no e-mail; the history says "skipped: empty"
    max_attachment_mb: float | None = None  # a larger file is mailed as its path, not attached (None: no cap)
    by: str | None = None  # user growth and activity trends per day | week | month (None: month and day)

    @property
    def effective_cron(self) -> str:
        """The cron expression the scheduler uses: the template's own, or its schedule's."""
        return self.cron or SCHEDULE_CRONS[self.schedule]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("last_generated", "next_generation", "created_at"):
            data[key] = _iso(data[key])
        data["effective_cron"] = self.effective_cron
        data["recipients"] = [mask_destination(r) for r in self.recipients]  # a notification URL is a secret
        return data


@dataclass(frozen=True)
class GeneratedReport:
    """One generated report file. `data` is the file's content (str, or bytes when binary)."""

    filename: str
    size: int
    data: str | bytes
    content_type: str
    path: str
    template_id: str
    run_id: int
    generated_at: datetime
    date_range: str
    trigger: str = "manual"
    delivery: DeliveryRecord = field(default_factory=DeliveryRecord)
    status: str = "completed"  # or "skipped" (skip_empty and an empty period: no file, filename "")

    def to_dict(self, include_data: bool = False) -> dict[str, object]:
        data = asdict(self)
        data["generated_at"] = _iso(self.generated_at)
        if not include_data:
            data.pop("data")
        return data


@dataclass(frozen=True)
class ScheduledReport:
    """One row of the report history (a generation, good or failed).

    status: running | writing | completed | failed | interrupted | skipped (an empty
    period of a skip_empty template: error says "skipped: empty"); trigger: manual |
    scheduled | catch-up | backfill; delivery_status: sent | partial | failed | not-sent
    (no SMTP configured) | no-recipients | None (no file to send); delivery maps each
    recipient to "sent" or the error; delivery_note says when the file was too large to
    attach and its path was sent instead. period_start/period_end: what the report covers.
    """

    id: int
    template_id: str
    template_name: str
    trigger: str
    status: str
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: float | None
    filename: str | None
    path: str | None
    size: int | None
    content_type: str | None
    error: str | None
    delivery_status: str | None
    delivery: dict[str, str] = field(default_factory=dict)
    delivery_note: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("scheduled_for", "started_at", "finished_at", "period_start", "period_end"):
            data[key] = _iso(data[key])
        return data


@dataclass(frozen=True)
class BackfillRequest:
    """What to backfill (reports/backfill.py): the periods that start from `first` to `last` (both
    included); with `force` those already made are made again; `deliver` mails the recipients."""

    first: date
    last: date
    force: bool = False
    deliver: bool = True


@dataclass(frozen=True)
class ReportStatistics:
    """Counts over templates and the report history (failed includes interrupted)."""

    total_templates: int
    active_templates: int
    total_reports: int
    successful_reports: int
    failed_reports: int
    running_reports: int = 0

    def __getitem__(self, key: str) -> int:
        # Also readable as a mapping, as docs/api.md says: stats["total_reports"].
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        value: int = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, int]:
        return asdict(self)
