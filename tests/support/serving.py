"""`tui-analytics serve` as a subprocess for the serve, metrics and lock tests (no tests here)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.waiting import poll_until

REPO = Path(__file__).resolve().parents[2]
WAIT = 120.0  # a hang guard for a loaded machine, never a speed check
FIRST_RUNS = 300.0  # start-up (imports, opening) and the warm-up runs, on a machine under heavy load
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
    return subprocess.run(
        [sys.executable, "-m", "tui_analytics", *args],
        cwd=str(REPO),
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def job_statuses(data_dir: Path) -> dict[str, Any]:
    """`jobs status --json`, parsed: what any process sees in the state database."""
    done = cli(data_dir, "jobs", "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Serve:
    """A running `tui-analytics serve` (or `command`, e.g. `web`); its stderr (the log) is read line by
    line as it comes."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None, command: str = "serve") -> None:
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui_analytics", command, *args],
            cwd=str(REPO),
            env=cli_env(data_dir, **(env or {})),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._partial = b""  # the log is read from the pipe's descriptor, not through a buffered file:
        self._ended = False  # lines held in Python's buffer were invisible to select() and lost at stop()

    def _read(self, wait: float) -> list[str]:
        """Complete lines that arrived within `wait` seconds (added to `lines`)."""
        assert self.proc.stderr is not None
        if self._ended:
            return []
        fd = self.proc.stderr.fileno()
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return []
        chunk = os.read(fd, 65536)
        if not chunk:
            self._ended = True
            chunk = b"\n" if self._partial else b""
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        new = [line.decode("utf-8", "replace") for line in complete]
        self.lines += new
        return new

    def wait_for_line(self, text: str, timeout: float = FIRST_RUNS) -> str:
        """The first log line containing `text` (earlier lines are kept in `lines`)."""
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._ended:
            for line in self._read(0.1):
                if text in line:
                    return line
        raise AssertionError(f"serve never logged {text!r}; exit={self.proc.poll()}; log={self.lines[-30:]}")

    def finished_runs(self) -> dict[str, str]:
        """{job id: status} of each job's latest finished run, read from the state database directly
        (cheap: a poll that started a `jobs status` process each time would load a busy machine more)."""
        path = self.data_dir / "state.sqlite3"
        if not path.exists():
            return {}
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
                rows = db.execute(
                    "SELECT job_id, status FROM job_runs WHERE status IN ('completed', 'failed') ORDER BY started_at, id"
                ).fetchall()
        except sqlite3.OperationalError:  # not created yet, or busy: ask again
            return {}
        return dict(rows)

    def wait_until_warmed(self) -> dict[str, str]:
        """Wait until every warm-up job has completed once (as the state database records it)."""

        def warmed() -> dict[str, str] | None:
            runs = self.finished_runs()
            failed = {job: status for job, status in runs.items() if job in WARMED and status != "completed"}
            assert not failed, f"warm-up runs failed: {failed}; log={self.drain()[-30:]}"  # say so now
            return runs if all(runs.get(job) == "completed" for job in WARMED) else None

        try:
            return poll_until(warmed, timeout=FIRST_RUNS, interval=0.25)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; runs={self.finished_runs()}; exit={self.proc.poll()}; log={self.drain()[-30:]}") from None

    def drain(self) -> list[str]:
        """The log lines so far, without waiting for more."""
        while self._read(0):
            pass
        return self.lines

    def stop(self, signum: int = signal.SIGTERM, timeout: float = WAIT) -> tuple[int, str]:
        """Send `signum` and wait for the exit; returns (exit code, the whole log)."""
        self.proc.send_signal(signum)
        deadline = time.monotonic() + timeout
        while not self._ended and time.monotonic() < deadline:
            self._read(0.1)
        self.proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        return self.proc.returncode, "\n".join(self.lines)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)
