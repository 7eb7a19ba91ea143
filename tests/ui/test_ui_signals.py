"""Signals in a real terminal: SIGTERM, SIGHUP and SIGINT leave the operator's terminal usable.

Left to their defaults they kill the process inside the alternate screen with echo off, so
whatever the operator types next is invisible until `tput rmcup; stty sane`.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3

import pytest

from tests.support.terminal import dashboard

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_quits_cleanly_and_restores_the_terminal(sig, tmp_path, demo_db_template) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_db_template, data_dir / "demo.sqlite3")
    term = dashboard(data_dir, 100, 30)
    try:
        term.wait_for(lambda s: "scheduler running" in s and "user-growth" in s, what="the dashboard")
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
