"""SIGTERM to `serve` while a scheduled report is generating: one clean line, no traceback, and the
run recorded as interrupted."""

from __future__ import annotations

import contextlib
import signal
import sqlite3

import pytest

from tests.support.reliability import Worker


@pytest.mark.slow  # the real serve in a subprocess
def test_sigterm_during_a_scheduled_report_logs_one_line_and_records_it_interrupted(data_dir) -> None:
    # The worker runs `serve` with the template's scheduled job fired at start (through APScheduler,
    # as at its fire time) and its data query endless until interrupted.
    worker = Worker("serve-report", str(data_dir), "daily-activity-summary")
    try:
        worker.wait_for("READY generating", timeout=300)
        worker.proc.send_signal(signal.SIGTERM)
        code, _out, log = worker.finish(timeout=120)
    finally:
        worker.close()
    assert code == 0, log
    assert "Traceback" not in log and "CancelledError" not in log, log
    said = [line for line in log.splitlines() if "daily-activity-summary interrupted" in line]
    assert len(said) == 1 and said[0].endswith("scheduled report daily-activity-summary interrupted: the scheduler is stopping"), (
        log
    )
    assert log.rstrip().endswith("stopped")
    with contextlib.closing(sqlite3.connect(f"file:{data_dir / 'state.sqlite3'}?mode=ro", uri=True)) as db:
        runs = db.execute("SELECT template_id, trigger, status FROM report_runs").fetchall()
    assert runs == [("daily-activity-summary", "scheduled", "interrupted")]
