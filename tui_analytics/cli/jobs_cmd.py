"""`tui-analytics jobs status|run|history|pause|resume|interval`: the background jobs from a shell.

`status` and `history` read the run history in the state database, so they
show what the dashboard (or any other process) has run. `run` runs jobs in
this process, against the configured database, and records them there too.
`pause`, `resume` and `interval` store a job's settings in the state database;
the process that schedules applies them at its next performance-metrics run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import add_zone_option, check_choice, services, shown_zone, since_moment, whole_number, zoned
from tui_analytics.cli.text_table import Column, print_table
from tui_analytics.processor.jobs import JOBS
from tui_analytics.processor.models import RUN_OUTCOMES
from tui_analytics.runtime.errors import DatabaseError, one_line
from tui_analytics.runtime.printable import printable

if TYPE_CHECKING:
    from tui_analytics.processor.models import JobRun, JobStatus
    from tui_analytics.processor.processor import AnalyticsBackgroundProcessor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = sub.add_parser(
        "jobs", help=summary("jobs"), description="The six cache pre-warming jobs: " + ", ".join(j.id for j in JOBS) + "."
    )
    cmds = jobs.add_subparsers(dest="jobs_command", metavar="COMMAND", required=True)

    status = cmds.add_parser("status", help="each job's last run, duration, averages and error (from the run history)")
    status.add_argument("--json", action="store_true", help="print JSON")
    add_zone_option(status)
    status.set_defaults(handler=run_status)

    run = cmds.add_parser(
        "run",
        help="run jobs now in this process; exits 1 if any run fails",
        description="Run jobs now (in this process) and record them in the run history.",
    )
    run.add_argument("ids", nargs="+", metavar="ID", help="job id(s), or 'all'")
    run.add_argument("--json", action="store_true", help="print JSON")
    run.set_defaults(handler=run_jobs)

    history = cmds.add_parser(
        "history", help="recent runs, newest first", description="Recent runs, newest first; the filters combine (all must hold)."
    )
    history.add_argument("id", nargs="?", metavar="ID", help="only this job")
    history.add_argument("--status", metavar="STATUS", help="only runs that ended so: " + ", ".join(RUN_OUTCOMES))
    history.add_argument(
        "--since",
        metavar="DATE",
        help="only runs started at or after this ISO date or date-time (without an offset: in the zone times are printed in)",
    )
    history.add_argument("--limit", type=whole_number, default=20, metavar="N", help="how many runs (default 20)")
    history.add_argument("--json", action="store_true", help="print JSON")
    add_zone_option(history)
    history.set_defaults(handler=run_history)

    where = (
        "Stored in the state database; the process that schedules (dashboard or serve) applies it "
        "at its next performance-metrics run (30 s by default)."
    )
    pause = cmds.add_parser("pause", help="stop scheduling a job (manual runs still work)", description=where)
    pause.add_argument("id", metavar="ID", help="the job")
    pause.add_argument("--json", action="store_true", help="print JSON")
    pause.set_defaults(handler=run_pause, paused=True)
    resume = cmds.add_parser("resume", help="schedule a paused job again", description=where)
    resume.add_argument("id", metavar="ID", help="the job")
    resume.add_argument("--json", action="store_true", help="print JSON")
    resume.set_defaults(handler=run_pause, paused=False)
    interval = cmds.add_parser("interval", help="run a job every INTERVAL from now on", description=where)
    interval.add_argument("id", metavar="ID", help="the job")
    interval.add_argument(
        "interval", metavar="INTERVAL", help="30s, 5m, 1h, 1d or 1h30m (1s to 31d); 'default' for the configured interval"
    )
    interval.add_argument("--json", action="store_true", help="print JSON")
    interval.set_defaults(handler=run_interval)


def _processor(args: argparse.Namespace) -> AnalyticsBackgroundProcessor:
    return services(args).processor.open()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms")


def status_dict(s: JobStatus) -> dict[str, object]:
    return {
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "lastRun": _iso(s.last_run),
        "nextRun": _iso(s.next_run),
        "durationMs": s.duration_ms,
        "error": s.error,
        "intervalSeconds": s.interval_s,
        "runs": s.runs,
        "failedRuns": s.failed_runs,
        "skippedRuns": s.skipped_runs,
        "averageDurationMs": s.average_duration_ms,
        "lastSkipped": _iso(s.last_skipped),
        "paused": s.paused,
    }


def run_dict(r: JobRun) -> dict[str, object]:
    return {
        "jobId": r.job_id,
        "trigger": r.trigger,
        "status": r.status,
        "scheduledFor": _iso(r.scheduled_for),
        "startedAt": _iso(r.started_at),
        "finishedAt": _iso(r.finished_at),
        "durationMs": r.duration_ms,
        "error": r.error,
        "origin": r.origin,
    }


STATUS_COLUMNS = (
    Column("JOB", 20),
    Column("STATUS", 10),
    Column("SCHEDULE", 15),
    Column("LAST RUN", 23),
    Column("DURATION", 10, right=True),
    Column("AVERAGE", 10, right=True),
    Column("RUNS", 6, right=True),
    Column("FAILED", 6, right=True),
    Column("SKIPPED", 7, right=True),
    Column("ERROR", gap=2),
)
HISTORY_COLUMNS = (
    Column("STARTED", 23),
    Column("JOB", 20, gap=2),
    Column("TRIGGER", 9),
    Column("STATUS", 11),
    Column("DURATION", 10, right=True),
    Column("BY", 34, gap=2),
    Column("ERROR"),
)


def run_status(args: argparse.Namespace) -> int:
    processor = _processor(args)
    statuses = processor.get_job_statuses()
    metrics = processor.get_job_metrics()
    holder = processor.lock_holder()  # who schedules on this state database, if anyone
    if args.json:
        print(
            json.dumps(
                {
                    "scheduler": {"holder": dataclasses.asdict(holder) if holder else None},
                    "jobs": [status_dict(s) for s in statuses],
                    "metrics": {
                        "totalJobs": metrics.total_jobs,
                        "successfulJobs": metrics.successful_jobs,
                        "failedJobs": metrics.failed_jobs,
                        "skippedJobs": metrics.skipped_jobs,
                        "averageJobDurationMs": metrics.average_job_duration_ms,
                        "lastCleanup": _iso(metrics.last_cleanup),
                    },
                },
                indent=2,
            )
        )
        return 0
    tz = shown_zone(args)
    print_table(
        STATUS_COLUMNS,
        [
            [
                s.id,
                s.status,
                _schedule(s),
                zoned(s.last_run, tz, none="never"),
                _ms(s.duration_ms),
                _ms(s.average_duration_ms),
                s.runs,
                s.failed_runs,
                s.skipped_runs,
                s.error or "",
            ]
            for s in statuses
        ],
    )
    print(
        f"\n{metrics.total_jobs} runs, {metrics.successful_jobs} completed, {metrics.failed_jobs} failed, "
        f"{metrics.skipped_jobs} skipped; average {_ms(metrics.average_job_duration_ms)}; "
        f"last cleanup {zoned(metrics.last_cleanup, tz, none='never')}"
    )
    print(
        f"scheduler: {holder.describe()} schedules the jobs"
        if holder
        else "scheduler: no running process schedules the jobs on this state database"
    )
    return 0


def _schedule(s: JobStatus) -> str:
    """`every 5m`, or `paused (5m)`: how the scheduler treats the job."""
    from tui_analytics.processor.jobsettings import describe_interval

    every = describe_interval(s.interval_s)
    return f"paused ({every})" if s.paused else f"every {every}"


def run_jobs(args: argparse.Namespace) -> int:
    root = services(args)
    processor = root.processor.open()
    ids = list(processor.specs) if args.ids == ["all"] else list(dict.fromkeys(args.ids))
    for job_id in ids:
        processor._spec(job_id)  # every id checked before anything runs
    _check_recordable(processor, root.settings.resolved_state_url)

    async def run_all() -> list[JobRun]:
        return [await processor.trigger_job(job_id) for job_id in ids]

    import asyncio

    with _job_logs(args.verbose) as errors, root.telling():  # running dashboards see these runs as they happen
        runs = asyncio.run(run_all())
    if errors:  # the runs happened but their record did not: claim nothing
        record = errors[0]
        cause = f": {one_line(record.exc_info[1])}" if record.exc_info and record.exc_info[1] else ""
        raise DatabaseError(f"{record.getMessage()}{cause}; the runs were not recorded")
    if args.json:
        print(json.dumps([run_dict(r) for r in runs], indent=2))
    else:
        for r in runs:
            print(f"{r.job_id:<20} {r.status:<10} {_ms(r.duration_ms):>10}  {printable(r.error or '')}".rstrip())
    return 0 if all(r.status == "completed" for r in runs) else 1


def _check_recordable(processor: AnalyticsBackgroundProcessor, state_url: str) -> None:
    """One line, before anything runs, when the run history cannot be written (a data directory
    of another user): a run nobody can see afterwards is not a run to report as completed."""
    from tui_analytics.data.state.database import check_writable

    try:
        check_writable(processor.history.engine, state_url)
    except DatabaseError as exc:
        raise DatabaseError(f"{exc}; run as its owner or set TUI_ANALYTICS_DATA_DIR") from None


@contextmanager
def _job_logs(verbose: bool) -> Iterator[list[logging.LogRecord]]:
    """While the jobs run, their log lines stay off the terminal (each run's line says how it
    went, a failure with its error); the errors are kept for the caller. With -v, all is shown."""
    kept: list[logging.LogRecord] = []
    if verbose:
        yield kept
        return
    package = logging.getLogger("tui_analytics")
    keeper = _Keeper(kept)
    propagate, package.propagate = package.propagate, False
    package.addHandler(keeper)
    try:
        yield kept
    finally:
        package.removeHandler(keeper)
        package.propagate = propagate


class _Keeper(logging.Handler):
    def __init__(self, kept: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append(record)


def _history_filters(args: argparse.Namespace) -> tuple[str | None, datetime | None]:
    """The history's --status and --since, checked with its other options before anything is opened."""
    if args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}")
    if args.id is not None and not args.id.strip():
        raise ValueError("the job id must not be empty (leave it out for every job)")
    status = check_choice("status", args.status, RUN_OUTCOMES) if args.status is not None else None
    since = since_moment(args.since, shown_zone(args)) if args.since is not None else None
    return status, since


