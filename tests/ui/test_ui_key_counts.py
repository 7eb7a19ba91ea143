"""The ten core tasks from the start screen at 80x24 in a real terminal, each in at most six keys.

Keys are counted as pressed; the characters of names, patterns and e-mail addresses the operator
types are not (they are typed with `Counted.type`). The table is printed for the record.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.support.terminal import Terminal, dashboard

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"), pytest.mark.slow]

LIMIT = 6


class Counted:
    """A terminal whose `keys` are counted per task; `type` sends text that is not counted."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self.count = 0
        self.table: list[tuple[str, str, int]] = []
        self._pressed: list[str] = []

    def keys(self, *keys: str) -> None:
        self.term.keys(*keys)
        self.count += len(keys)
        self._pressed.extend(keys)

    def type(self, text: str) -> None:
        self.term.keys(text, literal=True)
        self._pressed.append(repr(text))

    def done(self, task: str) -> None:
        self.table.append((task, " ".join(self._pressed), self.count))
        self.count, self._pressed = 0, []


def state(data_dir: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(data_dir / "state.sqlite3") as conn:
        return conn.execute(sql, args).fetchall()


def test_ten_core_tasks_each_take_at_most_six_keys(tmp_path, demo_db_template) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_db_template, data_dir / "demo.sqlite3")
    term = dashboard(data_dir, 80, 24)
    op = Counted(term)
    wait = term.wait_for
    try:
        wait(lambda s: "scheduler running" in s and "user-growth" in s, what="the dashboard")
        wait(lambda s: "✓ completed" in s, what="the first runs")

        op.keys("t")  # 1. run the selected job now
        wait(lambda s: "completed in" in s, what="the job's notice")
        op.done("trigger a job")

        term.keys("escape")
        op.keys("i")  # 2. invalidate a pattern (before the clear: it lists the keys cached)
        wait(lambda s: "Invalidate cache keys" in s, what="the invalidate dialog")
        op.type("user-growth*")
        wait(lambda s: "would be removed" in s, what="the matching keys")
        op.keys("enter")
        wait(lambda s: "Invalidate?" in s, what="the confirmation")
        op.keys("y")
        wait(lambda s: "Removed 2 keys" in s, what="the invalidation")
        op.done("invalidate a pattern")

        op.keys("c", "y")  # 3. clear the cache
        wait(lambda s: "Cache cleared" in s or "Removed" in s, what="the cache cleared")
        op.done("clear the cache")

        op.keys("e")  # 4. export another dataset than the first, over the last 30 days
        wait(lambda s: "1-6 period" in s, what="the export dialog")
        op.keys("enter", "down", "enter")  # the dataset list: activity trends
        wait(lambda s: "Activity trends (per day)" in s and "1-6 period" in s, what="the dataset chosen")
        op.keys("3", "C-s")  # the preset: last 30 days
        wait(lambda s: "Export saved" in s, what="the export")
        saved = sorted((data_dir / "exports").glob("activity-trends_*.csv"))
        assert len(saved) == 1 and len(saved[0].read_text().splitlines()) == 31  # a header and 30 days
        op.done("export with a date range")

        op.keys("n")  # 5. create a template (name typed, weekly by default)
        wait(lambda s: "New report template" in s, what="the editor")
        op.type("Ops digest")
        op.keys("enter")
        wait(lambda s: "Template saved" in s, what="the new template")
        assert state(data_dir, "SELECT count(*) FROM report_templates WHERE name = 'Ops digest'") == [(1,)]
        op.done("create a template")

        op.keys("C-p")  # 6. its recipients, from the palette
        wait(lambda s: "Search for commands" in s or "Edit recipients" in s or "Run" in s, what="the palette")
        op.keys("r", "e", "c")
        op.type(" ops digest")
        wait(lambda s: "Edit recipients of Ops digest" in s, what="the palette's entry")
        op.keys("enter")
        wait(lambda s: "New report template" not in s and "Recipients" in s, what="the editor")
        op.type("ops@example.com")
        op.keys("enter")
        recipients = "SELECT recipients FROM report_templates WHERE name = 'Ops digest'"
        wait(lambda s: "ops@example.com" in state(data_dir, recipients)[0][0], what="the recipients saved")
        op.done("edit a template's recipients")

        op.keys("g")  # 7. generate the selected report now (from the Jobs tab: shows Reports, then generates)
        wait(lambda s: "generated" in s, what="the report")
        assert state(data_dir, "SELECT count(*) FROM report_runs WHERE \"trigger\" = 'manual'")[0][0] >= 1
        op.done("generate a report now")

        # 8. why a job failed: make top-items fail (its table gone), then read the error whole
        with sqlite3.connect(data_dir / "demo.sqlite3") as conn:
            conn.execute("ALTER TABLE activities RENAME TO activities_gone")  # the rollups need the open day's rows
        term.keys("1")
        wait(lambda s: "╭─ 1 Jobs" in s, what="the Jobs pane")
        term.keys("up", "up", "up", "up", "up", "down", "down", "t")
        wait(lambda s: any("top-items" in line and "✗ failed" in line for line in s.splitlines()), what="top-items failed")
        term.keys("up", "up")  # back to the start position: the Jobs pane, its first row (not counted)
        op.keys("down", "down", "enter")
        wait(lambda s: "Job top-items" in s and "activities" in s and "error:" in s, what="the job's detail")
        op.done("read why a job failed")
        term.keys("escape")

        op.keys("p")  # 9. pause the scheduler
        wait(lambda s: "paused" in s, what="the scheduler paused")
        op.done("pause the scheduler")

        op.keys("C-p")  # 10. an action from the palette: export user growth, last 30 days (top items has no table now)
        op.keys("e", "x", "p")
        wait(lambda s: "Export (e)" in s, what="the palette's Export entry")
        op.type(" user growth")
        wait(lambda s: "Export user growth, last 30 days" in s, what="the palette's dataset entry")
        op.keys("enter")
        wait(lambda s: "Export saved" in s and "user-growth_" in s, what="the export from the palette")
        assert len(list((data_dir / "exports").glob("user-growth_*.csv"))) == 1
        op.done("find an action in the palette")
    finally:
        term.close()
    print("\n".join(f"{task:<32} {count}  {keys}" for task, keys, count in op.table))
    assert [task for task, _, count in op.table if count > LIMIT] == []
    assert len(op.table) == 10
