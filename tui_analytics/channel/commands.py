"""The commands another process may ask the scheduling one for, and what each answers."""

from __future__ import annotations

from typing import Any

from tui_analytics.channel.seams import Host


async def execute_command(host: Host, op: str, argument: str) -> dict[str, Any]:
    """Do what a command asks, in the scheduling process (on its loop); returns its answer."""
    processor = host.processor
    if op == "trigger":
        run = await processor.trigger_job(argument)
        return {
            "status": run.status,
            "error": run.error,
            "durationMs": run.duration_ms,
            "startedAt": run.started_at.isoformat(),
        }
    if op == "clear":
        return {"removed": await processor.clear_cache()}
    if op == "invalidate":
        return {"removed": await processor.invalidate_cache(argument)}
    if op == "rebuild":
        return await processor.rebuild_rollups(argument)
    if op == "pause":
        return {"state": processor.pause_scheduler()}
    if op == "resume":
        return {"state": processor.resume_scheduler()}
    if op == "generate":
        report = await host.reports.generate_report(template_id=argument)
        return {"path": report.path, "size": report.size, "filename": report.filename, "runId": report.run_id}
    raise ValueError(f"unknown command {op!r}")
