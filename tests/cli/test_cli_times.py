"""Every time the CLI prints carries its zone: the reporting zone by default, UTC with --utc; --since
is read in the zone the times are printed in, so a time copied from the output finds its row."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tui_analytics.cli import main

STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?) ([A-Z]{3,4}|[+-]\d\d(?:\d\d)?)")


@pytest.fixture
def chicago(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "America/Chicago")
    return data_dir


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_read_commands_print_times_in_the_reporting_zone_or_utc(chicago, capsys) -> None:
    assert main(["jobs", "run", "user-growth"]) == 0
    assert main(["report", "run", "daily-activity-summary"]) == 0
    capsys.readouterr()
    for command in (["jobs", "status"], ["jobs", "history"], ["report", "list"], ["report", "history"]):
        local, utc = printed(capsys, *command), printed(capsys, *command, "--utc")
        assert {zone for _, zone in STAMP.findall(local)} <= {"CST", "CDT"} and STAMP.search(local), (command, local)
        assert {zone for _, zone in STAMP.findall(utc)} == {"UTC"}, (command, utc)
        assert not re.search(r"\d\d:\d\d", STAMP.sub("", local)), local  # no time without its zone


@pytest.mark.parametrize("utc", [False, True])
def test_a_time_copied_from_jobs_history_finds_its_run_with_since(chicago, capsys, utc) -> None:
    assert main(["jobs", "run", "user-growth"]) == 0
    capsys.readouterr()
    extra = ["--utc"] if utc else []
    history = printed(capsys, "jobs", "history", *extra)
    shown, zone = STAMP.search(history).groups()  # type: ignore[union-attr]
    assert zone == ("UTC" if utc else zone) and (zone == "UTC") == utc
    minute = datetime.strptime(shown, "%Y-%m-%d %H:%M:%S").replace(second=0)
    found = printed(capsys, "jobs", "history", "--since", minute.strftime("%Y-%m-%dT%H:%M"), *extra)
    assert "user-growth" in found
    later = minute + timedelta(minutes=1)
    assert "no runs match" in printed(capsys, "jobs", "history", "--since", later.strftime("%Y-%m-%dT%H:%M"), *extra)
