"""A full disk under the state database: every failed history write is the same one line (no
traceback, no statement), which the log's repeat filter shows once a minute; and a run whose end
could not be written is closed at stop once the database takes writes again, never left 'running'."""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy.exc import OperationalError

from tui_analytics.processor.models import COMPLETED, RUNNING
from tui_analytics.runtime.quiet_log import RepeatFilter


class DiskFull:
    """The history's closing writes fail as SQLite fails on a full disk, while `full`."""

    def __init__(self, processor) -> None:
        self.full = True
        self.failures = 0
        original = processor.history.finish

        def finish(row_id, run):
            if self.full:
                self.failures += 1
                raise OperationalError(
                    "UPDATE job_runs SET status=? WHERE job_runs.id = ?",
                    (run.status, row_id),
                    sqlite3.OperationalError("database or disk is full"),
                )
            return original(row_id, run)

        processor.history.finish = finish


async def test_a_full_disk_logs_one_line_per_problem_and_the_runs_are_closed_at_stop(make_processor, fake_repo, caplog) -> None:
    processor = make_processor(fake_repo)
    disk = DiskFull(processor)
    caplog.set_level(logging.WARNING, logger="tui_analytics")
    for _ in range(5):
        run = await processor.trigger_job("top-items")
        assert run.status == COMPLETED  # the job itself is fine: only its record failed
    assert disk.failures >= 5
    left_open = [r for r in processor.history.recent("top-items") if r.status == RUNNING]
    assert len(left_open) == 5  # the rows as the full disk left them

    lines = [r for r in caplog.records if r.name.startswith("tui_analytics.processor")]
    assert lines and all(r.exc_info is None for r in lines)  # no traceback
    assert {r.getMessage() for r in lines} == {lines[0].getMessage()}  # the same line each time
    message = lines[0].getMessage()
    assert message.startswith("could not write the job history: ") and message.endswith("database or disk is full")
    assert "UPDATE" not in message and "\n" not in message
    quiet = RepeatFilter(clock=lambda: 0.0)
    assert sum(quiet.filter(r) for r in lines) == 1  # what serve's log shows in the minute

    disk.full = False  # space freed before the clean stop
    processor.stop(interrupt=True)
    statuses = [r.status for r in processor.history.recent("top-items")]
    assert statuses == [COMPLETED] * 5, statuses


async def test_runs_that_cannot_be_closed_at_stop_are_said_once(make_processor, fake_repo, caplog) -> None:
    processor = make_processor(fake_repo)
    DiskFull(processor)
    await processor.trigger_job("top-items")
    await processor.trigger_job("user-growth")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tui_analytics"):
        processor.stop(interrupt=True)  # still full: the next start marks them interrupted
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].startswith("2 job run(s) could not be closed at stop"), said
    assert "next start records them as interrupted" in said[0]
