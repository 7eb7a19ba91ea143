"""Incidents and deliveries in the state database: the memory that makes it one alert per incident.

An incident is open while its row exists. Opening is an INSERT on the subject's
primary key, so of two processes that see the same job fail only one opens it (and
alerts); closing is a DELETE of that incident's id, so only one sends "recovered".
Which targets were told is a compare-and-set on `revision`. All blocking: the alert
service calls these from its worker thread.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tui_analytics.alerts.models import FAILED, PENDING, SENT, Alert, Delivery
from tui_analytics.data.schema import alert_deliveries, alert_incidents, job_runs
from tui_analytics.data.state.database import StateUser
from tui_analytics.data.timestamps import from_db, to_db
from tui_analytics.runtime.redact import redact

MAX_ERROR = 1000  # characters of an error kept in a row
REACH_ROWS = 500  # the newest deliveries of a subject looked at to say whom an incident reached


@dataclass(frozen=True)
class Incident:
    subject: str
    incident_id: str
    kind: str
    name: str
    opened_at: datetime
    failures: int
    last_error: str | None
    notified: frozenset[str]
    revision: int


class IncidentStore(StateUser):
    """The `alert_incidents` and `alert_deliveries` tables, and the last successes in `job_runs`."""

    def get(self, subject: str) -> Incident | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(alert_incidents).where(alert_incidents.c.subject == subject)).mappings().first()
        return _incident(row) if row is not None else None

    def open_incidents(self) -> list[Incident]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(alert_incidents).order_by(alert_incidents.c.opened_at)).mappings().all()
        return [_incident(row) for row in rows]

    def open(
        self, subject: str, kind: str, name: str, at: datetime, error: str | None, notified: Iterable[str], *, failures: int
    ) -> Incident | None:
        """Open the subject's incident; None when one is open already (this process or another opened it)."""
        incident = Incident(subject, uuid.uuid4().hex, kind, name[:200], at, failures, _error(error), frozenset(notified), 0)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(alert_incidents).values(
                        subject=subject,
                        incident_id=incident.incident_id,
                        kind=kind,
                        name=incident.name,
                        opened_at=to_db(at),
                        updated_at=to_db(at),
                        failures=failures,
                        last_error=incident.last_error,
                        notified=json.dumps(sorted(incident.notified)),
                        revision=0,
                    )
                )
        except IntegrityError:
            return None
        return incident

    def note_failure(self, incident: Incident, at: datetime, error: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(alert_incidents)
                .where(alert_incidents.c.incident_id == incident.incident_id)
                .values(failures=alert_incidents.c.failures + 1, last_error=_error(error), updated_at=to_db(at))
            )

    def add_notified(self, incident: Incident, names: Iterable[str]) -> bool:
        """Record that `names` were told too; False when another process changed the incident first."""
        told = sorted(incident.notified | set(names))
        with self.engine.begin() as conn:
            result = conn.execute(
                update(alert_incidents)
                .where((alert_incidents.c.incident_id == incident.incident_id) & (alert_incidents.c.revision == incident.revision))
                .values(notified=json.dumps(told), revision=incident.revision + 1)
            )
        return bool(result.rowcount)

    def reach(self, incident: Incident) -> dict[str, str]:
        """For each target told about the incident: 'sent' when one of its alerts reached it, 'pending'
        while one is being tried, 'failed' when every one failed, 'unknown' without a record (pruned)."""
        found: dict[str, set[str]] = {}
        for delivery in self.recent(REACH_ROWS, subject=incident.subject):
            if delivery.at >= incident.opened_at:
                found.setdefault(delivery.target, set()).add(delivery.status)
        reach = {}
        for name in sorted(incident.notified):
            states = found.get(name, set())
            reach[name] = SENT if SENT in states else PENDING if PENDING in states else FAILED if states else "unknown"
        return reach

    def close(self, incident: Incident) -> bool:
        """Close it; False when it was closed already (by another process)."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(alert_incidents).where(alert_incidents.c.incident_id == incident.incident_id))
        return bool(result.rowcount)

    def last_successes(self) -> dict[str, datetime]:
        """When each job last completed, from the run history (any process's runs)."""
        query = (
            select(job_runs.c.job_id, func.max(job_runs.c.finished_at))
            .where(job_runs.c.status == "completed")
            .group_by(job_runs.c.job_id)
        )
        with self.engine.connect() as conn:
            return {job_id: moment for job_id, when in conn.execute(query) if (moment := from_db(when)) is not None}

    # deliveries --------------------------------------------------------------------

    def add_pending(self, alert: Alert, targets: Iterable[str]) -> list[Delivery]:
        rows = [Delivery(alert.id, alert.at, alert.subject, alert.kind, name, PENDING) for name in targets]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(alert_deliveries),
                    [
                        {
                            "alert_id": d.alert_id,
                            "at": to_db(d.at),
                            "subject": d.subject,
                            "kind": d.kind,
                            "target": d.target,
                            "status": d.status,
                            "attempts": 0,
                        }
                        for d in rows
                    ],
                )
        return rows

    def finish(self, delivery: Delivery) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(alert_deliveries)
                .where((alert_deliveries.c.alert_id == delivery.alert_id) & (alert_deliveries.c.target == delivery.target))
                .values(
                    status=delivery.status,
                    attempts=delivery.attempts,
                    error=_error(delivery.error),
                    finished_at=to_db(delivery.finished_at),
                )
            )

    def abandon_pending(self, before: datetime, error: str) -> int:
        """Deliveries still 'pending' from before `before` become 'failed' with `error` (a process
        killed while sending left them); returns how many."""
        c = alert_deliveries.c
        with self.engine.begin() as conn:
            result = conn.execute(
                update(alert_deliveries)
                .where((c.status == PENDING) & (c.at < to_db(before)))
                .values(status=FAILED, error=_error(error), finished_at=to_db(before))
            )
        return int(result.rowcount or 0)

    def recent(self, limit: int = 200, subject: str | None = None) -> list[Delivery]:
        """Deliveries, newest first."""
        query = select(alert_deliveries).order_by(alert_deliveries.c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(alert_deliveries.c.subject == subject)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Delivery(
                row["alert_id"],
                from_db(row["at"]) or row["at"],
                row["subject"],
                row["kind"],
                row["target"],
                row["status"],
                int(row["attempts"] or 0),
                row["error"],
                from_db(row["finished_at"]),
            )
            for row in rows
        ]

    def prune(self, keep: int) -> int:
        """Keep the newest `keep` deliveries."""
        with self.engine.begin() as conn:
            cutoff = conn.execute(
                select(alert_deliveries.c.id).order_by(alert_deliveries.c.id.desc()).offset(keep).limit(1)
            ).scalar()
            if cutoff is None:
                return 0
            return int(conn.execute(delete(alert_deliveries).where(alert_deliveries.c.id <= cutoff)).rowcount or 0)


def _error(text: str | None) -> str | None:
    return redact(text)[:MAX_ERROR] if text else None


def _incident(row: object) -> Incident:
    values = dict(row)  # type: ignore[call-overload]
    try:
        notified = frozenset(str(name) for name in json.loads(values["notified"] or "[]"))
    except (ValueError, TypeError):  # edited by hand: told nobody, so nobody hears "recovered"
        notified = frozenset()
    return Incident(
        values["subject"],
        values["incident_id"],
        values["kind"],
        values["name"],
        from_db(values["opened_at"]) or values["opened_at"],
        int(values["failures"] or 0),
        values["last_error"],
        notified,
        int(values["revision"] or 0),
    )
