"""`tui-analytics serve`: the jobs and the report schedule without a screen.

Subprocess tests start the real command on a private data directory with the demo data and
read what it did through `jobs status --json` (the state database), as an operator would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from tests.support.serving import REPO, WAIT, Serve, cli, cli_env, job_statuses
from tests.support.waiting import wait_until, without_hanging
from tui_analytics.cli.serve_cmd import _serve
from tui_analytics.cli.serve_log import describe
from tui_analytics.data import querylimits
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.event_types import CacheChanged, JobFailed, JobFinished
from tui_analytics.wiring import Services

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.mark.slow
def test_serve_runs_the_jobs_then_stops_with_exit_0_on_sigterm(data_dir) -> None:
    serve = Serve(data_dir)
    try:
        serve.wait_until_warmed()
        status = job_statuses(data_dir)  # what an operator sees
        assert all(job["status"] == "completed" for job in status["jobs"] if job["id"] != "cache-cleanup")
        holder = status["scheduler"]["holder"]
        assert holder["pid"] == serve.proc.pid and holder["program"] == "serve"
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
    assert code == 0, log
    assert "Traceback" not in log
    assert "job.finished top-items trigger=scheduled" in log
    assert "SIGTERM received" in log and log.rstrip().endswith("stopped")
    assert sum("state=stopped" in line for line in log.splitlines()) == 1, log  # said once, not by each part
    assert "\x1b[" not in log  # plain lines: no colour or cursor codes in a log
    assert job_statuses(data_dir)["scheduler"]["holder"] is None  # the lock was given back


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_serve_stops_with_exit_0_on_sigint_and_sighup(data_dir, signum) -> None:
    serve = Serve(data_dir)
    try:
        serve.wait_for_line("scheduling 6 jobs")
        code, log = serve.stop(signum)
    finally:
        serve.close()
    name = signal.Signals(signum).name
    assert code == 0 and "Traceback" not in log and f"{name} received: stopping" in log, log
    assert log.rstrip().endswith("stopped")
    assert job_statuses(data_dir)["scheduler"]["holder"] is None  # a clean stop: the lock was given back


@pytest.mark.slow
def test_a_second_serve_on_the_same_data_dir_exits_1_naming_the_lock_holder(data_dir) -> None:
    first = Serve(data_dir)
    try:
        first.wait_for_line("scheduling 6 jobs")
        second = cli(data_dir, "serve")
        code, _ = first.stop()
    finally:
        first.close()
    assert second.returncode == 1
    lines = second.stderr.splitlines()
    assert len(lines) == 1, second.stderr  # one line says why, nothing else
    assert lines[0].startswith("tui-analytics: error: the scheduler lock is held by serve ")
    assert f"(pid {first.proc.pid} on {socket.gethostname()}, since " in lines[0]
    assert code == 0


def test_serve_says_it_has_nothing_to_do_when_auto_sync_is_disabled(data_dir, monkeypatch, capsys) -> None:
    from tui_analytics.cli import main

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DISABLE_AUTO_SYNC", "true")
    assert main(["serve"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "tui-analytics: error: DISABLE_AUTO_SYNC is set: serve has nothing to schedule"
    )


class Endless(AdminAnalyticsOptimizedRepository):
    """user-growth's query never ends (until it is interrupted)."""

    started = threading.Event()

    def user_growth(self, *args, **kwargs):  # never returns: the query runs until it is interrupted
        self.started.set()
        self._rows(text(RUNAWAY))


@pytest.mark.slow
async def test_sigterm_interrupts_a_running_job_and_records_it_interrupted(settings) -> None:
    repository = Endless(settings.source_url)
    # The count is process-wide: statements of earlier tests in this worker that are still unwinding
    # are not this test's business; this test checks its own runaway statement is stopped.
    baseline = querylimits.active_count()
    root = Services(settings, repository=repository, processor_options={"probe_loop_lag": False})
    serving = asyncio.create_task(_serve(root))
    # user-growth's warm-up run (a few seconds after start) is in its endless query
    await wait_until(lambda: repository.started.is_set() or serving.done(), timeout=120)
    await wait_until(lambda: querylimits.active_count() >= baseline + 1)
    assert not serving.done(), serving
    os.kill(os.getpid(), signal.SIGTERM)  # serve's own handler takes it (installed on this loop)
    assert await without_hanging(serving, "serve after SIGTERM") == 0

    def interrupted() -> bool:  # the cancelled run records itself as it unwinds
        runs = root.processor.history.recent("user-growth", 5)
        return bool(runs) and runs[0].status == "interrupted"

    await wait_until(interrupted, timeout=60)
    await wait_until(lambda: querylimits.active_count() <= baseline, timeout=60)  # the query was stopped


