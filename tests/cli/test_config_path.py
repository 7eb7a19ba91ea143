"""Which settings file is read without --config: $TUI_ANALYTICS_CONFIG, then
$XDG_CONFIG_HOME/tui-analytics/config.toml (default ~/.config), then /etc/tui-analytics/config.toml;
`tui-analytics config path` says which (or that none is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.config.discovery import find_config
from tui_analytics.config.settings import load_settings


@pytest.fixture
def places(tmp_path, monkeypatch) -> dict[str, Path]:
    system = tmp_path / "etc" / "tui-analytics" / "config.toml"
    monkeypatch.setattr("tui_analytics.config.discovery.SYSTEM_CONFIG", system)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    return {
        "system": system,
        "home": home / ".config" / "tui-analytics" / "config.toml",
        "xdg": tmp_path / "xdg" / "tui-analytics" / "config.toml",
        "named": tmp_path / "named.toml",
    }


def write(path: Path, zone: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'timezone = "{zone}"\n', encoding="utf-8")


def say(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["config", "path", *argv]) if not argv or argv[0] != "--config" else main([*argv, "config", "path"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_none_found_says_so_and_where_it_looked(places, capsys) -> None:
    code, out, err = say(capsys)
    assert code == 0 and err == ""
    assert out == f"no config file: the environment and the defaults only (looked in {places['home']}, {places['system']})\n"
    assert load_settings().timezone_name == "local"


def test_the_first_that_exists_wins_in_order(places, monkeypatch, capsys) -> None:
    write(places["system"], "Asia/Tokyo")
    assert load_settings().timezone_name == "Asia/Tokyo"
    assert say(capsys)[1] == f"{places['system']} (from /etc)\n"

    write(places["home"], "Europe/Berlin")  # ~/.config before /etc
    assert load_settings().timezone_name == "Europe/Berlin"
    assert say(capsys)[1] == f"{places['home']} (from ~/.config)\n"

    write(places["xdg"], "America/Lima")  # $XDG_CONFIG_HOME replaces ~/.config
    monkeypatch.setenv("XDG_CONFIG_HOME", str(places["xdg"].parent.parent))
    assert load_settings().timezone_name == "America/Lima"
    assert say(capsys)[1] == f"{places['xdg']} (from XDG_CONFIG_HOME)\n"

    write(places["named"], "Africa/Cairo")  # the variable before any place looked in
    monkeypatch.setenv("TUI_ANALYTICS_CONFIG", str(places["named"]))
    assert load_settings().timezone_name == "Africa/Cairo"
    assert say(capsys)[1] == f"{places['named']} (from TUI_ANALYTICS_CONFIG)\n"

    other = places["named"].with_name("other.toml")
    write(other, "UTC")  # --config before everything
    assert load_settings(other).timezone_name == "UTC"
    assert say(capsys, "--config", str(other))[1] == f"{other} (from --config)\n"


def test_a_relative_xdg_config_home_is_ignored_as_the_spec_says(places, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert (
        find_config(None, {"XDG_CONFIG_HOME": "relative/dir", "HOME": str(places["home"].parents[2])}).looked[0] == places["home"]
    )


def test_without_home_or_xdg_only_etc_is_looked_in(places) -> None:
    assert find_config(None, {}).looked == (places["system"],)


def test_a_named_file_that_is_missing_or_broken_is_exit_78(places, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_CONFIG", str(places["named"]))
    code, out, err = say(capsys)
    assert (code, out) == (78, "") and err.startswith("tui-analytics: error: config file not found: ") and err.count("\n") == 1
    places["named"].write_text("timezone = \n", encoding="utf-8")
    code, out, err = say(capsys)
    assert code == 78 and "is not valid TOML" in err and err.count("\n") == 1


def test_a_found_file_with_a_mistake_is_exit_78_too(places, capsys) -> None:
    write(places["system"], "Mars/Olympus_Mons")
    code, out, err = say(capsys)
    assert (code, out) == (78, "") and "unknown time zone 'Mars/Olympus_Mons'" in err
