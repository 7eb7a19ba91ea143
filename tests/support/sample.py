"""A dashboard over fixed data: for snapshot tests, the README screenshots and demos.

Real services over a demo database generated from a fixed seed, a frozen clock,
no scheduler, and job history, cache contents and performance figures written
in directly, so every run draws exactly the same screen. Nothing here runs a
job on a timer or measures anything real.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.support.processor_fakes import WrappedRepository
from tui_analytics.config.settings import Settings
from tui_analytics.data.source.demo_data import DemoSpec, load_demo_data
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.ui.app import DashboardApp, build_app
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.wiring import Services

SAMPLE_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
SAMPLE_SPEC = DemoSpec(users=300, items=40, activities=20_000, months=18, seed=7, end=SAMPLE_NOW)

# What the performance-metrics job would have measured (fixed, so screenshots never move).
SAMPLE_PERFORMANCE: dict[str, Any] = {
    "measuredAt": (SAMPLE_NOW - timedelta(seconds=12)).isoformat(),
    "databaseLatencyMs": 0.42,
    "databaseError": None,
    "eventLoopLagMs": 0.8,
    "eventLoopLagMeanMs": 0.6,
    "eventLoopLagMaxMs": 3.1,
    "memoryRssMb": 86.4,
    "schedulerState": "running",
}

# Typical durations (ms) per job; the history below varies them a little.
TYPICAL_MS = {
    "user-growth": 38.0,
    "activity-trends": 22.0,
    "top-items": 61.0,
    "recent-activity": 9.0,
    "performance-metrics": 4.0,
    "cache-cleanup": 1.5,
}

FAILED_TOP_ITEMS = "OperationalError: database is locked"


class FailingRepository(WrappedRepository):
    """A repository whose named methods raise (`fail["top_items"] = "message"`); the rest pass through.

    `fail` can be changed while the app runs, to make the next job run fail.
    """

    def __init__(self, inner: SourceRepository, fail: dict[str, str] | None = None) -> None:
        super().__init__(inner)
        self.fail: dict[str, str] = dict(fail or {})

    def before(self, method: str) -> None:
        message = self.fail.get(method)
        if message is not None:
            raise RuntimeError(message)


def ensure_sample_source(data_dir: Path) -> Path:
    """The demo database with SAMPLE_SPEC in `data_dir` (created once; a few seconds)."""
    from tui_analytics.data.engines import new_engine

    path = data_dir / "demo.sqlite3"
    if path.exists() and path.stat().st_size > 0:
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("demo.sqlite3.partial")
    tmp.unlink(missing_ok=True)
    engine = new_engine(f"sqlite:///{tmp}")
    try:
        load_demo_data(engine, SAMPLE_SPEC)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    tmp.replace(path)
    return path


def seed_job_history(state_engine: Any, settings: Settings, *, runs: int = 12, failed: dict[str, str] | None = None) -> None:
    """Write `runs` past runs per job, ending just before SAMPLE_NOW; `failed` makes a job's last run fail."""
    from tui_analytics.processor.history import JobHistory
    from tui_analytics.processor.models import JobRun

    history = JobHistory(state_engine)
    failed = failed or {}
    for number, (job_id, typical) in enumerate(TYPICAL_MS.items()):
        interval = settings.interval(job_id)
        for index in range(runs):
            started = SAMPLE_NOW - timedelta(seconds=interval * (runs - index) - 7 * number)
            if started >= SAMPLE_NOW:
                started = SAMPLE_NOW - timedelta(seconds=runs - index)
            duration = round(typical * (1 + 0.35 * math.sin(index * 1.3 + number)), 1)
            last = index == runs - 1
            error = failed.get(job_id) if last else None
            history.add(
                JobRun(
                    job_id,
                    "scheduled",
                    "failed" if error else "completed",
                    started,
                    started + timedelta(milliseconds=duration),
                    duration,
                    error,
                )
            )


def concrete(services: DashboardServices) -> Services:
    """The composition root behind a dashboard's services, as the tests built it (the dashboard sees
    it through its protocols; a test reaches the concrete services to set up or check them)."""
    root = services.root
    assert isinstance(root, Services)
    return root


