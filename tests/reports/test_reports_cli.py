"""`tui-analytics report ...`: list, run, history, create, delete, cron."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_analytics.cli import main


@pytest.fixture
def cli_env(monkeypatch, data_dir):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    return data_dir


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_list_create_run_history_delete(cli_env, capsys):
    listed = run_json(capsys, "report", "list", "--json")
    assert [t["id"] for t in listed] == [
        "daily-activity-summary", "weekly-user-growth", "monthly-comprehensive", "quarterly-performance"
    ]
    assert listed[1]["effectiveCron"] == "0 9 * * 1" and listed[1]["nextGeneration"]

    assert main(["report", "create", "--name", "Ops top items", "--schedule", "daily", "--dataset", "top-items",
                 "--recipient", "ops@example.com", "--format", "json"]) == 0
    new_id = capsys.readouterr().out.strip()
    assert new_id.startswith("custom-")

    assert main(["report", "list"]) == 0
    table = capsys.readouterr().out
    assert "Ops top items" in table and "ID" in table.splitlines()[0]

    result = run_json(capsys, "report", "run", new_id, "--from", "2025-12-01", "--to", "2025-12-31", "--json")
    assert Path(result["path"]).exists() and result["path"].startswith(str(cli_env / "reports"))
    assert result["delivery"]["status"] == "not-sent"

    history = run_json(capsys, "report", "history", "--json")
    assert [(h["templateId"], h["trigger"], h["status"]) for h in history] == [(new_id, "manual", "completed")]

    assert main(["report", "delete", new_id]) == 0
    assert new_id not in [t["id"] for t in run_json(capsys, "report", "list", "--json")]


def test_errors_are_one_line_and_exit_non_zero(cli_env, capsys):
    assert main(["report", "delete", "custom-missing"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("tui-analytics: error: unknown report template 'custom-missing'; use one of: "
                           "daily-activity-summary, weekly-user-growth, monthly-comprehensive, quarterly-performance")
    assert main(["report", "create", "--name", "x", "--schedule", "daily", "--recipient", "a@x.com\r\nBcc: y"]) == 1
    err = capsys.readouterr().err
    assert "line break" in err and len(err.strip().splitlines()) == 1
    assert main(["report", "create", "--name", "x", "--cron", "0 9 * *"]) == 1
    assert "5" in capsys.readouterr().err
    assert main(["report", "run", "daily-activity-summary", "--from", "2026-01-10", "--to", "2026-01-01"]) == 1
    assert "before" in capsys.readouterr().err


def test_cron_explains_an_expression(cli_env, capsys):
    assert main(["report", "cron", "0 9 * * 1", "--timezone", "Europe/Berlin", "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "At 09:00, only on Monday"
    assert len(lines) == 3 and all(line.endswith(("+01:00", "+02:00")) for line in lines[1:])
