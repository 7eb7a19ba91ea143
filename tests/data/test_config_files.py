"""A --config that is not a small regular TOML file, and dates outside the years the tool works
with: one error line each, nothing started, nothing written."""

from __future__ import annotations

import os
import threading

import pytest

from tui_analytics.cli import main
from tui_analytics.config.settings import load_settings
from tui_analytics.config.toml_file import MAX_CONFIG_BYTES
from tui_analytics.runtime.errors import ConfigError


def test_a_toml_file_nested_thousands_deep_is_one_error(tmp_path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ConfigError, match="nests tables or arrays too deeply"):
        load_settings(path, env={})


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_settings(device, env={})


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    done: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(done, fifo), daemon=True)
    reader.start()
    reader.join(timeout=30)  # a hang guard: without the check the open or the read waits forever
    assert not reader.is_alive(), "reading the FIFO hung"
    assert isinstance(done[0], ConfigError) and "is not a regular file" in str(done[0])


def _capture(done: list[BaseException], path) -> None:
    try:
        load_settings(path, env={})
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        done.append(exc)


def test_a_file_over_the_size_limit_is_refused(tmp_path) -> None:
    path = tmp_path / "big.toml"
    path.write_text("# padding\n" * (MAX_CONFIG_BYTES // 10 + 10))
    with pytest.raises(ConfigError, match="is larger than 1024 KiB"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "backfill", "weekly-user-growth", "--from", "9999-12-30", "--to", "9999-12-31"],
        ["report", "cron", "0 9 * * *", "--after", "0001-01-01"],
    ],
)
def test_dates_past_the_supported_years_are_a_usage_error(argv, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "is outside the years 1900-9998 this tool works with" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "top-items", "--from", "0001-01-01", "--to", "0001-01-02"],
        ["jobs", "history", "--since", "0001-01-01"],
    ],
)
def test_far_dates_in_a_range_or_filter_are_one_error_line(argv, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is outside the years 1900-9998" in err[0] and "unexpected" not in err[0]


def test_an_error_names_where_the_value_came_from(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('smtp_url = "smtp://mail.example.com:99999"\n')
    with pytest.raises(ConfigError) as from_file:
        load_settings(path, env={})
    assert str(from_file.value).startswith("smtp_url in '/") and "TUI_ANALYTICS_SMTP_URL" not in str(from_file.value)
    with pytest.raises(ConfigError) as from_env:
        load_settings(path, env={"TUI_ANALYTICS_SMTP_URL": "smtp://mail.example.com:99999"})
    assert str(from_env.value).startswith("TUI_ANALYTICS_SMTP_URL")
