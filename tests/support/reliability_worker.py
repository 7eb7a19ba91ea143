"""A process for the reliability tests to kill, quit or run side by side (not a test module).

    python tests/support/reliability_worker.py MODE DATA_DIR [ARGS...]

Each mode prints `READY ...` when it reaches the moment the test wants (mid-write,
mid-query), then waits to be killed or told to quit. Modes:
  export-o TARGET   the CLI export of recent activity to TARGET, paused mid-stream
  export-dir        an export into the export directory, paused mid-stream
  report-build      a report generation paused while fetching its data
  report-write      a report generation paused while its file is half written
  job               a job run paused in its query
  edits             template edits in a loop, printing `EDIT n` after each commit
  scheduler NAME    a dashboard-like process: processor + reports scheduled on a loop, until
                    DATA_DIR/NAME.stop exists
  quit MODE         a job, an export and a report stuck in endless queries; SIGTERM quits
                    (MODE stop: as the dashboard does; cancel: only asyncio.run's clean-up)
  serve-report ID   `tui-analytics serve` whose scheduled job of template ID fires at start (its
                    latest fire time due) and whose generation is stuck in an endless query
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import text

from tui_analytics.config.settings import Settings
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import SYSTEM_CLOCK
from tui_analytics.runtime.events import EventBus

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def hang() -> None:
    while True:
        time.sleep(60)


def settings_for(data_dir: str) -> Settings:
    return Settings.for_dir(Path(data_dir), timezone_name="UTC")


def pause_writes_after(nbytes: int) -> None:
    """The atomic writer's file pauses (for good) once `nbytes` were written: a kill lands mid-write."""
    from tui_analytics.export import files

    class Pausing:
        def __init__(self, fh: Any) -> None:
            self._fh, self._written = fh, 0

        def write(self, data: Any) -> int:
            n = self._fh.write(data)
            self._written += len(data)
            if self._written >= nbytes:
                self._fh.flush()
                say("READY writing")
                hang()
            return n

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

    original = files.AtomicFile.__enter__

    def pausing_enter(self: files.AtomicFile) -> IO[bytes]:
        return cast(IO[bytes], Pausing(original(self)))  # a stand-in: whatever it does not pause, it passes on

    files.AtomicFile.__enter__ = pausing_enter  # type: ignore[method-assign]


def mode_export_o(data_dir: str, target: str) -> None:
    from tui_analytics.cli import main

    os.environ["TUI_ANALYTICS_DATA_DIR"] = data_dir
    pause_writes_after(200_000)
    main(["export", "recent-activity", "-o", target, "-q"])


def mode_export_dir(data_dir: str) -> None:
    from tui_analytics.export import AnalyticsExportService, ExportOptions

    pause_writes_after(200_000)
    AnalyticsExportService(settings=settings_for(data_dir)).write_file("recent-activity", None, ExportOptions())


