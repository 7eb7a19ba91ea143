"""The dashboard in a real terminal: tmux runs `python -m tui_analytics` on a fresh data
directory (so it builds the demo database first), keys are sent, and the screen is read
back with capture-pane. Skipped where tmux is not installed."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]

# Deadlines only stop a test that would hang; they are far above normal times (a loaded machine
# may take long to build the demo database or to quit), and no test checks how fast a step was.
WAIT = 120.0
FIRST_START = 300.0  # builds the full demo database before the first frame


class Terminal:
    """One tmux session running a command; `screen()` is what a person would see."""

    def __init__(self, command: str, width: int, height: int) -> None:
        self.name = f"tui-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command],
                       check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        for key in keys:  # one at a time, as typed: a burst can arrive as one escape sequence
            subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), key], check=True)
            time.sleep(0.15)

    def wait_for(self, check: Callable[[str], bool], timeout: float = WAIT, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what or check}; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def dashboard(data_dir: Path, width: int, height: int) -> Terminal:
    # COLUMNS/LINES win over the terminal's size in Python; the tmux server may carry stale ones.
    env = {"TUI_ANALYTICS_DATA_DIR": str(data_dir), "TUI_ANALYTICS_TIMEZONE": "UTC", "TERM": "xterm-256color",
           "COLUMNS": str(width), "LINES": str(height)}
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = (f"cd {shlex.quote(str(Path(__file__).resolve().parents[2]))} && env {assignments} "
               f"{shlex.quote(sys.executable)} -m tui_analytics; echo EXIT=$?; sleep 60")
    return Terminal(command, width, height)


def job_row(screen: str, job_id: str) -> str:
    """The Jobs table's row of `job_id` on the screen ("" if it is not shown)."""
    return next((line for line in screen.splitlines() if job_id in line and "│" in line), "")


def manual_runs(data_dir: Path, job_id: str) -> list[str]:
    with sqlite3.connect(data_dir / "state.sqlite3") as conn:
        return [row[0] for row in conn.execute(
            "SELECT status FROM job_runs WHERE job_id = ? AND \"trigger\" = 'manual'", (job_id,))]


def test_first_start_live_panes_a_triggered_job_and_a_clean_quit(tmp_path) -> None:
    data_dir = tmp_path / "data"
    term = dashboard(data_dir, 120, 40)
    try:
        # first start: the demo database is built with progress, then the panes fill
        screen = term.wait_for(lambda s: "scheduler running" in s and "Daily Activ" in s,
                               timeout=FIRST_START, what="the running dashboard")
        for title in ("1 Jobs", "2 Metrics", "3 Analytics", "4 Reports", "DEMO DATA", "Templates"):
            assert title in screen, title
        term.wait_for(lambda s: "New users per month ·" in s and "ago" in s, what="analytics from the first job runs")

        term.keys("Down", "Down", "t")  # top-items
        term.wait_for(lambda s: "top-items completed in" in s, what="the job's completion notice")
        # The notice and the table are drawn separately: wait for the row too, rather than expecting
        # both in the same capture (on a loaded machine the row can be drawn a moment later).
        term.wait_for(lambda s: "✓ completed" in job_row(s, "top-items"), what="the top-items row to show the run")

        term.keys("?")
        term.wait_for(lambda s: "Keys" in s and "Invalidate cache keys matching" in s, what="the help screen")
        term.keys("Escape")
        term.wait_for(lambda s: "Invalidate cache keys matching" not in s, what="help closed")

        term.keys("q")
        screen = term.wait_for(lambda s: "EXIT=" in s, what="the app to exit")
        assert "EXIT=0" in screen and "Traceback" not in screen
    finally:
        term.close()
    assert "completed" in manual_runs(data_dir, "top-items")
    log = (data_dir / "dashboard.log").read_text()
    assert "Traceback" not in log and "Event loop is closed" not in log


def test_small_terminal_tabs_number_keys_and_a_dialog(tmp_path, demo_db_template) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_db_template, data_dir / "demo.sqlite3")
    term = dashboard(data_dir, 80, 24)
    try:
        screen = term.wait_for(lambda s: "user-growth" in s and "scheduler running" in s, what="the dashboard")
        assert "1 Jobs  2 Metrics  3 Analytics  4 Reports" in screen  # one pane at a time, under tabs
        term.keys("4")
        screen = term.wait_for(lambda s: "╭─ 4 Reports" in s, what="the Reports pane")
        assert "Weekly User Growth" in screen and "No reports yet" in screen
        term.keys("g")
        term.wait_for(lambda s: "Daily Activity Summary generated" in s, what="a report generated now")
        term.keys("e")
        term.wait_for(lambda s: "╭─ Export" in s, what="the export dialog")
        term.keys("Escape")  # a key right after escape would read as alt+key: wait for the dialog to go
        term.wait_for(lambda s: "╭─ Export" not in s, what="the export dialog to close")
        term.keys("c")
        term.wait_for(lambda s: "Clear the cache?" in s, what="the confirm dialog")
        term.keys("n")
        term.wait_for(lambda s: "Clear the cache?" not in s, what="the confirm dialog to close")
        # q and more keys in one burst: the keys after q must not open a dialog on a closing app
        subprocess.run(["tmux", "send-keys", "-t", term.name, "q", "e", "n"], check=True)
        screen = term.wait_for(lambda s: "EXIT=" in s, what="exit")
        assert "EXIT=0" in screen and "Traceback" not in screen
    finally:
        term.close()
