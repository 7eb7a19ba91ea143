"""`tui-analytics serve` as a subprocess for the serve, metrics and lock tests (no tests here)."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.waiting import poll_until

REPO = Path(__file__).resolve().parents[2]
WAIT = 120.0  # a hang guard for a loaded machine, never a speed check
# The jobs that run once a few seconds after start (warm-up); cache-cleanup waits a whole interval.
WARMED = ("user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics")


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_") or k.startswith("TUI_ANALYTICS_TEST_")}
    env.pop("DISABLE_AUTO_SYNC", None)
    return {**env, "TUI_ANALYTICS_DATA_DIR": str(data_dir), "TUI_ANALYTICS_TIMEZONE": "UTC", **extra}


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(data_dir: Path, *args: str, timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
    """A `tui-analytics` command run to its end."""
    return subprocess.run([sys.executable, "-m", "tui_analytics", *args], cwd=str(REPO), env=cli_env(data_dir),
                          capture_output=True, text=True, timeout=timeout)


def job_statuses(data_dir: Path) -> dict[str, Any]:
    """`jobs status --json`, parsed: what any process sees in the state database."""
    done = cli(data_dir, "jobs", "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Serve:
    """A running `tui-analytics serve`; its stderr (the log) is read line by line as it comes."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.proc = subprocess.Popen([sys.executable, "-m", "tui_analytics", "serve", *args], cwd=str(REPO),
                                     env=cli_env(data_dir, **(env or {})), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []

    def wait_for_line(self, text: str, timeout: float = WAIT) -> str:
        """The first log line containing `text` (earlier lines are kept in `lines`)."""
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if ready:
                line = self.proc.stderr.readline()
                if not line:
                    break
                self.lines.append(line.rstrip("\n"))
                if text in line:
                    return line.rstrip("\n")
        raise AssertionError(f"serve never logged {text!r}; exit={self.proc.poll()}; log={self.lines[-30:]}")

    def wait_until_warmed(self) -> dict[str, Any]:
        """Poll the state database (as `jobs status --json`) until every warm-up job has completed once."""

        def warmed() -> dict[str, Any] | None:
            status = job_statuses(self.data_dir)
            jobs = {job["id"]: job for job in status["jobs"]}
            failed = {j: jobs[j]["error"] for j in WARMED if jobs[j]["status"] == "failed"}
            assert not failed, f"warm-up runs failed: {failed}"  # say so now, not at the deadline
            return status if all(jobs[j]["lastRun"] and jobs[j]["status"] == "completed" for j in WARMED) else None

        return poll_until(warmed, timeout=WAIT, interval=0.5)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = WAIT) -> tuple[int, str]:
        """Send `signum` and wait for the exit; returns (exit code, the whole log)."""
        self.proc.send_signal(signum)
        _, rest = self.proc.communicate(timeout=timeout)
        self.lines += rest.splitlines()
        return self.proc.returncode, "\n".join(self.lines)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)
