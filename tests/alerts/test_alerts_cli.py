"""`tui-analytics alerts test|status`, and a CLI run that alerts: the process ends only once its
alert is delivered (or given up)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.webhook import Hook
from tui_analytics.cli import main


def write_config(tmp_path: Path, *hooks: str, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    entries = "".join(
        f'[[alerts]]\nname = "hook{i}"\nurl = "{url}"\nsecret = "hdr-s3cret"\n'
        f'on = ["job-failed", "job-late", "report-failed", "recovered"]\nattempts = 2\n'
        for i, url in enumerate(hooks, 1)
    )
    config.write_text(extra + entries)
    return config


def test_alerts_test_reaches_each_target_and_says_which_did_not(tmp_path, data_dir, capsys, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    with Hook() as up, Hook(failures=99) as down:
        config = write_config(tmp_path, up.url(), down.url())
        code = main(["--config", str(config), "alerts", "test"])
        out = capsys.readouterr().out
        assert code == 1
        assert out.splitlines() == [
            "hook1: delivered (1 attempt)",
            "hook2: NOT delivered after 2 attempts: HTTP 500 Internal Server Error",
        ]
        assert [b["event"] for b in up.bodies()] == ["test"] and len(down.received) == 2
        assert up.received[0].headers["x-tui-analytics-secret"] == "hdr-s3cret"
    assert main(["--config", str(config), "alerts", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in status["targets"]] == ["hook1", "hook2"]
    assert status["incidents"] == []
    assert {(d["target"], d["status"], d["attempts"]) for d in status["deliveries"]} == {
        ("hook1", "sent", 1),
        ("hook2", "failed", 2),
    }
    assert "hdr-s3cret" not in json.dumps(status) and "/hook" not in json.dumps(status)


def test_alerts_test_without_targets_is_one_line(tmp_path, data_dir, capsys, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    assert main(["alerts", "test"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tui-analytics: error: no [[alerts]] targets in the configuration") and err.count("\n") == 1


@pytest.mark.slow
def test_a_failing_jobs_run_alerts_once_before_the_command_ends_and_recovers(tmp_path, data_dir):
    """Two failing `jobs run` processes, then a passing one: one alert, one "recovered", each
    already received when its command exits."""
    source = tmp_path / "source.sqlite3"
    source.write_bytes(b"this is not a database" * 100)
    with Hook() as hook:
        config = write_config(tmp_path, hook.url(), extra=f'database_url = "sqlite:///{source}"\n')
        env = {**os.environ, "TUI_ANALYTICS_DATA_DIR": str(data_dir)}

        def jobs_run() -> int:
            command = [sys.executable, "-m", "tui_analytics", "--config", str(config), "jobs", "run", "top-items"]
            return subprocess.run(command, env=env, capture_output=True, timeout=60).returncode

        assert jobs_run() == 1
        assert [b["event"] for b in hook.bodies()] == ["job-failed"]
        assert "file is not a database" in hook.bodies()[0]["text"]
        assert jobs_run() == 1
        assert [b["event"] for b in hook.bodies()] == ["job-failed"]
        shutil.copy(data_dir / "demo.sqlite3", source)
        assert jobs_run() == 0
        assert [b["event"] for b in hook.bodies()] == ["job-failed", "recovered"]
        assert "recovered after 2 failed runs" in hook.bodies()[1]["text"]


async def test_alerts_status_says_whom_an_incident_really_reached(make_services, frozen_clock, settings, capsys, monkeypatch):
    from tests.alerts.conftest import target
    from tests.support.processor_fakes import FakeRepository

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    repo = FakeRepository(frozen_clock)
    repo.fail["top_items"] = RuntimeError("boom")
    with Hook() as up, Hook(failures=99) as down:
        root = await make_services(target("ops", up.url()), target("pager", down.url(), attempts=2), repository=repo)
        await root.processor.trigger_job("top-items")
        assert root.alerts.drain(10)
    assert main(["alerts", "status"]) == 0
    open_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("open: "))
    assert "told ops; not delivered to pager (every attempt failed); RuntimeError: boom" in open_line, open_line
    assert "told ops, pager" not in open_line
    assert main(["alerts", "status", "--json"]) == 0
    incident = json.loads(capsys.readouterr().out)["incidents"][0]
    assert (incident["told"], incident["notDelivered"], incident["sending"]) == (["ops"], ["pager"], [])
