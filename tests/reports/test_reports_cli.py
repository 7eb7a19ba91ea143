"""`tui-analytics report ...`: list, run, history, create, delete, cron."""

from __future__ import annotations

import json
import time
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
        "daily-activity-summary",
        "weekly-user-growth",
        "monthly-comprehensive",
        "quarterly-performance",
    ]
    assert listed[1]["effectiveCron"] == "0 9 * * 1" and listed[1]["nextGeneration"]

    assert (
        main(
            [
                "report",
                "create",
                "--name",
                "Ops top items",
                "--schedule",
                "daily",
                "--dataset",
                "top-items",
                "--recipient",
                "ops@example.com",
                "--format",
                "json",
            ]
        )
        == 0
    )
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
    assert err.strip() == (
        "tui-analytics: error: unknown report template 'custom-missing'; use one of: "
        "daily-activity-summary, weekly-user-growth, monthly-comprehensive, quarterly-performance"
    )
    assert main(["report", "create", "--name", "x", "--schedule", "daily", "--recipient", "a@x.com\r\nBcc: y"]) == 1
    err = capsys.readouterr().err
    assert "line break" in err and len(err.strip().splitlines()) == 1
    assert main(["report", "create", "--name", "x", "--cron", "0 9 * *"]) == 1
    assert "5" in capsys.readouterr().err
    assert main(["report", "run", "daily-activity-summary", "--from", "2026-01-10", "--to", "2026-01-01"]) == 1
    assert "before" in capsys.readouterr().err


@pytest.fixture
def local_utc(monkeypatch):
    """This machine's local zone pinned to UTC (the CLI shows it beside the cron's zone)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_cron_explains_an_expression(cli_env, capsys, local_utc):
    assert main(["report", "cron", "0 9 * * 1", "--timezone", "Europe/Berlin", "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "At 09:00, only on Monday"
    assert len(lines) == 3 and all(line.startswith("Mon ") and " 09:00 CE" in line for line in lines[1:])
    assert all(line.endswith(("(08:00 UTC here)", "(07:00 UTC here)")) for line in lines[1:])


def cron_output(capsys, *argv: str) -> list[str]:
    assert main(["report", "cron", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_cron_after_a_given_time_prints_what_debian_cron_does(cli_env, capsys, local_utc):
    assert cron_output(capsys, "0 9 * * 3-3", "--after", "2026-01-01", "-n", "3") == [
        "At 09:00, only on Wednesday",
        "Wed 2026-01-07 09:00 UTC",
        "Wed 2026-01-14 09:00 UTC",
        "Wed 2026-01-21 09:00 UTC",
    ]
    assert cron_output(capsys, "0 0 */2 * 1", "--after", "2026-01-06", "-n", "3") == [
        "At 00:00, on days 1, 3, 5, …, 31 of the month that are also a Monday (both must hold)",
        "Mon 2026-01-19 00:00 UTC",
        "Mon 2026-02-09 00:00 UTC",
        "Mon 2026-02-23 00:00 UTC",
    ]
    assert cron_output(capsys, "0 * * * *", "--timezone", "Europe/Berlin", "--after", "2026-10-25T01:30", "-n", "3") == [
        "Every hour",
        "Sun 2026-10-25 02:00 CEST  (00:00 UTC here)",
        "Sun 2026-10-25 02:00 CET  (01:00 UTC here)",
        "Sun 2026-10-25 03:00 CET  (02:00 UTC here)",
    ]
    # An offset in --after is honoured: 00:30 UTC is 02:30 CEST, so the next is 02:00 CET.
    assert (
        cron_output(capsys, "0 * * * *", "--timezone", "Europe/Berlin", "--after", "2026-10-25T00:30+00:00", "-n", "1")[1]
        == "Sun 2026-10-25 02:00 CET  (01:00 UTC here)"
    )


def test_cron_refuses_what_cron_would_read_differently(cli_env, capsys):
    for line, reason in [
        ("*/61 * * * *", "minute step 61 must be between 1 and 60"),
        ("0 9 1-31/32 * *", "day of month step 32 must be between 1 and 31"),
        ("0 9 L-3 * *", "'L' (last) is an extension allowed only as"),
    ]:
        assert main(["report", "cron", line]) == 1
        err = capsys.readouterr().err
        assert reason in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as usage:
        main(["report", "cron", "0 9 * * *", "--after", "tomorrow"])
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "not an ISO date or time: 'tomorrow'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["weekly-user-growth", "Weekly-User-Growth "])
def test_a_name_that_is_another_templates_id_is_refused_and_the_default_stays(cli_env, capsys, name):
    assert main(["report", "create", "--name", name, "--schedule", "daily"]) == 1
    err = capsys.readouterr().err
    assert "is the id of the template 'Weekly User Growth Report': choose another name" in err
    assert len(err.strip().splitlines()) == 1
    assert [t["id"] for t in run_json(capsys, "report", "list", "--json")].count("weekly-user-growth") == 1
    assert main(["report", "delete", "weekly-user-growth"]) == 0  # the id still means the default
    capsys.readouterr()
    assert "weekly-user-growth" not in [t["id"] for t in run_json(capsys, "report", "list", "--json")]


def test_an_id_that_is_also_another_templates_name_asks_which(cli_env, capsys):
    """A state database from before the rule: delete names the ambiguity and deletes nothing."""
    import sqlite3

    assert main(["report", "create", "--name", "Ops", "--schedule", "daily"]) == 0
    new_id = capsys.readouterr().out.strip()
    with sqlite3.connect(cli_env / "state.sqlite3") as db:  # as an earlier release could have saved it
        db.execute("UPDATE report_templates SET name = 'weekly-user-growth' WHERE id = ?", (new_id,))
    assert main(["report", "delete", "weekly-user-growth"]) == 1
    assert "is one template's id and another's name (" + new_id + ")" in capsys.readouterr().err
    assert {"weekly-user-growth", new_id} <= {t["id"] for t in run_json(capsys, "report", "list", "--json")}
