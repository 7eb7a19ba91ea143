"""kill -9 during an export, a report generation, a job run and a stream of template edits.

After the kill and a restart (the services created again in another process), no target
path holds a partial file, no temp file is left, the history marks the interrupted work,
and every template edit that was acknowledged before the kill is there.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3

import pytest
from sqlalchemy import func, select

from tests.support.reliability import Worker, temp_litter
from tui_analytics.data.schema import job_runs, report_runs
from tui_analytics.export import AnalyticsExportService
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import SYSTEM_CLOCK
from tui_analytics.runtime.events import EventBus

pytestmark = pytest.mark.slow  # worker subprocesses killed mid-write, then restarted


@pytest.fixture
def worker_factory():
    made: list[Worker] = []

    def make(mode: str, *args: str) -> Worker:
        worker = Worker(mode, *args)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.close()


def test_kill_during_cli_export_leaves_no_partial_file(settings, tmp_path, worker_factory, capsys, monkeypatch) -> None:
    from tui_analytics.cli import main

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "out"
    out.mkdir()
    target = out / "activity.csv"
    target.write_text("the previous export\n")  # an older file at the target must survive intact
    worker = worker_factory("export-o", str(settings.data_dir), str(target))
    worker.wait_for("READY")
    assert temp_litter(out)  # mid-write: the data is in a hidden temp file, not at the target
    worker.kill9()
    assert target.read_text() == "the previous export\n"
    # restart: the next export into that directory cleans the dead writer's temp and writes the whole file
    assert main(["export", "recent-activity", "-o", str(target), "-q"]) == 0
    assert temp_litter(out) == []
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 20_000  # every activity of the demo data: complete, not partial
    capsys.readouterr()


def test_kill_during_export_into_the_export_dir_leaves_no_litter_after_restart(settings, worker_factory) -> None:
    worker = worker_factory("export-dir", str(settings.data_dir))
    worker.wait_for("READY")
    export_dir = settings.resolved_export_dir
    assert temp_litter(export_dir)
    worker.kill9()
    AnalyticsExportService(settings=settings).open()  # the next start of the services
    assert list(export_dir.iterdir()) == []  # no partial export, no temp


@pytest.mark.parametrize("mode", ["report-build", "report-write"])
def test_kill_during_report_generation(settings, worker_factory, mode) -> None:
    worker = worker_factory(mode, str(settings.data_dir))
    worker.wait_for("READY")
    report_dir = settings.resolved_report_dir
    if mode == "report-write":
        assert temp_litter(report_dir)
    worker.kill9()
    service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()  # restart
    assert service.claim_scheduler()  # the process that schedules recovers what the dead one left
    history = service.get_scheduled_reports()
    assert [(h.template_id, h.status) for h in history] == [("daily-activity-summary", "interrupted")]
    assert "interrupted" in (history[0].error or "") and history[0].path is None
    stats = service.get_report_statistics()
    assert (stats.total_reports, stats.failed_reports, stats.running_reports) == (1, 1, 0)
    assert not report_dir.exists() or list(report_dir.iterdir()) == []  # no partial report, no temp
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(report_runs).where(report_runs.c.status == "running")).scalar() == 0


def test_kill_during_a_job_run_is_recorded_as_interrupted(settings, worker_factory, frozen_clock) -> None:
    worker = worker_factory("job", str(settings.data_dir))
    worker.wait_for("READY")
    worker.kill9()
    processor = AnalyticsBackgroundProcessor(
        settings, autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK
    ).open()
    assert processor.claim_scheduler()  # the process that schedules recovers what the dead one left
    runs = processor.history.recent("user-growth")
    assert [(r.status, r.trigger) for r in runs] == [("interrupted", "manual")]
    assert "stopped before the run finished" in (runs[0].error or "")
    with processor.state_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(job_runs).where(job_runs.c.status == "running")).scalar() == 0


@pytest.mark.parametrize("edits_before_kill", [3, 40, 150])
def test_kill_during_template_edits_loses_no_acknowledged_edit(settings, worker_factory, edits_before_kill) -> None:
    worker = worker_factory("edits", str(settings.data_dir))
    template_id = worker.wait_for("CREATED").split()[1]
    worker.wait_for(f"EDIT {edits_before_kill}")
    worker.kill9()  # somewhere in the middle of a later edit
    acknowledged = max(int(line.split()[1]) for line in worker.lines if line.startswith("EDIT"))
    state_db = settings.data_dir / "state.sqlite3"
    with sqlite3.connect(state_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()
    template = service.get_report_template(template_id)
    n = int(re.fullmatch(r"edit-(\d+)", template.description).group(1))  # type: ignore[union-attr]
    assert n >= acknowledged  # nothing acknowledged was lost (n may be one ahead: committed, not yet printed)
    assert template.recipients == [f"ops{n}@example.com"]  # both fields of one edit, never half of one
    assert len(service.get_report_templates()) == 5
