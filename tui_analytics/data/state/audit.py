"""The audit log in the state database: one row per change an operator made, from any face.

A row says when, who (the OS user, or the web user), where (host, pid, face: tui, web, cli, api),
what (`action`: job.run, scheduler.pause, template.delete... see ACTIONS), the target (a job, a
template, a cache pattern, a dataset) and the outcome ("ok", "skipped: ...", "failed: ...").
Text is redacted before it is stored (runtime/redact.py: passwords in URLs, webhook URLs,
registered secrets) and cut to its column. Rows older than `[access] audit_days` are pruned by
the cache-cleanup job (processor/jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from tui_analytics.data.schema import audit_log
from tui_analytics.data.timestamps import from_db, to_db
from tui_analytics.runtime.actor import Actor
from tui_analytics.runtime.redact import redact

# What a row's `action` may say, with the event kind it corresponds to where the services publish
# one (runtime/event_types.py): the audit row is the request and who made it, the event its effect.
ACTIONS: dict[str, str | None] = {
    "job.run": "job.finished",
    "job.pause": "job.settings",
    "job.resume": "job.settings",
    "job.interval": "job.settings",
    "scheduler.pause": "scheduler.state",
    "scheduler.resume": "scheduler.state",
    "cache.clear": "cache.changed",
    "cache.invalidate": "cache.changed",
    "template.create": "templates.changed",
    "template.edit": "templates.changed",
    "template.delete": "templates.changed",
    "report.generate": "report.finished",
    "report.backfill": "report.finished",
    "export": None,
    "alert.test": "alert.sent",
}

TARGET_CHARS, OUTCOME_CHARS = 500, 500


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    at: datetime
    user: str
    host: str
    pid: int
    face: str
    action: str
    target: str
    outcome: str
    id: int | None = None


def entry(actor: Actor, at: datetime, action: str, target: str, outcome: str) -> AuditEntry:
    """A row for `actor`'s `action`, its text redacted and cut to the columns."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEntry(
        at=at,
        user=_clean(actor.user, 200),
        host=_clean(actor.host, 255),
        pid=actor.pid,
        face=actor.face,
        action=action,
        target=_clean(target, TARGET_CHARS),
        outcome=_clean(outcome, OUTCOME_CHARS),
    )


def _clean(text: str, limit: int) -> str:
    one_line = " ".join(redact(str(text)).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def record(engine: Engine, row: AuditEntry) -> None:
    """Store one row (blocking)."""
    values = {name: getattr(row, name) for name in ("user", "host", "pid", "face", "action", "target", "outcome")}
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(at=to_db(row.at), **values))


def read(engine: Engine, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
    """The rows at or after `since`, newest first (blocking)."""
    c = audit_log.c
    query = select(audit_log).order_by(c.at.desc(), c.id.desc())
    if since is not None:
        query = query.where(c.at >= to_db(since))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        AuditEntry(
            at=from_db(r["at"]) or r["at"],
            user=r["user"],
            host=r["host"],
            pid=int(r["pid"]),
            face=r["face"],
            action=r["action"],
            target=r["target"],
            outcome=r["outcome"],
            id=int(r["id"]),
        )
        for r in rows
    ]


def prune(engine: Engine, now: datetime, keep_days: float) -> int:
    """Drop the rows older than `keep_days` (blocking); how many went."""
    cutoff = to_db(now - timedelta(days=keep_days))
    with engine.begin() as conn:
        result = conn.execute(delete(audit_log).where(audit_log.c.at < cutoff))
    return int(result.rowcount or 0)


__all__ = ["ACTIONS", "AuditEntry", "entry", "prune", "read", "record"]
