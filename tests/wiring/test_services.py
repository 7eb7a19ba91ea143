"""The composition root: building does no I/O, open() does, getters are pure, the faces go through it."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from dataclasses import replace
from pathlib import Path

from tui_analytics.config.settings import Settings
from tui_analytics.runtime import scheduling
from tui_analytics.wiring import Services


def files_under(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")} if directory.exists() else set()


def fresh_settings(tmp_path: Path) -> Settings:
    return Settings.for_dir(tmp_path / "fresh", timezone_name="UTC")


def test_building_every_service_touches_no_file(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path)
    root = Services(settings, processor_options={"probe_loop_lag": False})
    # Reading each service builds it; none may open a database or the disk.
    processor, export, reports = root.processor, root.export, root.reports
    assert (processor, export, reports) == (root.processor, root.export, root.reports)  # built once
    assert not settings.data_dir.exists()


def test_open_creates_the_demo_source_and_state_then_services_read_them(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path)
    progress: list[str] = []
    root = Services(settings, processor_options={"probe_loop_lag": False}).open(lambda stage, *_: progress.append(stage))
    assert {"demo.sqlite3", "state.sqlite3"} <= files_under(settings.data_dir)
    assert progress and root.opened_source  # the first start reported its demo-data progress
    assert [t.id for t in root.reports.get_report_templates()][:4] == [
        "daily-activity-summary",
        "weekly-user-growth",
        "monthly-comprehensive",
        "quarterly-performance",
    ]
    assert len(root.processor.get_job_statuses()) == 6


def test_a_service_left_temp_file_is_removed_by_open_not_by_the_constructor(settings: Settings) -> None:
    export_dir = settings.resolved_export_dir
    export_dir.mkdir(parents=True)
    litter = export_dir / ".old.csv.1-1.abcdefgh.tui-tmp"
    litter.write_text("half a file")
    old = 1_000_000_000  # 2001: older than the hour a writer may still be busy with it
    os.utime(litter, (old, old))
    root = Services(settings)
    assert root.export is not None and litter.exists()
    root.export.open()
    assert not litter.exists()


async def test_getters_never_schedule(settings: Settings, frozen_clock) -> None:
    root = Services(settings, clock=frozen_clock, processor_options={"probe_loop_lag": False, "warm_on_start": False})
    await asyncio.to_thread(root.open)
    try:
        root.processor.get_job_statuses()
        root.processor.get_job_metrics()
        root.reports.get_report_templates()
        root.reports.get_scheduled_reports()
        loop_scheduler = scheduling.current_scheduler()
        assert loop_scheduler is None or loop_scheduler.get_jobs() == []
        assert root.reports.scheduler_state == "pending"
        root.start()  # the explicit step schedules
        await root.reports.wait_idle()
        loop_scheduler = scheduling.current_scheduler()
        assert loop_scheduler is not None
        jobs = [job.id for job in loop_scheduler.get_jobs()]
        assert sum(":" in j and not j.startswith("report:") for j in jobs) == 6
        assert sum(j.startswith("report:") for j in jobs) == 4
    finally:
        root.stop(interrupt=True)


def test_a_report_performance_section_reads_this_roots_processor(settings: Settings, frozen_clock) -> None:
    root = Services(settings, clock=frozen_clock, processor_options={"probe_loop_lag": False}).open()
    root.processor.latest_performance = {"eventLoopLagMs": 1.5}
    assert root.repository is not None  # open() opened the source
    figures = root._performance(root.repository, "running")
    assert figures["eventLoopLagMs"] == 1.5 and figures["totalJobs"] == 0 and figures["schedulerState"] == "running"
    bare = Services(settings, clock=frozen_clock)
    bare.reports.open()  # a process that only makes reports (the API's reports singleton alone)
    bare_figures = bare._performance(bare.reports.runner.repository(), "stopped")
    assert "eventLoopLagMs" not in bare_figures and "totalJobs" not in bare_figures
    assert bare.built("processor") is None


def test_cli_commands_build_their_services_through_the_root(settings: Settings, monkeypatch) -> None:
    from tui_analytics.cli import common

    built: list[Services] = []
    real_init = Services.__init__

    def spy(self: Services, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(Services, "__init__", spy)
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    root = common.services(argparse.Namespace(config=None))
    assert built == [root] and root.settings.data_dir == settings.data_dir
    processor = root.processor
    assert processor.auto_sync_disabled is False and processor._wanted is False  # a command never schedules


def test_api_singletons_share_one_root_and_reread_the_configuration(tmp_path: Path, monkeypatch) -> None:
    from tui_analytics import api

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "one"))
    try:
        processor = api.get_analytics_background_processor()
        reports = api.get_analytics_scheduled_reports_service()
        assert api._root is not None and api._root.built("processor") is processor
        assert api._root.built("reports") is reports
        api.stop_analytics_background_processor()
        monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "two"))
        again = api.get_analytics_background_processor()
        assert again is not processor and again.settings.data_dir == tmp_path / "two"
        assert api.get_analytics_scheduled_reports_service() is reports  # still alive: kept
    finally:
        api.stop_analytics_background_processor()
        api.stop_analytics_scheduled_reports()


def test_no_module_outside_the_root_constructs_a_service() -> None:
    # Service classes are constructed only in wiring/ (plus the reports runner's fallback export
    # service, for a reports service built on its own); engines only in data/ and by demo-data,
    # which fills the database URL it is given.
    package = Path(__file__).resolve().parents[2] / "tui_analytics"
    pattern = re.compile(
        r"(AnalyticsBackgroundProcessor|AnalyticsExportService|AnalyticsScheduledReportsService|"
        r"create_engine|new_engine|get_engine)\("
    )
    places = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(
            pattern.search(line) and not line.lstrip().startswith(("def ", "class ", "#")) for line in path.read_text().splitlines()
        )
    )
    assert places == [
        "cli/demo.py",
        "data/engines.py",
        "data/source/opening.py",
        "data/source/repository.py",
        "data/state/database.py",
        "data/state/lock_backends.py",
        "reports/run.py",
        "wiring/services.py",
    ], places


def test_the_root_gives_every_service_its_settings_bus_and_clock(tmp_path: Path, frozen_clock) -> None:
    from tui_analytics.config.alert_targets import AlertTarget
    from tui_analytics.runtime.clock import SYSTEM_CLOCK
    from tui_analytics.runtime.events import EventBus, default_bus

    settings = replace(
        fresh_settings(tmp_path), alerts=(AlertTarget("ops", frozenset({"job-failed"}), url="http://127.0.0.1:9/hook"),)
    )
    bus = EventBus()
    root = Services(settings, bus=bus, clock=frozen_clock, processor_options={"probe_loop_lag": False})
    for service in (root.processor, root.reports, root.alerts):
        assert service is not None
        assert (service.settings, service.bus, service.clock) == (settings, bus, frozen_clock), service
    assert root.export.settings is settings
    # Given settings alone, the root takes the process's bus and the system clock (config/defaults.py).
    bare = Services(settings, processor_options={"probe_loop_lag": False})
    assert (bare.processor.bus, bare.processor.clock, bare.reports.bus) == (default_bus(), SYSTEM_CLOCK, default_bus())
    assert not settings.data_dir.exists()  # and none of it read or wrote a file


def test_buses_lists_each_bus_the_services_publish_on_once(settings: Settings) -> None:
    from tui_analytics.runtime.events import EventBus, default_bus

    assert Services(settings).buses() == [default_bus()]  # the services' and the scheduler's are one
    own = EventBus()
    assert Services(settings, bus=own).buses() == [own]  # the loop's scheduler says its state on its creator's
    other = EventBus()
    passed = Services(settings, bus=own, processor=Services(settings, bus=other).processor).buses()
    assert len(passed) == 2 and passed[0] is other and passed[1] is own


def test_alerts_are_built_without_io_and_listen_wherever_a_service_publishes(tmp_path: Path) -> None:
    from tui_analytics.config.alert_targets import AlertTarget
    from tui_analytics.runtime.events import EventBus

    settings = replace(
        fresh_settings(tmp_path), alerts=(AlertTarget("ops", frozenset({"job-failed"}), url="http://127.0.0.1:9/hook"),)
    )
    bus = EventBus()
    root = Services(settings, bus=bus, processor_options={"probe_loop_lag": False})
    assert Services(fresh_settings(tmp_path)).alerts is None  # no target: no service, nothing listening
    alerts = root.alerts
    assert alerts is not None and root.alerts is alerts
    root.processor, root.reports  # noqa: B018 - building them is what connects the alerts
    assert bus._listeners == [alerts._on_event]  # one bus shared by both services: listened to once
    assert not settings.data_dir.exists()  # no database opened, no file written