def fill_cache(services: DashboardServices, repository: SourceRepository, *, stale: dict[str, str] | None = None) -> None:
    """Put every dataset the jobs cache into the processor's cache, as a run at SAMPLE_NOW would;
    keys of `stale` jobs are then marked failed with that error."""
    from tui_analytics.processor.jobs import DATASETS

    processor = concrete(services).processor  # the concrete processor: its cache and figures are written in directly
    for key, fetch in DATASETS.items():
        processor.cache.set(key, fetch(repository), ttl=processor.ttl_for(key.split(":")[0]))
    for job_id, error in (stale or {}).items():
        for key in [k for k in DATASETS if k.startswith(job_id + ":")]:
            processor.cache.mark_failed(key, error)
    processor.latest_performance = dict(SAMPLE_PERFORMANCE)
    processor.last_cleanup = SAMPLE_NOW - timedelta(minutes=20)
    for key in DATASETS:  # a few reads, so the hit rate is not empty
        processor.cache.read(key)
    processor.cache.read("user-growth:24")


# What the header and the export dialog show instead of a temporary directory.
SHOWN_DATA_DIR = "~/.local/share/tui-analytics"


def sample_services(
    settings: Settings,
    *,
    failed_job: bool = False,
    wrap: Callable[[SourceRepository], SourceRepository] | None = None,
    processor_options: dict[str, Any] | None = None,
    shown_paths: bool = True,
) -> DashboardServices:
    """Services over the sample data, built by the composition root (blocking: call before the app runs).

    `wrap` wraps the repository (FailingRepository, a slow one in tests);
    `processor_options` go to AnalyticsBackgroundProcessor (e.g. warm_on_start).
    """
    from tui_analytics.data.source.opening import open_source
    from tui_analytics.data.state.database import open_state

    clock = FrozenClock(SAMPLE_NOW)
    ensure_sample_source(settings.data_dir)
    plain = open_source(settings, clock=clock)
    failures = {"top-items": FAILED_TOP_ITEMS} if failed_job else {}
    state = open_state(settings)
    seed_job_history(state, settings, failed=failures)
    root = Services(
        settings,
        clock=clock,
        repository=wrap(plain) if wrap is not None else plain,
        state_engine=state,
        processor_options={"autostart": False, "probe_loop_lag": False, **(processor_options or {})},
        reports_options={"auto_start": False},
    ).open()
    services = DashboardServices(root)
    if shown_paths:
        services.shown_database = f"sqlite:///{SHOWN_DATA_DIR}/demo.sqlite3"
        services.shown_export_dir = f"{SHOWN_DATA_DIR}/exports"
        services.shown_data_dir = SHOWN_DATA_DIR
    fill_cache(services, plain, stale=failures)
    return services


async def generate_sample_reports(
    services: DashboardServices, template_ids: tuple[str, ...] = ("daily-activity-summary", "weekly-user-growth")
) -> None:
    """Make a few reports so the history is not empty (run inside the app's loop)."""
    for template_id in template_ids:
        await services.reports.generate_report(template_id)


def record_notifications(app: DashboardApp) -> DashboardApp:
    """Keep every notification the app shows, also after it timed out and left the screen
    (a busy machine can take longer than a toast's timeout between the key and the check)."""
    sent: list[tuple[str, str, str]] = []
    show = app.notify

    def notify(message: str, **options: Any) -> None:
        sent.append((options.get("severity", "information"), options.get("title", ""), message))
        show(message, **options)

    app.notify = notify  # type: ignore[method-assign]
    app.sent_notifications = sent  # type: ignore[attr-defined]
    return app


def app_for(services: DashboardServices, *, start_scheduler: bool = False) -> DashboardApp:
    """The dashboard over given services, cursor blink off."""
    app = build_app(services.settings, services=concrete(services), start_scheduler=start_scheduler)
    app.services.shown_database = services.shown_database
    app.services.shown_export_dir = services.shown_export_dir
    app.services.shown_data_dir = services.shown_data_dir
    app.cursor_blink = False
    return record_notifications(app)


def sample_app(settings: Settings, *, failed_job: bool = False) -> DashboardApp:
    """The dashboard over sample services, scheduler off, cursor blink off."""
    return app_for(sample_services(settings, failed_job=failed_job))


def sample_settings(data_dir: Path) -> Settings:
    """Settings for a sample data directory (UTC, so screenshots do not depend on the machine)."""
    return Settings.for_dir(data_dir, timezone_name="UTC")
