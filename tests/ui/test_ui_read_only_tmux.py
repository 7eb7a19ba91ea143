"""`tui-analytics --read-only` in a real terminal (tmux): every changing key and palette entry
refuses in one line, the footer leaves them out, and the state database is the same, byte for
byte of its dump, before and after. Skipped where tmux is not installed."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.serving import cli
from tests.support.terminal import FIRST_START, dashboard

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]

KEYS = ("t", "c", "i", "p", "n", "d", "g", "z", "s", "e")
# What to type in the palette to find each changing entry, and what its refusal names.
PALETTE = {
    "Run (t)": "(t)",
    "Clear (c)": "(c)",
    "Invalidate (i)": "(i)",
    "Pause (p)": "(p)",
    "Pause job (z)": "(z)",
    "Interval (s)": "(s)",
    "Export (e)": "(e)",
    "New (n)": "(n)",
    "Edit (enter)": "(enter)",
    "Delete (d)": "(d)",
    "Generate (g)": "(g)",
    "Edit recipients of Daily": "Edit recipients is",
    "Backfill Daily": "Backfill is",
}


def shows(*parts: str) -> Callable[[str], bool]:
    return lambda screen: all(part in screen for part in parts)


def top_hit(screen: str) -> str:
    """The palette's first entry: the first line with text under its search line."""
    lines = screen.splitlines()
    start = next((i for i, line in enumerate(lines) if "🔎" in line), None)
    if start is None:
        return ""
    return next((line.strip() for line in lines[start + 1 :] if line.strip() and "▁" not in line), "")


def dump(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{data_dir / 'state.sqlite3'}?mode=ro", uri=True)) as db:
        return list(db.iterdump())


def test_read_only_refuses_every_change_and_writes_nothing(tmp_path) -> None:
    data_dir = tmp_path / "data"
    # the demo database, the state database with some history and the default templates
    for command in (("jobs", "run", "all"), ("report", "list")):
        made = cli(data_dir, *command)
        assert made.returncode == 0, made.stderr
    before = dump(data_dir)
    term = dashboard(data_dir, 120, 40, "--read-only")
    try:
        screen = term.wait_for(lambda s: "Daily Activ" in s and "q Quit" in s, timeout=FIRST_START, what="the dashboard")
        footer = screen.splitlines()[-1]
        assert "t Run" not in footer and "c Clear" not in footer and "? Help" in footer, footer
        for key in KEYS:
            term.keys(key)
            term.wait_for(shows(f"({key})", "Read-only mode"), what=f"{key} refused")
        term.keys("Escape")
        for typed, named in PALETTE.items():
            term.keys("C-p")
            term.wait_for(shows("Search for commands"), what="the palette")
            term.keys(typed, literal=True)
            # enter runs the top hit: only once the list has caught up with what was typed
            term.wait_for(lambda s, typed=typed: top_hit(s).startswith(typed), what=f"{typed} first in the palette")  # type: ignore[misc]
            term.keys("Enter")
            term.wait_for(lambda s, named=named: named in s and "Search for commands" not in s, what=f"{typed} refused")  # type: ignore[misc]
        term.keys("?")
        help_screen = term.wait_for(lambda s: "Read-only mode: the keys that change" in s, what="the help")
        assert "Clear the whole analytics cache" not in help_screen and "Show every key" in help_screen
        term.keys("Escape", "q")
        screen = term.wait_for(lambda s: "EXIT=" in s, what="the app to exit")
        assert "EXIT=0" in screen and "Traceback" not in screen
    finally:
        term.close()
    assert dump(data_dir) == before
