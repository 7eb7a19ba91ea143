"""`serve` in the background, a dashboard in a real terminal: the dashboard attaches, acts on serve,
sees a shell's runs, and takes over when serve is killed."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.serving import Serve, cli, job_statuses
from tests.support.terminal import dashboard

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


def _runs(data_dir: Path, job_id: str) -> list[dict[str, Any]]:
    import json

    return json.loads(cli(data_dir, "jobs", "history", job_id, "--json").stdout)


def _shows_completed(job_id: str) -> Callable[[str], bool]:
    """A screen check: some line names the job and says completed."""
    return lambda screen: any(job_id in line and "completed" in line for line in screen.splitlines())


def test_a_dashboard_attaches_to_serve_acts_there_and_takes_over_when_it_dies(data_dir: Path) -> None:
    serve = Serve(data_dir)
    terminal = None
    try:
        serve.wait_until_warmed()
        terminal = dashboard(data_dir, 120, 40)
        header = f"attached to serve on {os.uname().nodename} (pid {serve.proc.pid})"
        terminal.wait_for(
            lambda s: header in s and "Top items · " in s and "not loaded" not in s, what="the attached header and filled analytics"
        )
        # The same statuses as `jobs status` says serve has.
        for job in job_statuses(data_dir)["jobs"]:
            if job["status"] == "completed":
                terminal.wait_for(_shows_completed(job["id"]), what=f"{job['id']} completed")
        # t on top-items: the run is made in serve, and its history row says so.
        before = len(_runs(data_dir, "top-items"))
        terminal.keys("1", "Home", "Down", "Down", "t")
        serve.wait_for_line("job.finished top-items trigger=manual")
        runs = _runs(data_dir, "top-items")
        assert len(runs) == before + 1 and runs[0]["trigger"] == "manual"
        assert runs[0]["origin"] == f"serve (pid {serve.proc.pid} on {os.uname().nodename})"
        # c empties serve's cache.
        terminal.keys("c")
        terminal.wait_for(lambda s: "Clear the cache?" in s, what="the confirmation")
        terminal.keys("y")
        serve.wait_for_line("cache.changed clear")
        terminal.wait_for(lambda s: "Cache entries   0 /" in s, what="the emptied cache")
        # A run from a third shell shows in the dashboard (the Jobs pane's summary of the run count).
        assert cli(data_dir, "jobs", "run", "user-growth").returncode == 0
        started = _runs(data_dir, "user-growth")[0]["startedAt"][11:19]  # UTC, as the dashboard shows it
        terminal.wait_for(
            lambda s: any("user-growth" in line and started in line for line in s.splitlines()),
            timeout=5,
            what="the shell's run in the dashboard",
        )
        # kill -9: the dashboard says so and schedules from then on.
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait(10)
        terminal.wait_for(lambda s: "Scheduler taken over" in s and "scheduler running" in s, timeout=5, what="the takeover")
        assert job_statuses(data_dir)["scheduler"]["holder"]["program"] == "dashboard"
    finally:
        if terminal is not None:
            terminal.close()
        serve.close()
