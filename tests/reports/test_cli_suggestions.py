"""A mistyped dataset, job or template id is answered with the close matches (one line, exit 1)."""

from __future__ import annotations

import json

import pytest

from tui_analytics.cli import main
from tui_analytics.runtime.errors import unknown


@pytest.fixture
def cli_env(monkeypatch, data_dir):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    return data_dir


@pytest.mark.parametrize(
    ("argv", "suggested"),
    [
        (["export", "user-grwoth"], "'user-growth'"),
        (["jobs", "run", "top-itmes"], "'top-items'"),
        (["report", "run", "weekly-user-grwth"], "'weekly-user-growth'"),
        (["report", "delete", "daily-activity-sumary"], "'daily-activity-summary'"),
        (["report", "create", "--name", "z", "--schedule", "daily", "--dataset", "top-itmes"], "'top-items'"),
    ],
)
def test_a_typo_gets_a_did_you_mean(cli_env, capsys, argv, suggested):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"(did you mean {suggested}?)" in err


def test_nothing_close_suggests_nothing_and_lists_the_choices():
    message = unknown("dataset", "zzz", ["user-growth", "top-items"])
    assert message == "unknown dataset 'zzz'; use one of: user-growth, top-items"


def test_every_problem_of_a_new_template_is_said_at_once(cli_env, capsys):
    assert main(["report", "create", "--name", "z", "--dataset", "top-itmes", "--format", "xml"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "schedule is required" in err and "(did you mean 'top-items'?)" in err and "xml" in err


def test_a_second_template_with_a_taken_name_is_refused_naming_the_first(cli_env, capsys):
    assert main(["report", "create", "--name", "Ops digest", "--schedule", "daily"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["report", "create", "--name", " ops DIGEST ", "--schedule", "weekly"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"tui-analytics: error: a template named 'Ops digest' exists already: {first}"
    assert main(["report", "list", "--json"]) == 0
    names = [t["name"] for t in json.loads(capsys.readouterr().out)]
    assert names.count("Ops digest") == 1


def test_a_missing_schedule_is_said_alone_when_the_rest_is_fine(cli_env, capsys):
    assert main(["report", "create", "--name", "Trial weekly", "--recipient", "x@example.com"]) == 1
    assert capsys.readouterr().err.strip() == (
        "tui-analytics: error: schedule is required (daily, weekly, monthly, quarterly or custom)"
    )


def test_report_cron_json(cli_env, capsys):
    assert main(["report", "cron", "0 9 * * 3-3", "--timezone", "Europe/Berlin", "--after", "2026-12-01", "-n", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "expression": "0 9 * * 3-3",
        "description": "At 09:00, only on Wednesday",
        "timezone": "Europe/Berlin",
        "fireTimes": ["2026-12-02T09:00:00+01:00", "2026-12-09T09:00:00+01:00"],
    }


def test_report_run_and_delete_take_a_templates_name(cli_env, capsys):
    assert main(["report", "run", "weekly user growth report"]) == 0  # the name, case aside
    assert "weekly-user-growth-report_" in capsys.readouterr().out
    assert main(["report", "delete", "Daily Activity Summary"]) == 0
    assert main(["report", "list", "--json"]) == 0
    assert "daily-activity-summary" not in [t["id"] for t in json.loads(capsys.readouterr().out)]


def test_jobs_history_has_a_header_row(cli_env, capsys):
    assert main(["jobs", "run", "top-items"]) == 0
    capsys.readouterr()
    assert main(["jobs", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STARTED", "JOB", "TRIGGER", "STATUS", "DURATION", "BY", "ERROR"]
    assert "top-items" in lines[1]
