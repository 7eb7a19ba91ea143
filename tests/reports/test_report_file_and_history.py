"""A report's history row names its file before the file is saved ('writing'), then says
'completed': a kill between the two leaves a row that says what happened, never a report
file without its history. The next process that schedules resolves 'writing' rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_analytics.data.engines import dispose_all
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports import run as runner_module
from tui_analytics.runtime.clock import SYSTEM_CLOCK
from tui_analytics.runtime.events import EventBus


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs (not an Exception, so no handler records it)."""


def service(settings) -> AnalyticsScheduledReportsService:
    return AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()


def history(settings) -> list:
    return service(settings).get_scheduled_reports()


async def test_killed_after_the_file_is_saved_the_row_names_it_and_the_restart_keeps_it(settings, monkeypatch):
    reports = service(settings)
    finish = reports.runner.runs.finish

    def killed_before_done(run_id, **values):
        if values.get("status") == "completed":
            raise Killed
        finish(run_id, **values)

    monkeypatch.setattr(reports.runner.runs, "finish", killed_before_done)
    with pytest.raises(Killed):
        await reports.generate_report("daily-activity-summary")
    files = [p for p in settings.resolved_report_dir.iterdir() if not p.name.endswith(".meta.json")]
    assert len(files) == 1
    [row] = history(settings)
    assert (row.status, row.filename, row.path) == ("writing", files[0].name, str(files[0]))  # the file is recorded
    dispose_all()  # the process is gone
    assert service(settings).claim_scheduler()  # the next process that schedules
    [row] = history(settings)
    assert row.status == "interrupted" and "complete but was not delivered" in row.error
    assert row.path == str(files[0]) and Path(row.path).read_bytes() == files[0].read_bytes()


async def test_killed_while_saving_the_restart_drops_the_name(settings, monkeypatch):
    reports = service(settings)

    def killed_while_writing(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(runner_module, "save_export", killed_while_writing)
    with pytest.raises(Killed):
        await reports.generate_report("daily-activity-summary")
    [row] = history(settings)
    assert row.status == "writing" and row.filename  # the name it was about to write
    dispose_all()
    assert service(settings).claim_scheduler()
    [row] = history(settings)
    assert row.status == "interrupted" and row.filename is None and row.path is None
    assert not settings.resolved_report_dir.exists() or list(settings.resolved_report_dir.iterdir()) == []


async def test_a_failed_save_keeps_no_name(settings, monkeypatch):
    reports = service(settings)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner_module, "save_export", disk_full)
    with pytest.raises(OSError):
        await reports.generate_report("daily-activity-summary")
    [row] = history(settings)
    assert row.status == "failed" and row.filename is None and row.path is None


async def test_a_name_taken_meanwhile_is_never_replaced(settings, monkeypatch, frozen_clock):
    reports = AnalyticsScheduledReportsService(settings, auto_start=False, clock=frozen_clock, bus=EventBus()).open()
    first = await reports.generate_report("daily-activity-summary")
    second = await reports.generate_report("daily-activity-summary")  # same second: same name
    assert first.filename != second.filename and Path(first.path).exists() and Path(second.path).exists()
    assert [r.filename for r in reports.get_scheduled_reports()] == [second.filename, first.filename]
