"""CLI tables never send control characters from stored text to the terminal (the dashboard: tests/ui).

A name or an error stored in the state database (from a driver message, an older
version or another tool) is printed with its control characters escaped, so it
cannot set the terminal's title, erase the screen or write the clipboard.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.config.settings import Settings
from tui_analytics.data.state.database import open_state
from tui_analytics.processor.history import JobHistory
from tui_analytics.processor.models import JobRun

TITLE = "\x1b]2;PWNED\x07"
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    return data_dir


def unsafe(text: str) -> list[str]:
    return [ch for ch in text if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) < 0xA0 or ch == "\u202e"]


def test_job_errors_are_printed_escaped(cli_env, capsys) -> None:
    settings = Settings.for_dir(cli_env, timezone_name="UTC")
    started = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
    JobHistory(open_state(settings)).add(
        JobRun("top-items", "manual", "failed", started, started, 1.0, f"driver said {TITLE}{CLEAR}{CLIPBOARD}\u202e")
    )
    for command in (["jobs", "history"], ["jobs", "status"]):
        assert main(command) == 0
        out = capsys.readouterr().out
        assert unsafe(out) == [], command
        assert "driver said \\x1b]2;PWNED\\x07\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07\\u202e" in out


def test_template_names_are_printed_escaped(cli_env, capsys) -> None:
    assert main(["report", "create", "--name", "Ops digest", "--schedule", "daily"]) == 0
    template_id = capsys.readouterr().out.strip()
    with sqlite3.connect(cli_env / "state.sqlite3") as conn:  # as another tool (or an older version) wrote it
        conn.execute("UPDATE report_templates SET name = ? WHERE id = ?", (f"Ops {TITLE}{CLEAR}", template_id))
    assert main(["report", "list"]) == 0
    out = capsys.readouterr().out
    assert unsafe(out) == []
    assert "Ops \\x1b]2;PWNED\\x07\\x1b[2J" in out