def test_an_event_is_one_plain_line() -> None:
    event = JobFailed("top-items", "scheduled", duration_ms=12.345, error="boom:\n  line two")
    assert describe(event) == "job.failed top-items trigger=scheduled duration_ms=12.3 error='boom: line two'"
    # The keys a cache change touched are left out; an event another process made says which.
    assert describe(CacheChanged("set", keys=("a", "b"), size=2, remote="db1:100")) == "cache.changed set size=2 remote=db1:100"
    assert describe(JobFinished("top-items", "manual", duration_ms=None, error=None)) == "job.finished top-items trigger=manual"


def test_a_password_in_a_database_url_never_reaches_the_log(tmp_path) -> None:
    env_dir = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "tui_analytics", "serve"],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        env=cli_env(env_dir, TUI_ANALYTICS_DATABASE_URL="postgresql://ops:s3cret-pw@127.0.0.1:1/app"),
        timeout=WAIT,
    )
    assert done.returncode == 1
    assert "s3cret-pw" not in done.stderr and "postgresql://ops:***@127.0.0.1:1/app" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


async def test_a_stop_while_opening_exits_0_and_schedules_nothing(settings, caplog) -> None:
    class StoppedWhileOpening(Services):
        def open(self, on_progress=None):
            os.kill(os.getpid(), signal.SIGTERM)  # serve's handler is on the loop already
            return super().open(on_progress)

    caplog.set_level(logging.INFO, logger="tui_analytics.serve")
    root = StoppedWhileOpening(settings, processor_options={"probe_loop_lag": False})
    assert await without_hanging(_serve(root), "serve told to stop while opening") == 0
    assert root.processor.lock_holder() is None and not root.processor.scheduled
    said = [record.getMessage() for record in caplog.records if record.name == "tui_analytics.serve"]
    assert "SIGTERM received: stopping (running work is interrupted)" in said
    assert not any(message.startswith("scheduling ") for message in said), said  # it never started


def test_a_failed_run_is_one_line_not_two(capsys) -> None:
    from tui_analytics.cli.serve_log import EventLogger, log_to_stderr

    log_to_stderr(verbose=False)  # the root handlers are put back after the test (conftest.py)
    logging.getLogger("tui_analytics.processor.processor").warning("job %s failed: %s", "top-items", "boom")
    logging.getLogger("tui_analytics.reports.run").warning("report %s failed: %s", "weekly", "disk full")
    EventLogger(logging.getLogger("tui_analytics.serve"))(JobFailed("top-items", "scheduled", duration_ms=None, error="boom"))
    logging.getLogger("tui_analytics.processor.processor").warning("read-only: someone schedules")
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "tui_analytics.serve: job.failed top-items trigger=scheduled error=boom",
        "tui_analytics.processor.processor: read-only: someone schedules",  # other warnings stay
    ]


def test_a_scheduler_state_is_logged_once_whichever_part_says_it(capsys) -> None:
    from tui_analytics.cli.serve_log import EventLogger, log_to_stderr
    from tui_analytics.runtime.event_types import SchedulerStateChanged

    log_to_stderr(verbose=False)  # the root handlers are put back after the test (conftest.py)
    logger = EventLogger(logging.getLogger("tui_analytics.serve"))
    for source, state in [("scheduler", "running"), ("scheduler", "paused"), ("scheduler", "running")]:
        logger(SchedulerStateChanged(source, state))
    logger(SchedulerStateChanged("processor", "stopped"))  # SIGTERM: the processor, then the scheduler
    logger(SchedulerStateChanged("scheduler", "stopped"))
    lines = [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert lines == [
        "scheduler.state scheduler state=running",
        "scheduler.state scheduler state=paused",
        "scheduler.state scheduler state=running",
        "scheduler.state processor state=stopped",
    ]
