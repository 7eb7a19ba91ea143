"""The first hour's errors: each one line that says what is wrong and what to do.

- `postgres://` (Django's and Heroku's spelling) is PostgreSQL, wherever a URL is read;
- `jobs run` on a state database this user may not write: one line, a non-zero exit, no run
  claimed and none recorded (as another user on a root-owned data directory);
- a data directory that cannot be made (HOME not writable) is named, with TUI_ANALYTICS_DATA_DIR;
- a misspelt command, setting or [source] table gets its likely fix; `--config` after the
  command is told where it goes;
- a failed `jobs run` prints its result line and no raw log line.

The permission tests need a user the file modes apply to: they run the command as it is when
the tests run as another user than root, and as root with CAP_DAC_OVERRIDE dropped (setpriv)
otherwise; they skip when neither is possible.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.constants import POSTGRES_URL
from tests.support.serving import REPO, cli_env
from tui_analytics.cli import clip, main
from tui_analytics.config.settings import load_settings
from tui_analytics.data.engines import new_engine, normalise_url

# As root, file modes apply only without these capabilities.
NO_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def _as_plain_user() -> list[str]:
    """The prefix that runs a command as a user file modes apply to; skips when there is none."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv (util-linux) is not installed: file modes would not apply")
    probe = subprocess.run([*NO_OVERRIDE, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop CAP_DAC_OVERRIDE here: {probe.stderr.decode(errors='replace').strip()}")
    return NO_OVERRIDE


def _run(prefix: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "tui_analytics", *args],
        cwd=str(REPO),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- postgres:// ------------------------------------------------------------------------------------


def test_postgres_spelling_is_read_as_postgresql(tmp_path: Path) -> None:
    env = {"TUI_ANALYTICS_DATABASE_URL": "postgres://app:secret@db.example:5432/shop", "TUI_ANALYTICS_DATA_DIR": str(tmp_path)}
    assert load_settings(env=env).database_url == "postgresql://app:secret@db.example:5432/shop"
    config = tmp_path / "c.toml"
    config.write_text('state_url = "postgres+psycopg://app@db.example/state"\n', encoding="utf-8")
    assert (
        load_settings(config, env={"TUI_ANALYTICS_DATA_DIR": str(tmp_path)}).state_url
        == "postgresql+psycopg://app@db.example/state"
    )
    assert normalise_url("postgres://app@db.example/shop") == "postgresql+psycopg://app@db.example/shop"
    # Only the scheme: a database or user called postgres is left alone.
    assert normalise_url("postgresql://postgres@h/postgres") == "postgresql+psycopg://postgres@h/postgres"
    assert normalise_url("sqlite:///postgres.db") == "sqlite:///postgres.db"


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
def test_a_postgres_url_connects() -> None:
    assert POSTGRES_URL is not None
    engine = new_engine(POSTGRES_URL.replace("postgresql://", "postgres://", 1))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert engine.dialect.name == "postgresql"
    finally:
        engine.dispose()


# -- jobs run on a state database this user cannot write ------------------------------------------


@pytest.fixture
def read_only_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory with a state database and a run in it, then made read-only (as another
    user's data directory looks); the modes are put back afterwards so it can be removed."""
    directory = tmp_path / "data"
    first = _run([], cli_env(directory), "jobs", "run", "user-growth")
    assert first.returncode == 0, first.stderr
    paths = [directory, *directory.iterdir()]
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield directory
    finally:
        for path in paths:
            path.chmod(0o700 if path.is_dir() else 0o600)


def _runs(directory: Path) -> int:
    with sqlite3.connect(f"file:{directory / 'state.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM job_runs").fetchone()[0])


@pytest.mark.slow
def test_jobs_run_on_a_state_database_it_cannot_write_says_so_in_one_line(read_only_data_dir: Path) -> None:
    prefix = _as_plain_user()
    before = _runs(read_only_data_dir)
    done = _run(prefix, cli_env(read_only_data_dir), "jobs", "run", "user-growth")
    assert done.returncode == 1
    assert done.stdout == ""  # no "completed"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot write to the state database" in lines[0] and "readonly database" in lines[0]
    assert "TUI_ANALYTICS_DATA_DIR" in lines[0] and "Traceback" not in done.stderr
    assert _runs(read_only_data_dir) == before


# -- a data directory that cannot be made ----------------------------------------------------------


def _without_data_dir(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.delenv("TUI_ANALYTICS_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_a_home_where_nothing_can_be_made_names_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    _without_data_dir(monkeypatch, blocker / "home")  # no directory can be made under a file, as root too
    assert main(["jobs", "status"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("tui-analytics: error: data directory ")
    assert err[0].endswith("tui-analytics: Not a directory; set TUI_ANALYTICS_DATA_DIR to a directory you can write")


@pytest.mark.slow
def test_an_unwritable_home_names_the_data_directory(tmp_path: Path) -> None:
    prefix = _as_plain_user()
    home = Path(tempfile.mkdtemp(prefix="home-")) / "h"  # a short path: the line is not shortened
    home.mkdir(mode=0o555)
    env = {k: v for k, v in cli_env(tmp_path).items() if k not in ("TUI_ANALYTICS_DATA_DIR", "XDG_DATA_HOME")}
    try:
        done = _run(prefix, {**env, "HOME": str(home)}, "jobs", "status")
    finally:
        home.chmod(0o700)
        shutil.rmtree(home.parent)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"tui-analytics: error: data directory {home}/.local/share/tui-analytics: Permission denied at {home}/.local; "
        "set TUI_ANALYTICS_DATA_DIR to a directory you can write"
    ]


# -- typos and misplaced options ---------------------------------------------------------------------


def _error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        main(argv)
    except SystemExit as stop:  # argparse's usage errors
        assert stop.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_an_unknown_source_table_is_one_clean_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "entity.toml"
    config.write_text('database_url = "sqlite:///x.db"\n[source.user]\ntable = "auth_user"\n', encoding="utf-8")
    line = _error_of(["--config", str(config), "source", "check"], capsys)
    assert line.startswith(
        "tui-analytics: error: [source] has an unknown table 'user' (did you mean 'users'?) "
        "(valid keys: timestamps, time_zone, users, items, activities) in '"
    )


def test_a_long_quoted_value_is_shortened_but_never_the_text_between_two_quotes() -> None:
    between = "'a' " + "x" * 70 + " 'b'"
    assert clip(between, 199) == between
    assert clip("bad value '" + "y" * 70 + "'", 199) == "bad value '" + "y" * 40 + "...' (70 characters)"


def test_a_top_level_time_zone_gets_did_you_mean_timezone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "tz.toml"
    config.write_text('time_zone = "America/Chicago"\n', encoding="utf-8")
    line = _error_of(["--config", str(config), "jobs", "status"], capsys)
    assert line.endswith("'time_zone' (did you mean 'timezone'?)")


def test_a_misspelt_command_gets_its_likely_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert _error_of(["serv"], capsys) == (
        "tui-analytics: error: argument COMMAND: invalid choice: 'serv' (did you mean 'serve'?) (see tui-analytics --help)"
    )
    assert "did you mean 'status'?" in _error_of(["jobs", "statu"], capsys)


def test_config_after_the_command_is_told_where_it_goes(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error_of(["source", "check", "--config", "x.toml"], capsys)
    assert "unrecognized arguments: --config x.toml" in line
    assert "--config goes before the command (tui-analytics --config PATH COMMAND ...)" in line
    assert "goes before" not in _error_of(["source", "check", "--colour"], capsys)


# -- a failed jobs run: its line, no log line --------------------------------------------------------


@pytest.mark.slow
def test_a_failed_job_run_prints_its_line_and_no_log_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", TUI_ANALYTICS_DATABASE_URL=f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    done = _run([], env, "jobs", "run", "user-growth")
    assert done.returncode == 1
    assert done.stdout.startswith("user-growth          failed") and "does not exist" in done.stdout
    assert done.stderr == ""
