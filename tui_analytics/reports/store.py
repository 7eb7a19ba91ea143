"""Report templates and report history in the state database (SQLAlchemy Core).

Blocking: every method runs SQL. The service calls the small template writes
directly (the API is synchronous, docs/api.md) and history writes from threads.
Timestamps are stored as naive UTC (schema.py) and returned aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from sqlalchemy import ColumnElement, RowMapping, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from tui_analytics.data.schema import app_meta, report_runs, report_templates
from tui_analytics.data.state.database import StateUser, inserted_id, newest_runs
from tui_analytics.data.timestamps import from_db, to_db
from tui_analytics.reports.models import DeliveryRecord
from tui_analytics.runtime.redact import redact_value, register_destination

SEEDED_KEY = "reports.default_templates_seeded"
_TEMPLATE_TIMES = ("created_at", "updated_at", "last_generated", "last_scheduled_for")


class TemplateRow(TypedDict):
    """A row of report_templates as the store returns it: times aware UTC, lists and flags filled in."""

    id: str
    name: str
    description: str
    schedule: str
    cron: str | None
    timezone: str | None
    format: str
    include_metadata: bool
    recipients: list[str]
    datasets: list[str]
    is_active: bool
    is_default: bool
    created_at: datetime | None
    updated_at: datetime | None
    last_generated: datetime | None
    last_scheduled_for: datetime | None
    skip_empty: bool
    max_attachment_mb: float | None
    by: str | None


class RunRow(TypedDict):
    """A row of report_runs as the store returns it: times aware UTC, error and delivery masked."""

    id: int
    template_id: str
    template_name: str
    trigger: str
    status: str
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    filename: str | None
    path: str | None
    size: int | None
    content_type: str | None
    error: str | None
    delivery: DeliveryRecord | None
    period_start: datetime | None
    period_end: datetime | None


class TemplateStore(StateUser):
    """CRUD on report_templates, plus the once-only seeding of the default templates."""

    def load_all(self) -> list[TemplateRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(report_templates).order_by(report_templates.c.created_at, report_templates.c.id))
            return [self._row(r._mapping) for r in rows]

    def get(self, template_id: str) -> TemplateRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(report_templates).where(report_templates.c.id == template_id)).first()
        return self._row(row._mapping) if row is not None else None

    @staticmethod
    def _row(m: RowMapping) -> TemplateRow:
        for recipient in m["recipients"] or []:
            # A notification URL read from the database is masked in every log line and printout
            # from now on, whichever code shows it (the redaction net; displays mask it anyway).
            register_destination(str(recipient))
        return TemplateRow(
            id=m["id"],
            name=m["name"],
            description=m["description"],
            schedule=m["schedule"],
            cron=m["cron"],
            timezone=m["timezone"],
            format=m["format"],
            include_metadata=bool(m["include_metadata"]),
            recipients=list(m["recipients"] or []),
            datasets=list(m["datasets"] or []),
            is_active=bool(m["is_active"]),
            is_default=bool(m["is_default"]),
            created_at=from_db(m["created_at"]),
            updated_at=from_db(m["updated_at"]),
            last_generated=from_db(m["last_generated"]),
            last_scheduled_for=from_db(m["last_scheduled_for"]),
            skip_empty=bool(m["skip_empty"]),  # NULL in rows older than the column: off
            max_attachment_mb=m["max_attachment_mb"],
            by=m["trend_by"],
        )

    def seed_defaults(self, defaults: Iterable[Mapping[str, object]], now: datetime) -> bool:
        """Insert the default templates unless they were seeded before; True when seeded now.

        The app_meta marker (not the rows) remembers the seeding, so a deleted
        default stays deleted. Two processes starting at once: the marker's
        primary key lets only one of them commit.
        """
        with self.engine.connect() as conn:
            if conn.execute(select(app_meta.c.value).where(app_meta.c.key == SEEDED_KEY)).first():
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(app_meta).values(key=SEEDED_KEY, value=now.isoformat()))
                existing = set(conn.execute(select(report_templates.c.id)).scalars())
                for row in defaults:
                    if row["id"] not in existing:
                        conn.execute(insert(report_templates).values(**self._to_db(row)))
        except IntegrityError:
            return False
        return True

    @staticmethod
    def _to_db(values: Mapping[str, object]) -> dict[str, object]:
        out = dict(values)
        if "by" in out:  # `by` is a word of SQL: the column is trend_by
            out["trend_by"] = out.pop("by")
        for key in _TEMPLATE_TIMES:
            value = out.get(key)
            if isinstance(value, datetime):
                out[key] = to_db(value)
        return out

    def insert(self, values: Mapping[str, object]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(report_templates).values(**self._to_db(values)))

    def update(self, template_id: str, values: Mapping[str, object]) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(report_templates).where(report_templates.c.id == template_id).values(**self._to_db(values))
            )
        return result.rowcount > 0

    def delete(self, template_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(delete(report_templates).where(report_templates.c.id == template_id))
        return result.rowcount > 0

    def claim_slot(self, template_id: str, slot: datetime) -> bool:
        """Mark a fire time as served; True only for the one caller that moved it forward.

        A compare-and-set, so a fire time is served once even when a catch-up and
        the scheduler, or two processes sharing the state database, race for it.
        """
        slot_db = to_db(slot)
        col = report_templates.c.last_scheduled_for
        with self.engine.begin() as conn:
            result = conn.execute(
                update(report_templates)
                .where(and_(report_templates.c.id == template_id, or_(col.is_(None), col < slot_db)))
                .values(last_scheduled_for=slot_db)
            )
        return result.rowcount == 1


class RunStore(StateUser):
    """The report history (report_runs): one row per generation, written before it starts.

    A generation goes 'running' -> 'writing' (the file's name recorded, then the file
    saved) -> 'completed' (or 'failed' / 'interrupted').
    """

    def start(
        self, template_id: str, template_name: str, trigger: str, scheduled_for: datetime | None, started_at: datetime
    ) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(report_runs).values(
                    template_id=template_id,
                    template_name=template_name,
                    trigger=trigger,
                    scheduled_for=to_db(scheduled_for),
                    started_at=to_db(started_at),
                    status="running",
                )
            )
            return inserted_id(result)

    def finish(self, run_id: int, **values: object) -> None:
        # An error or a delivery outcome may carry a password a driver or an SMTP server echoed.
        values = {k: to_db(v) if isinstance(v, datetime) else v for k, v in values.items()}
        values.update({k: redact_value(values[k]) for k in ("error", "delivery") if k in values})
        with self.engine.begin() as conn:
            conn.execute(update(report_runs).where(report_runs.c.id == run_id).values(**values))

    def writing(self, run_id: int, path: Path, size: int, content_type: str) -> None:
        """The run is about to write `path`: recorded first, so a kill between the file and the
        history leaves a row that names the file ('writing'), never a file nobody recorded."""
        self.finish(run_id, status="writing", filename=path.name, path=str(path), size=size, content_type=content_type)

    def mark_interrupted(self, now: datetime, started_before: datetime | None = None) -> int:
        """Runs left 'running' or 'writing' by a process that died: now 'interrupted'. Returns how many.

        A 'writing' run whose file is there keeps it (files are saved atomically, so it
        is whole; it was not delivered); one whose file is not there loses the name.
        With `started_before`, only runs older than that: younger ones may belong
        to another live process sharing the state database.
        """
        where: ColumnElement[bool] = report_runs.c.status.in_(("running", "writing"))
        if started_before is not None:
            where = and_(where, report_runs.c.started_at < to_db(started_before))
        done = to_db(now)
        count = 0
        with self.engine.begin() as conn:
            rows = conn.execute(select(report_runs.c.id, report_runs.c.status, report_runs.c.path).where(where)).all()
            for run_id, status, path in rows:
                values: dict[str, object] = {
                    "status": "interrupted",
                    "finished_at": done,
                    "error": "interrupted: the app stopped during generation",
                }
                if status == "writing" and path and Path(path).is_file():
                    values["error"] = "interrupted after the file was saved: it is complete but was not delivered"
                else:
                    values.update(filename=None, path=None, size=None)
                conn.execute(
                    update(report_runs).where(and_(report_runs.c.id == run_id, report_runs.c.status == status)).values(**values)
                )
                count += 1
        return count

    def list(
        self, limit: int | None = None, template_id: str | None = None, *, status: str | None = None, since: datetime | None = None
    ) -> list[RunRow]:
        """History rows, newest first; each filter given narrows them (all must hold)."""
        query = newest_runs(report_runs, "template_id", template_id, status=status, since=since, limit=limit)
        with self.engine.connect() as conn:
            return [self._row(r._mapping) for r in conn.execute(query)]

    @staticmethod
    def _row(m: RowMapping) -> RunRow:
        started = from_db(m["started_at"])
        assert started is not None  # NOT NULL
        return RunRow(
            id=m["id"],
            template_id=m["template_id"],
            template_name=m["template_name"],
            trigger=m["trigger"],
            status=m["status"],
            scheduled_for=from_db(m["scheduled_for"]),
            started_at=started,
            finished_at=from_db(m["finished_at"]),
            filename=m["filename"],
            path=m["path"],
            size=m["size"],
            content_type=m["content_type"],
            # Rows written before masking covered them.
            error=redact_value(m["error"]),
            delivery=redact_value(m["delivery"]),
            period_start=from_db(m["period_start"]),
            period_end=from_db(m["period_end"]),
        )

    def covered(self, template_id: str) -> set[tuple[datetime, datetime]]:
        """The periods (start, end; aware UTC) a completed or skipped-empty run of the template covers."""
        c = report_runs.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.period_start, c.period_end).where(
                    c.template_id == template_id, c.status.in_(("completed", "skipped")), c.period_start.is_not(None)
                )
            ).all()
        return {(from_db(start), from_db(end)) for start, end in rows}  # type: ignore[misc]

    def unfinished_slots(self, since: datetime, triggers: tuple[str, ...]) -> Sequence[tuple[str, datetime, int, datetime | None]]:
        """(template id, slot, attempts, last end) for each slot since `since` that no run of `triggers`
        completed, skipped or is still making: every run for it failed or was interrupted."""
        r = report_runs
        settled = func.sum(case((r.c.status.in_(("completed", "skipped", "running", "writing")), 1), else_=0))
        query = (
            select(r.c.template_id, r.c.scheduled_for, func.count(), func.max(r.c.finished_at))
            .where(r.c.scheduled_for.is_not(None), r.c.scheduled_for >= to_db(since), r.c.trigger.in_(triggers))
            .group_by(r.c.template_id, r.c.scheduled_for)
            .having(settled == 0)
            .order_by(r.c.scheduled_for)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(str(t), from_db(s) or since, int(n), from_db(last)) for t, s, n, last in rows]

    def count_by_status(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(report_runs.c.status, func.count()).group_by(report_runs.c.status))
            return {status: int(count) for status, count in rows}

    def prune(self, keep: int) -> int:
        """Keep the newest `keep` finished runs; never deletes a running one."""
        with self.engine.begin() as conn:
            cutoff = conn.execute(select(report_runs.c.id).order_by(report_runs.c.id.desc()).offset(keep).limit(1)).scalar()
            if cutoff is None:
                return 0
            result = conn.execute(
                delete(report_runs).where(and_(report_runs.c.id <= cutoff, report_runs.c.status.not_in(("running", "writing"))))
            )
        return result.rowcount
