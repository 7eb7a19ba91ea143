"""What an alert is, what became of it at each target, and the summary the screen shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tui_analytics.data.timestamps import iso

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
TEST = "test"  # the kind of `tui-analytics alerts test`'s alert


@dataclass(frozen=True)
class Alert:
    """One message about one incident: `kind` is job-failed, job-late, report-failed, data-alert, recovered or test;
    `subject` is `job:<job id>`, `report:<template id>` or `rule:<rule name>`. `text` is already free of secrets."""

    id: str
    kind: str
    subject: str
    name: str
    at: datetime
    text: str
    error: str | None = None
    since: datetime | None = None  # when the incident opened
    failures: int = 0
    host: str = ""

    @property
    def subject_type(self) -> str:
        return self.subject.partition(":")[0]

    @property
    def subject_id(self) -> str:
        return self.subject.partition(":")[2]

    def payload(self, *, slack: bool = False) -> dict[str, object]:
        """The webhook's JSON body: Slack's `{"text": ...}`, or the text with every fact as a field."""
        if slack:
            return {"text": self.text}
        return {
            "app": "tui-analytics",
            "event": self.kind,
            "subjectType": self.subject_type,
            "subjectId": self.subject_id,
            "name": self.name,
            "text": self.text,
            "error": self.error,
            "at": iso(self.at),
            "since": iso(self.since) if self.since else None,
            "failures": self.failures,
            "host": self.host,
            "alertId": self.id,
        }


@dataclass(frozen=True)
class Delivery:
    """One alert at one target: `status` pending, sent or failed, after `attempts` tries."""

    alert_id: str
    at: datetime
    subject: str
    kind: str
    target: str
    status: str
    attempts: int = 0
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.status == SENT


@dataclass(frozen=True)
class AlertSummary:
    """The last alert about a subject (or at all), over its targets: what the Metrics pane and `v` show."""

    alert_id: str
    at: datetime
    subject: str
    kind: str
    deliveries: tuple[Delivery, ...] = field(default_factory=tuple)

    @property
    def status(self) -> str:
        """sent (every target), failed (none), partial, or pending (still trying)."""
        states = {d.status for d in self.deliveries}
        if PENDING in states:
            return PENDING
        if states == {SENT}:
            return SENT
        return FAILED if SENT not in states else "partial"

    def describe(self) -> str:
        """'job-failed top-items: delivered to 2 of 2 targets' (with the first failure's reason)."""
        what = f"{self.kind} {self.subject.partition(':')[2] or self.subject}"
        total = len(self.deliveries)
        sent = sum(d.delivered for d in self.deliveries)
        if self.status == PENDING:
            return f"{what}: sending ({sent} of {total} delivered so far)"
        text = f"{what}: delivered to {sent} of {total} target{'s' if total != 1 else ''}"
        failed = next((d for d in self.deliveries if d.status == FAILED), None)
        if failed is not None:
            text += f"; {failed.target} failed after {failed.attempts} attempt{'s' if failed.attempts != 1 else ''}"
            text += f": {failed.error}" if failed.error else ""
        return text


def summarise(deliveries: list[Delivery]) -> dict[str, AlertSummary]:
    """The newest alert per subject (and under '' the newest of all) from deliveries in any order."""
    by_alert: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_alert.setdefault(delivery.alert_id, []).append(delivery)
    out: dict[str, AlertSummary] = {}
    for alert_id, rows in by_alert.items():
        rows.sort(key=lambda d: d.target)
        first = rows[0]
        summary = AlertSummary(alert_id, first.at, first.subject, first.kind, tuple(rows))
        for key in (first.subject, ""):
            if key not in out or out[key].at < summary.at:
                out[key] = summary
    return out
