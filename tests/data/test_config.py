"""Settings from environment and TOML; URL masking; the core does not import Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui_analytics.config.settings import DEFAULT_INTERVALS, DEFAULT_SENDER, load_settings, mask_url
from tui_analytics.config.values import check_sender
from tui_analytics.runtime.errors import ConfigError


def test_defaults_work_with_nothing_set(tmp_path):
    s = load_settings(env={})
    assert s.uses_demo_data and s.database_url is None
    assert s.source_url.startswith("sqlite:///") and s.source_url.endswith("demo.sqlite3")
    assert "tui-analytics" in str(s.data_dir)
    assert s.disable_auto_sync is False
    assert s.job_intervals == DEFAULT_INTERVALS


def test_the_default_sender_passes_the_check_it_skips():
    # load_settings does not check the default sender (that would load the email package at start-up)
    assert check_sender("TUI_ANALYTICS_SMTP_FROM", DEFAULT_SENDER) == DEFAULT_SENDER


def test_environment_overrides_toml(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('database_url = "sqlite:///from-file.db"\ntimezone = "Europe/Berlin"\n[jobs]\ntop-items = 60\n')
    env = {
        "TUI_ANALYTICS_DATABASE_URL": "sqlite:///from-env.db",
        "TUI_ANALYTICS_DATA_DIR": str(tmp_path),
        "DISABLE_AUTO_SYNC": "true",
    }
    s = load_settings(cfg, env=env)
    assert s.database_url == "sqlite:///from-env.db"
    assert s.timezone_name == "Europe/Berlin" and str(s.tz) == "Europe/Berlin"
    assert s.interval("top-items") == 60 and s.interval("user-growth") == 600
    assert s.disable_auto_sync is True
    assert s.resolved_export_dir == tmp_path / "exports"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TUI_ANALYTICS_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"DISABLE_AUTO_SYNC": "maybe"}, "DISABLE_AUTO_SYNC must be true or false"),
        ({"TUI_ANALYTICS_DATABASE_URL": "not a url"}, "not a database URL"),
        ({"TUI_ANALYTICS_INTERVAL_TOP_ITEMS": "0"}, "at least 1"),
        ({"TUI_ANALYTICS_HISTORY_RETENTION": "lots"}, "must be a number"),
    ],
)
def test_bad_configuration_is_one_clear_line(env, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env=env)
    assert "\n" not in str(info.value)


def test_bad_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("database_url = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, env={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('colour = "blue"\n')
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(unknown, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})


@pytest.mark.parametrize(
    "url, secret",
    [
        ("postgresql://app:hunter2@db:5432/analytics", "hunter2"),
        ("mysql+pymysql://app:p%40ss@db/x?charset=utf8mb4", "p%40ss"),
        ("postgresql://db/x?user=app&password=hunter2", "hunter2"),
        ("smtp://mailer:tok3n@smtp.example.com:587?starttls=true", "tok3n"),
    ],
)
def test_mask_url_hides_passwords(url, secret):
    masked = mask_url(url)
    assert secret not in masked and "***" in masked


def test_mask_url_leaves_plain_urls_alone():
    assert mask_url("sqlite:////var/lib/x.db") == "sqlite:////var/lib/x.db"
    assert mask_url("postgresql://app@db/x") == "postgresql://app@db/x"


def test_core_does_not_import_textual():
    core = [
        "tui_analytics",
        "tui_analytics.config.settings",
        "tui_analytics.data.source.repository",
        "tui_analytics.data.source.demo_data",
        "tui_analytics.data.source.opening",
        "tui_analytics.data.state.database",
        "tui_analytics.cli",
    ]
    for optional in ("processor", "cache", "scheduling", "export", "reports"):
        if (Path(__file__).resolve().parents[2] / "tui_analytics" / optional).exists() or (
            Path(__file__).resolve().parents[2] / "tui_analytics" / f"{optional}.py"
        ).exists():
            core.append(f"tui_analytics.{optional}")
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in core)
        + ("bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\nprint(','.join(bad))\n")
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported Textual: {out.stdout}"


@pytest.mark.parametrize(
    "env, message",
    [
        # intervals: 1 s to 31 days (beyond, APScheduler overflows when it adds the interval)
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "1e12"}, "at most 2,678,400"),
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "inf"}, "must be a number"),
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "nan"}, "must be a number"),
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "2678401"}, "at most 2,678,400"),
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "0.5"}, "at least 1"),
        ({"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "١٢"}, "must be a number"),  # Arabic-Indic digits
        ({"TUI_ANALYTICS_HISTORY_RETENTION": "1e400"}, "at most 10,000,000, got .1e400"),
        ({"TUI_ANALYTICS_HISTORY_RETENTION": "10.5"}, "whole number"),
        ({"TUI_ANALYTICS_HISTORY_RETENTION": "1e9"}, "at most 10,000,000"),
        ({"TUI_ANALYTICS_QUERY_TIMEOUT": "1e9"}, "at most 86,400"),
        # a directory of the zone database, a name too long for a file, a path
        ({"TUI_ANALYTICS_TIMEZONE": "Europe"}, "unknown time zone 'Europe'"),
        ({"TUI_ANALYTICS_TIMEZONE": "America"}, "unknown time zone"),
        ({"TUI_ANALYTICS_TIMEZONE": "A" * 5000}, r"unknown time zone .*5,000 characters"),
        ({"TUI_ANALYTICS_TIMEZONE": "/etc/passwd"}, "unknown time zone"),
    ],
)
def test_out_of_range_settings_are_one_short_line(env, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env=env)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_the_longest_interval_is_accepted():
    assert load_settings(env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "2678400"}).interval("user-growth") == 2678400


@pytest.mark.parametrize(
    "text, message",
    [
        ("history_retention = 1e400", "at most 10,000,000, got inf"),
        ("history_retention = true", "must be a number"),
        ("database_url = 5", "database_url in .* must be text"),
        ("export_dir = 7", "export_dir in .* must be text"),
        ("timezone = [1]", "timezone in .* must be text"),
        ('data_dir = ""', "data_dir in .* is empty"),
        ("jobs = 5", "jobs in .* must be a table"),
        ("[jobs]\nuser-growth = inf", "at most 2,678,400"),
        ('[jobs]\nuser-growth = "soon"', "must be a number"),
        ('"tui-analytics" = 5', "must be a table"),
        ('timezone = "Europe"', "unknown time zone 'Europe'"),
    ],
)
def test_toml_values_of_the_wrong_type_or_range_are_one_line(tmp_path, text, message):
    config = tmp_path / "c.toml"
    config.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(config, env={})
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_a_config_file_that_is_not_utf8_is_named(tmp_path):
    config = tmp_path / "latin1.toml"
    config.write_bytes('timezone = "Europe/Zürich"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.toml is not UTF-8"):
        load_settings(config, env={})
    with pytest.raises(ConfigError, match="cannot read config file .*: Is a directory"):
        load_settings(tmp_path, env={})


def test_settings_built_in_python_refuse_an_interval_the_scheduler_cannot_add(tmp_path):
    from tui_analytics.config.settings import Settings

    for seconds in (1e12, float("inf"), float("nan"), 0):
        with pytest.raises(ConfigError, match="the interval of user-growth must"):
            Settings.for_dir(tmp_path, job_intervals={"user-growth": seconds})


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///x.db",
        "sqlite://",
        "sqlite:////abs/x",
        "postgresql://u:p@h:5432/db",
        "postgresql+psycopg://u:p%40x@[::1]:5432/db?sslmode=require",
        "mysql+pymysql://root@127.0.0.1:3306/test",
        "postgresql://u:p:q@h/db",
        "not a url",
        "://x",
        "pg:/x",
        "a b://x",
        "postgresql://u:p@h:abc/db",
    ],
)
def test_database_urls_are_checked_as_sqlalchemy_reads_them(url: str) -> None:
    # The check runs without SQLAlchemy (settings load before every command): it must agree with it.
    from sqlalchemy.engine import make_url

    from tui_analytics.config.settings import _check_url

    try:
        make_url(url)
        accepted = True
    except Exception:  # ArgumentError, or ValueError for a port that is not a number
        accepted = False
    try:
        _check_url("TUI_ANALYTICS_DATABASE_URL", url)
        ours = True
    except ConfigError:
        ours = False
    assert ours == accepted
