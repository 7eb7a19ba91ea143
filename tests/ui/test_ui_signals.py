"""Signals in a real terminal: SIGTERM, SIGHUP and SIGINT leave the operator's terminal usable.

Left to their defaults they kill the process inside the alternate screen with echo off, so
whatever the operator types next is invisible until `tput rmcup; stty sane`.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support.terminal import WAIT, Terminal, dashboard

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]


def _started(tmp_path: Path, demo_db_template: Path) -> tuple[Path, Terminal]:
    """A dashboard on a copy of the demo data, in tmux at 100x30, with its jobs on screen."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_db_template, data_dir / "demo.sqlite3")
    term = dashboard(data_dir, 100, 30)
    try:
        term.wait_for(lambda s: "scheduler running" in s and "user-growth" in s, what="the dashboard")
    except BaseException:
        term.close()
        raise
    return data_dir, term


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_quits_cleanly_and_restores_the_terminal(sig, tmp_path, demo_db_template) -> None:
    data_dir, term = _started(tmp_path, demo_db_template)
    try:
        assert term.pane("#{alternate_on}") == "1"
        os.kill(term.app_pid(), sig)
        screen = term.wait_for(lambda s: "EXIT=" in s, what="the app to exit")
        assert f"EXIT={128 + int(sig)}" in screen and "Traceback" not in screen
        assert term.pane("#{alternate_on}") == "0"  # back on the shell's screen
        term.keys("typed-after-exit", literal=True)  # echo is on again: the operator sees what they type
        term.wait_for(lambda s: "typed-after-exit" in s, what="typed text echoed")
    finally:
        term.close()
    log = (data_dir / "dashboard.log").read_text()
    assert f"{sig.name} received" in log and "Traceback" not in log
    with sqlite3.connect(data_dir / "state.sqlite3") as conn:  # nothing left marked as running
        assert conn.execute("SELECT count(*) FROM job_runs WHERE status = 'running'").fetchone()[0] == 0


def test_the_terminal_going_away_ends_the_dashboard(tmp_path, demo_db_template) -> None:
    """tmux's kill-session sends SIGHUP then SIGCONT, on a terminal that is already gone. Textual
    answered the SIGCONT by restarting application mode there; the new output thread died on EIO,
    and the quit blocked in its full queue: a headless dashboard left holding the scheduler lock
    (before ui/driver.py: once in 4 loaded runs of the key-count test, and in two full test runs)."""
    data_dir, term = _started(tmp_path, demo_db_template)
    try:
        pid = term.app_pid()
    finally:
        term.close()  # kill-session: the pane's terminal goes away
    deadline = time.monotonic() + WAIT  # a hang guard, not a timing check
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = os.path.exists(f"/proc/{pid}")
    if alive:
        os.kill(pid, signal.SIGKILL)  # leave nothing behind on the machine
    assert not alive, "the dashboard kept running after its terminal went away"
    log = (data_dir / "dashboard.log").read_text()
    assert "SIGHUP received" in log and "Traceback" not in log
