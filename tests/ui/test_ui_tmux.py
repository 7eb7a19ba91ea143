"""The dashboard in a real terminal: tmux runs `python -m tui_analytics` on a fresh data
directory (so it builds the demo database first), keys are sent, and the screen is read
back with capture-pane. Skipped where tmux is not installed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.terminal import FIRST_START, dashboard

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]


def job_row(screen: str, job_id: str) -> str:
    """The Jobs table's row of `job_id` on the screen ("" if it is not shown)."""
    return next((line for line in screen.splitlines() if job_id in line and "│" in line), "")


def manual_runs(data_dir: Path, job_id: str) -> list[str]:
    with sqlite3.connect(data_dir / "state.sqlite3") as conn:
        return [
            row[0] for row in conn.execute("SELECT status FROM job_runs WHERE job_id = ? AND \"trigger\" = 'manual'", (job_id,))
        ]


def test_first_start_live_panes_a_triggered_job_and_a_clean_quit(tmp_path) -> None:
    data_dir = tmp_path / "data"
    term = dashboard(data_dir, 120, 40)
    try:
        # first start: the demo database is built with progress, then the panes fill
        screen = term.wait_for(
            lambda s: "scheduler running" in s and "Daily Activ" in s, timeout=FIRST_START, what="the running dashboard"
        )
        for title in ("1 Jobs", "2 Metrics", "3 Analytics", "4 Reports", "DEMO DATA", "Templates"):
            assert title in screen, title
        term.wait_for(lambda s: "New users, 12 months ·" in s and "ago" in s, what="analytics from the first job runs")

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


# Names an attacker puts in the source: set the title, erase the screen, write the clipboard, and markup.
TITLE, CLEAR, CLIPBOARD = "\x1b]2;PWNED\x07", "\x1b[2J", "\x1b]52;c;cHduZWQ=\x07"
HOSTILE = [f"{TITLE}Title", f"{CLEAR}Wipe", f"{CLIPBOARD}Clip", "Poster [/x] edition", "[@click=app.quit]bye"]


def test_names_full_of_escape_sequences_leave_the_terminal_alone(tmp_path, demo_db_template) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    source = data_dir / "demo.sqlite3"
    shutil.copy(demo_db_template, source)
    with sqlite3.connect(source) as conn:  # the most popular items and the most recent users
        top = [
            row[0]
            for row in conn.execute(
                "SELECT item_id FROM activities GROUP BY item_id ORDER BY count(*) DESC LIMIT ?", (len(HOSTILE),)
            )
        ]
        recent = list(
            dict.fromkeys(row[0] for row in conn.execute("SELECT user_id FROM activities ORDER BY created_at DESC LIMIT 50"))
        )
        for item_id, user_id, name in zip(top, recent, HOSTILE):
            conn.execute("UPDATE items SET name = ? WHERE id = ?", (name, item_id))
            conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))
    # A tmux server of its own, with the clipboard open to applications (OSC 52 would fill a buffer).
    term = dashboard(data_dir, 160, 50, private=True, setup=("set-option -s set-clipboard on", "select-pane -T untouched-title"))
    try:
        # Recent activity (names cut to its narrow columns) shows them escaped.
        screen = term.wait_for(
            lambda s: "\\x1b]2;PW" in s and "scheduler running" in s, what="recent activity with the hostile names, shown escaped"
        )
        assert "Poster [/" in screen and "\\x1b[2JWipe" in screen and "\\x1b]5" in screen
        clock = term.wait_for(lambda s: s != screen, what="a tick")  # a few seconds of redraws
        for title in ("1 Jobs", "2 Metrics", "3 Analytics", "4 Reports"):
            assert title in clock, title  # not erased
        assert "EXIT=" not in clock  # still running
        assert term.run("display-message", "-p", "-t", term.name, "#{pane_title}").strip() == "untouched-title"
        assert term.run("list-buffers") == ""  # nothing reached the clipboard
        term.keys("q")
        screen = term.wait_for(lambda s: "EXIT=" in s, what="the app to exit")
        assert "EXIT=0" in screen and "Traceback" not in screen
    finally:
        term.close()