def run_history(args: argparse.Namespace) -> int:
    status, since = _history_filters(args)
    processor = _processor(args)
    if args.id:
        processor._spec(args.id)
    runs = processor.history.recent(args.id, args.limit, status=status, since=since)
    if args.json:
        print(json.dumps([run_dict(r) for r in runs], indent=2))
        return 0
    if not runs:
        filtered = args.id or status or since
        print("no runs match these filters" if filtered else "no runs recorded yet")
        return 0
    tz = shown_zone(args)
    print_table(
        HISTORY_COLUMNS,
        [
            [zoned(r.started_at, tz), r.job_id, r.trigger, r.status, _ms(r.duration_ms), r.origin or "-", r.error or ""]
            for r in runs
        ],
    )
    return 0


def _applied_by(processor: AnalyticsBackgroundProcessor) -> str:
    """Who applies a stored setting: the process that schedules on this state database, if any."""
    holder = processor.lock_holder()
    if holder is None:
        return "no dashboard or serve process schedules on this state database now; the next one to start applies it"
    return f"{holder.describe()} applies it within about a second"


def _setting_reply(args: argparse.Namespace, processor: AnalyticsBackgroundProcessor, job_id: str, done: str) -> int:
    status = processor.get_job_status(job_id)
    applied = _applied_by(processor)
    if args.json:
        print(
            json.dumps(
                {"id": job_id, "paused": status.paused, "intervalSeconds": status.interval_s, "appliedBy": applied}, indent=2
            )
        )
    else:
        print(f"{job_id} {done}; {applied}")
    return 0


def run_pause(args: argparse.Namespace) -> int:
    import asyncio

    root = services(args)
    processor = root.processor.open()
    processor._spec(args.id)  # an unknown id: one line with the closest ids, nothing stored
    change = processor.pause_job if args.paused else processor.resume_job
    with root.telling():  # the scheduling process applies it within a second
        asyncio.run(change(args.id))
    done = "paused (manual runs still work)" if args.paused else "resumed"
    return _setting_reply(args, processor, args.id, done)


def run_interval(args: argparse.Namespace) -> int:
    import asyncio

    from tui_analytics.processor.jobsettings import describe_interval, parse_interval

    seconds = parse_interval(args.interval)  # checked before anything is opened or stored
    root = services(args)
    processor = root.processor.open()
    processor._spec(args.id)
    with root.telling():  # the scheduling process applies it within a second
        asyncio.run(processor.set_job_interval(args.id, seconds))
    every = describe_interval(processor.interval(args.id))
    done = f"runs every {every}" + (" (the configured interval)" if seconds is None else "")
    if processor.is_paused(args.id):
        done += " once resumed (it is paused)"
    return _setting_reply(args, processor, args.id, done)
