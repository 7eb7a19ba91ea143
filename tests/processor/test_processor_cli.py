"""`tui-analytics jobs ...` and `tui-analytics cache ...`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.processor_fakes import ALL_JOBS
from tui_analytics.cli import main
from tui_analytics.data.state.channel_tables import Command
from tui_analytics.data.state.locking import scheduler_lock


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    return data_dir


def test_jobs_run_then_status_shows_the_recorded_runs(cli_env, capsys) -> None:
    assert main(["jobs", "run", "user-growth", "top-items"]) == 0
    out = capsys.readouterr().out
    assert "user-growth" in out and "top-items" in out and out.count("completed") == 2
    assert main(["jobs", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {job["id"]: job for job in data["jobs"]}
    assert list(by_id) == ALL_JOBS
    assert by_id["user-growth"]["status"] == "completed" and by_id["user-growth"]["runs"] == 1
    assert by_id["user-growth"]["durationMs"] > 0 and by_id["user-growth"]["lastRun"]
    assert by_id["recent-activity"]["status"] == "scheduled" and by_id["recent-activity"]["lastRun"] is None
    assert data["metrics"]["totalJobs"] == 2 and data["metrics"]["failedJobs"] == 0
    assert main(["jobs", "status"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:4] == ["JOB", "STATUS", "SCHEDULE", "LAST"]
    assert "2 runs, 2 completed, 0 failed" in table
    assert main(["jobs", "history", "top-items", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [(r["jobId"], r["trigger"], r["status"]) for r in runs] == [("top-items", "manual", "completed")]


def test_jobs_run_all_and_unknown_ids(cli_env, capsys) -> None:
    assert main(["jobs", "run", "all", "--json"]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)] == ["completed"] * 6
    assert main(["jobs", "run", "top-items", "user_growth"]) == 1
    captured = capsys.readouterr()
    assert "unknown job 'user_growth'" in captured.err and "user-growth" in captured.err
    assert captured.out == ""  # nothing ran: ids are checked first


def test_jobs_run_exits_1_when_a_run_fails(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("TUI_ANALYTICS_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:1/x")
    assert main(["jobs", "run", "top-items"]) == 1
    out = capsys.readouterr().out
    assert "failed" in out and "hunter2" not in out


def test_cache_invalidate_dry_run_lists_matching_keys_and_requests_nothing(cli_env, capsys) -> None:
    assert main(["cache", "invalidate", "activity-trends*", "--dry-run"]) == 0
    assert capsys.readouterr().out.split() == ["activity-trends:30", "activity-trends:7", "activity-trends:summary"]
    assert not (cli_env / "state.sqlite3").exists() or _commands(cli_env) == []


def test_cache_clear_with_nobody_scheduling_posts_nothing(cli_env, capsys) -> None:
    assert main(["cache", "invalidate", "user-growth*", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["matched"] == ["user-growth:12", "user-growth:days:30"] and reply["requested"] is False
    assert main(["cache", "clear"]) == 0
    assert "no dashboard or serve process is scheduling on this state database" in capsys.readouterr().out
    assert _commands(cli_env) == []  # nobody to run it: a stale command must not fire at the next start


def test_cache_clear_asks_the_process_that_schedules(cli_env, capsys, monkeypatch) -> None:
    from tui_analytics.cli import cache_cmd

    monkeypatch.setattr(cache_cmd, "WAIT_SECONDS", 0.0)  # nobody answers in this test: do not wait
    lock = scheduler_lock(f"sqlite:///{cli_env / 'state.sqlite3'}")
    assert lock.try_acquire()  # as a running dashboard holds it
    try:
        assert main(["cache", "clear", "--json"]) == 0
    finally:
        lock.release()
    reply = json.loads(capsys.readouterr().out)
    assert reply["requested"] and not reply["applied"] and f"(pid {os.getpid()} on " in reply["by"]
    assert [(c.op, c.status) for c in _commands(cli_env)] == [("clear", "pending")]


def test_cache_clear_says_what_the_scheduling_process_removed(cli_env, capsys) -> None:
    import threading
    import time

    from tui_analytics.config.settings import Settings
    from tui_analytics.data.state import channel_tables as channel
    from tui_analytics.data.state.database import open_state
    from tui_analytics.runtime.clock import SYSTEM_CLOCK

    engine = open_state(Settings.for_dir(cli_env))
    lock = scheduler_lock(f"sqlite:///{cli_env / 'state.sqlite3'}")
    assert lock.try_acquire()  # as a running dashboard holds it

    def answer() -> None:  # what that dashboard's channel does with the command (channel/service.py)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            claimed = channel.claim_commands(engine, "dashboard (pid 1)", SYSTEM_CLOCK.now())
            if claimed:
                channel.finish_command(engine, claimed[0].id, True, {"removed": 2}, SYSTEM_CLOCK.now())
                return
            time.sleep(0.02)

    dashboard = threading.Thread(target=answer)
    dashboard.start()
    try:
        assert main(["cache", "clear", "--json"]) == 0
    finally:
        dashboard.join()
        lock.release()
    reply = json.loads(capsys.readouterr().out)
    assert (reply["requested"], reply["applied"], reply["removed"]) == (True, True, 2)
    assert reply["message"].endswith("removed 2 cache entries")


def test_cache_invalidate_with_a_pattern_that_matches_nothing(cli_env, capsys) -> None:
    assert main(["cache", "invalidate", "user_growth*"]) == 1
    out = capsys.readouterr()
    assert out.out == ""  # an error goes to stderr, one line
    assert out.err.startswith("tui-analytics: error: no cache key matches 'user_growth*'")
    assert "(did you mean 'user-growth*' or 'user-growth:12'?)" in out.err and out.err.count("\n") == 1
    assert main(["cache", "keys", "--json"]) == 0
    assert "performance-metrics" in json.loads(capsys.readouterr().out)


def _commands(data_dir: Path) -> list[Command]:
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.state import channel_tables as channel
    from tui_analytics.data.state.database import open_state

    engine = open_state(Settings.for_dir(data_dir))
    found = [channel.read_command(engine, i) for i in range(1, 20)]
    return [c for c in found if c is not None]


def test_jobs_pause_resume_and_interval_are_stored_and_shown(cli_env, capsys) -> None:
    assert main(["jobs", "pause", "top-items"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("top-items paused (manual runs still work); no dashboard or serve process schedules")
    assert main(["jobs", "interval", "user-growth", "1h30m", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert (reply["id"], reply["intervalSeconds"], reply["paused"]) == ("user-growth", 5400, False)
    assert main(["jobs", "status", "--json"]) == 0
    by_id = {job["id"]: job for job in json.loads(capsys.readouterr().out)["jobs"]}
    assert by_id["top-items"]["paused"] and not by_id["user-growth"]["paused"]
    assert by_id["user-growth"]["intervalSeconds"] == 5400 and by_id["top-items"]["intervalSeconds"] == 900
    assert main(["jobs", "status"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:7]}
    assert "paused (15m)" in rows["top-items"] and "every 1h30m" in rows["user-growth"]
    assert main(["jobs", "run", "top-items"]) == 0  # a paused job still runs by hand
    assert "completed" in capsys.readouterr().out
    assert main(["jobs", "interval", "top-items", "5m"]) == 0
    assert "runs every 5m once resumed (it is paused)" in capsys.readouterr().out
    assert main(["jobs", "resume", "top-items"]) == 0
    assert main(["jobs", "interval", "user-growth", "default"]) == 0
    assert "runs every 10m (the configured interval)" in capsys.readouterr().out.splitlines()[-1]
    assert main(["jobs", "status", "--json"]) == 0
    by_id = {job["id"]: job for job in json.loads(capsys.readouterr().out)["jobs"]}
    assert not by_id["top-items"]["paused"] and by_id["top-items"]["intervalSeconds"] == 300


def test_jobs_pause_names_the_process_that_applies_it(cli_env, capsys) -> None:
    lock = scheduler_lock(f"sqlite:///{cli_env / 'state.sqlite3'}")
    assert lock.try_acquire()
    try:
        assert main(["jobs", "pause", "cache-cleanup"]) == 0
    finally:
        lock.release()
    assert f"(pid {os.getpid()} on " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["jobs", "pause", "top_items"], "unknown job 'top_items' (did you mean 'top-items'?)"),
        (["jobs", "interval", "top-items", "5 mins"], "interval '5 mins' is not a length of time"),
        (["jobs", "interval", "top-items", "0s"], "out of range: at least 1s and at most 31d"),
        (["jobs", "interval", "top-items", "40d"], "out of range"),
        (["jobs", "interval", "topitems", "5m"], "did you mean 'top-items'"),
    ],
)
def test_jobs_control_refuses_bad_input_in_one_line_and_stores_nothing(cli_env, capsys, argv, says) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and says in captured.err and captured.err.count("\n") == 1
    assert main(["jobs", "status", "--json"]) == 0
    jobs = json.loads(capsys.readouterr().out)["jobs"]
    assert not any(job["paused"] for job in jobs) and jobs[2]["intervalSeconds"] == 900


def test_jobs_history_filters(cli_env, capsys) -> None:
    assert main(["jobs", "run", "top-items", "user-growth"]) == 0
    capsys.readouterr()
    assert main(["jobs", "history", "--status", "completed", "--since", "2000-01-01", "--json"]) == 0
    assert sorted(r["jobId"] for r in json.loads(capsys.readouterr().out)) == ["top-items", "user-growth"]
    assert main(["jobs", "history", "top-items", "--status", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "no runs match these filters"
    assert main(["jobs", "history", "--since", "2999-01-01T00:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("content", [b"\x8f garbage " * 300, b"SQLite format 3\x00", b""])
@pytest.mark.parametrize("argv", [["cache", "clear"], ["cache", "invalidate", "user-growth*"]])
def test_cache_commands_on_a_damaged_state_database_are_one_error_line(cli_env, capsys, content, argv) -> None:
    state = cli_env / "state.sqlite3"
    cli_env.mkdir(parents=True, exist_ok=True)
    state.write_bytes(content)
    code = main(argv)
    captured = capsys.readouterr()
    if content == b"":  # an empty file is a new SQLite database: nobody schedules on it
        assert code == 0 and "no dashboard or serve process is scheduling" in captured.out
        return
    assert code == 1, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "cannot open the state database" in lines[0], captured.err
    assert "no dashboard or serve process" not in captured.out
    assert state.read_bytes() == content  # left as it was