def _report_service(data_dir: str) -> Any:
    from tui_analytics.reports import AnalyticsScheduledReportsService

    return AnalyticsScheduledReportsService(settings_for(data_dir), auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()


def mode_report_build(data_dir: str) -> None:
    original = AdminAnalyticsOptimizedRepository.recent_activity

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        say("READY building")
        hang()
        return original(self, *args, **kwargs)

    AdminAnalyticsOptimizedRepository.recent_activity = slow  # type: ignore[method-assign]
    asyncio.run(_report_service(data_dir).generate_report("daily-activity-summary"))


def mode_report_write(data_dir: str) -> None:
    from tui_analytics.export import files

    def half_written(path: Any, data: bytes, **kwargs: Any) -> Path:
        writer = files.AtomicFile(path, **kwargs)
        with writer as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            say("READY writing", path)
            hang()
        return writer.path

    files.write_atomic = half_written  # save_export looks it up in the module at call time
    asyncio.run(_report_service(data_dir).generate_report("daily-activity-summary"))


def mode_job(data_dir: str) -> None:
    from tui_analytics.processor import AnalyticsBackgroundProcessor

    class Stuck(AdminAnalyticsOptimizedRepository):
        def user_growth(self, *args: Any, **kwargs: Any) -> Any:
            say("READY querying")
            hang()

    settings = settings_for(data_dir)
    processor = AnalyticsBackgroundProcessor(
        settings, repository=Stuck(settings.source_url), autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK
    )
    asyncio.run(processor.trigger_job("user-growth"))


def mode_edits(data_dir: str) -> None:
    service = _report_service(data_dir)
    template = service.create_report_template(name="Edited", schedule="daily", datasets=["top-items"])
    say("CREATED", template.id)
    n = 0
    while True:
        n += 1
        service.update_report_template(template.id, description=f"edit-{n}", recipients=[f"ops{n}@example.com"])
        say("EDIT", n)


# A scheduler worker makes at least this many loop turns before it heeds its stop file.
MIN_TURNS = 20


def mode_scheduler(data_dir: str, name: str) -> None:
    """Like the dashboard: both services on one loop; fires every report job repeatedly; reports its view.

    It runs until the test creates `<data_dir>/<name>.stop` (and it has made MIN_TURNS turns),
    never for a length of time: a busy machine slows it down, it does not cut it short.
    It says TOOK-OVER when it starts scheduling after having been read-only.
    """
    from tui_analytics.data.state import locking
    from tui_analytics.runtime import scheduling
    from tui_analytics.wiring import Services

    locking.set_program(f"test scheduler {os.getpid()}")
    locking.SchedulerLock.refresh_interval = 0.2
    settings = settings_for(data_dir)

    async def main() -> None:
        root = Services(settings, processor_options={"warm_on_start": False, "probe_loop_lag": False})
        await asyncio.to_thread(root.open)  # as the dashboard does: open in a thread, then schedule
        root.start()
        processor, reports = root.processor, root.reports
        await asyncio.sleep(0.3)
        holder = processor.lock_holder()
        say(
            "READY",
            json.dumps(
                {
                    "pid": os.getpid(),
                    "readOnly": processor.read_only,
                    "reportsReadOnly": reports.read_only,
                    "state": processor.scheduler_state(),
                    "reportsState": reports.scheduler_state,
                    "holder": holder.describe() if holder else None,
                    "holderPid": holder.pid if holder else None,
                }
            ),
        )
        stop_file = Path(data_dir) / f"{name}.stop"
        fired = turns = 0
        read_only = processor.read_only
        while not (stop_file.exists() and turns >= MIN_TURNS):
            turns += 1
            scheduler = scheduling.current_scheduler()
            for job in scheduler.get_jobs() if scheduler else []:
                if job.id.startswith("report:") or job.id.endswith(":performance-metrics"):
                    scheduling.fire_now(job.id)
                    fired += 1
            if read_only and not processor.read_only:
                read_only = False
                say("TOOK-OVER", json.dumps({"fired": fired}))
            await asyncio.sleep(0.1)
            await reports.wait_idle()
        say("DONE", json.dumps({"fired": fired, "readOnly": processor.read_only, "state": processor.scheduler_state()}))
        processor.stop()
        reports.stop()

    asyncio.run(main())


def mode_quit(data_dir: str, how: str) -> None:
    """A job and an export both stuck in endless queries; SIGTERM quits the way the dashboard does."""
    from tui_analytics.data import querylimits
    from tui_analytics.export import ExportOptions
    from tui_analytics.wiring import Services

    class Endless(AdminAnalyticsOptimizedRepository):
        def user_growth(self, *args: Any, **kwargs: Any) -> Any:
            self._rows(text(RUNAWAY))

        def activity_trends(self, *args: Any, **kwargs: Any) -> Any:
            self._rows(text(RUNAWAY))

        def iter_recent_activity(self, *args: Any, **kwargs: Any) -> Any:
            with self.engine.connect() as conn:
                yield from ({"n": n} for (n,) in conn.execute(text(RUNAWAY)))

    settings = settings_for(data_dir)
    repo = Endless(settings.source_url)

    async def main() -> None:
        quit_now = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, quit_now.set)
        # Built and opened as the dashboard does, through the composition root.
        root = Services(
            settings,
            repository=repo,
            processor_options={"autostart": False, "probe_loop_lag": False},
            reports_options={"auto_start": False},
        )
        await asyncio.to_thread(root.open)
        processor, reports, exporter = root.processor, root.reports, root.export
        job = asyncio.create_task(processor.trigger_job("user-growth"))
        export = asyncio.create_task(exporter.export_to_file("recent-activity", None, ExportOptions()))
        report = asyncio.create_task(reports.generate_report("daily-activity-summary"))
        while querylimits.active_count() < 3:
            await asyncio.sleep(0.02)
        say("READY running")
        await quit_now.wait()
        if how == "stop":  # what the dashboard does on quit
            processor.stop(interrupt=True)
            reports.stop(interrupt=True)
            export.cancel()
        # "cancel": nothing explicit; asyncio.run cancels the tasks as it closes the loop
        say("QUITTING")
        del job, report

    asyncio.run(main())
    say("EXITED")


def mode_serve_report(data_dir: str, template_id: str) -> None:
    """The real `serve` (its log on stderr); the report's data query never ends until interrupted."""
    from datetime import datetime

    from sqlalchemy import update

    from tui_analytics.cli import main
    from tui_analytics.data.schema import report_templates
    from tui_analytics.reports.service import AnalyticsScheduledReportsService
    from tui_analytics.reports.timetable import job_id
    from tui_analytics.runtime import scheduling

    original = AdminAnalyticsOptimizedRepository.recent_activity

    def endless(self: AdminAnalyticsOptimizedRepository, limit: int = 20, date_range: Any = None) -> Any:
        if date_range is None:  # the job's read (no period): as usual
            return original(self, limit, date_range)
        say("READY generating")
        return self._rows(text(RUNAWAY))

    async def fire_instead_of_catching_up(self: AnalyticsScheduledReportsService) -> list[Any]:
        # Through APScheduler, as at a fire time: the template as if made long ago, so a slot is due.
        def long_ago() -> None:
            with self.engine.begin() as conn:
                conn.execute(
                    update(report_templates).where(report_templates.c.id == template_id).values(created_at=datetime(2000, 1, 1))
                )

        await asyncio.to_thread(long_ago)
        scheduling.fire_now(job_id(template_id))
        return []

    AdminAnalyticsOptimizedRepository.recent_activity = endless  # type: ignore[method-assign]
    AnalyticsScheduledReportsService.catch_up = fire_instead_of_catching_up  # type: ignore[method-assign]
    os.environ["TUI_ANALYTICS_DATA_DIR"] = data_dir
    os.environ["TUI_ANALYTICS_TIMEZONE"] = "UTC"
    sys.exit(main(["serve"]))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    modes: dict[str, Callable[..., None]] = {
        "export-o": mode_export_o,
        "export-dir": mode_export_dir,
        "report-build": mode_report_build,
        "report-write": mode_report_write,
        "job": mode_job,
        "edits": mode_edits,
        "scheduler": mode_scheduler,
        "quit": mode_quit,
        "serve-report": mode_serve_report,
    }
    modes[mode](*args)
