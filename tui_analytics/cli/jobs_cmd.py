"""`tui-analytics jobs status|run|history`: the background jobs from a shell.

`status` and `history` read the run history in the state database, so they
show what the dashboard (or any other process) has run. `run` runs jobs in
this process, against the configured database, and records them there too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..processor.jobs import JOBS
from ..runtime.printable import printable
from .common import services, whole_number

if TYPE_CHECKING:
    from ..processor.models import JobRun, JobStatus
    from ..processor.processor import AnalyticsBackgroundProcessor


def register(sub: argparse._SubParsersAction) -> None:
    jobs = sub.add_parser("jobs", help="background job statuses, history and manual runs",
                          description="The six cache pre-warming jobs: " + ", ".join(j.id for j in JOBS) + ".")
    cmds = jobs.add_subparsers(dest="jobs_command", metavar="COMMAND", required=True)

    status = cmds.add_parser("status", help="each job's last run, duration, averages and error (from the run history)")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)

    run = cmds.add_parser("run", help="run jobs now in this process; exits 1 if any run fails",
                          description="Run jobs now (in this process) and record them in the run history.")
    run.add_argument("ids", nargs="+", metavar="ID", help="job id(s), or 'all'")
    run.add_argument("--json", action="store_true", help="print JSON")
    run.set_defaults(handler=run_jobs)

    history = cmds.add_parser("history", help="recent runs, newest first")
    history.add_argument("id", nargs="?", metavar="ID", help="only this job")
    history.add_argument("--limit", type=whole_number, default=20, metavar="N", help="how many runs (default 20)")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=run_history)


def _processor(args: argparse.Namespace) -> AnalyticsBackgroundProcessor:
    return services(args).processor.open()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms")


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "never"


def status_dict(s: JobStatus) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "status": s.status, "lastRun": _iso(s.last_run), "nextRun": _iso(s.next_run),
        "durationMs": s.duration_ms, "error": s.error, "intervalSeconds": s.interval_s, "runs": s.runs,
        "failedRuns": s.failed_runs, "skippedRuns": s.skipped_runs, "averageDurationMs": s.average_duration_ms,
        "lastSkipped": _iso(s.last_skipped),
    }


def run_dict(r: JobRun) -> dict[str, Any]:
    return {
        "jobId": r.job_id, "trigger": r.trigger, "status": r.status, "scheduledFor": _iso(r.scheduled_for),
        "startedAt": _iso(r.started_at), "finishedAt": _iso(r.finished_at), "durationMs": r.duration_ms,
        "error": r.error, "origin": r.origin,
    }


def run_status(args: argparse.Namespace) -> int:
    processor = _processor(args)
    statuses = processor.get_job_statuses()
    metrics = processor.get_job_metrics()
    holder = processor.lock_holder()  # who schedules on this state database, if anyone
    if args.json:
        print(json.dumps({
            "scheduler": {"holder": dataclasses.asdict(holder) if holder else None},
            "jobs": [status_dict(s) for s in statuses],
            "metrics": {
                "totalJobs": metrics.total_jobs, "successfulJobs": metrics.successful_jobs,
                "failedJobs": metrics.failed_jobs, "skippedJobs": metrics.skipped_jobs,
                "averageJobDurationMs": metrics.average_job_duration_ms, "lastCleanup": _iso(metrics.last_cleanup),
            },
        }, indent=2))
        return 0
    print(f"{'JOB':<20} {'STATUS':<10} {'LAST RUN':<19} {'DURATION':>10} {'AVERAGE':>10} {'RUNS':>6} "
          f"{'FAILED':>6} {'SKIPPED':>7}  ERROR")
    for s in statuses:
        print(f"{s.id:<20} {s.status:<10} {_when(s.last_run):<19} {_ms(s.duration_ms):>10} "
              f"{_ms(s.average_duration_ms):>10} {s.runs:>6} {s.failed_runs:>6} {s.skipped_runs:>7}  {printable(s.error or '')}")
    print(f"\n{metrics.total_jobs} runs, {metrics.successful_jobs} completed, {metrics.failed_jobs} failed, "
          f"{metrics.skipped_jobs} skipped; average {_ms(metrics.average_job_duration_ms)}; "
          f"last cleanup {_when(metrics.last_cleanup)}")
    print(f"scheduler: {holder.describe()} schedules the jobs" if holder
          else "scheduler: no running process schedules the jobs on this state database")
    return 0


def run_jobs(args: argparse.Namespace) -> int:
    root = services(args)
    processor = root.processor.open()
    ids = list(processor.specs) if args.ids == ["all"] else list(dict.fromkeys(args.ids))
    for job_id in ids:
        processor._spec(job_id)  # every id checked before anything runs

    async def run_all() -> list[JobRun]:
        return [await processor.trigger_job(job_id) for job_id in ids]

    import asyncio

    with root.telling():  # running dashboards see these runs as they happen
        runs = asyncio.run(run_all())
    if args.json:
        print(json.dumps([run_dict(r) for r in runs], indent=2))
    else:
        for r in runs:
            print(f"{r.job_id:<20} {r.status:<10} {_ms(r.duration_ms):>10}  {printable(r.error or '')}".rstrip())
    return 0 if all(r.status == "completed" for r in runs) else 1


def run_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}")
    if args.id is not None and not args.id.strip():
        raise ValueError("the job id must not be empty (leave it out for every job)")
    processor = _processor(args)
    if args.id:
        processor._spec(args.id)
    runs = processor.history.recent(args.id, args.limit)
    if args.json:
        print(json.dumps([run_dict(r) for r in runs], indent=2))
        return 0
    if not runs:
        print("no runs recorded yet")
        return 0
    print(f"{'STARTED':<19}  {'JOB':<20} {'TRIGGER':<9} {'STATUS':<11} {'DURATION':>10}  {'BY':<34} ERROR")
    for r in runs:
        print(f"{_when(r.started_at):<19}  {r.job_id:<20} {r.trigger:<9} {r.status:<11} "
              f"{_ms(r.duration_ms):>10}  {printable(r.origin or '-'):<34} {printable(r.error or '')}".rstrip())
    return 0
