"""What the scheduling process answers to an attached dashboard's command, as the services' own
records, and how each change is worded in the audit log (ui/dashboard_services.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_analytics.processor.models import JobRun
    from tui_analytics.reports.models import GeneratedReport


def job_run(job_id: str, answer: dict[str, Any], now: datetime) -> JobRun:
    """The run a `trigger` command made, from its answer."""
    from tui_analytics.processor.models import JobRun

    started = answer.get("startedAt")
    return JobRun(
        job_id,
        "manual",
        answer.get("status", "completed"),
        datetime.fromisoformat(started) if started else now,
        duration_ms=answer.get("durationMs"),
        error=answer.get("error"),
    )


def generated_report(template_id: str, answer: dict[str, Any], now: datetime) -> GeneratedReport:
    """The report a `generate` command made, from its answer (its content stays there)."""
    from tui_analytics.reports.models import GeneratedReport

    return GeneratedReport(
        filename=str(answer.get("filename", "")),
        size=int(answer.get("size") or 0),
        data="",
        content_type="",
        path=str(answer.get("path", "")),
        template_id=template_id,
        run_id=int(answer.get("runId") or 0),
        generated_at=now,
        date_range="",
    )


def run_outcome(run: JobRun) -> str:
    """A manual run in the audit log: ok, skipped, or failed with why."""
    if run.status == "completed":
        return "ok"
    return f"{run.status}: {run.error}" if run.error else run.status


def removed(result: int | dict[str, Any]) -> str:
    """A cache clear or invalidate in the audit log: how many keys went."""
    count = result.get("removed", 0) if isinstance(result, dict) else result
    return f"ok: {count} removed"
