"""A mistake in the settings exits 78 (EX_CONFIG, sysexits.h), which the unit's
RestartPreventExitStatus=78 does not retry; other errors stay exit 1 (retried: the lock may be
free, the database back, next time)."""

from __future__ import annotations

import pytest

from tui_analytics.cli import main

MISTAKES = {
    "bad zone": ('timezone = "Mars/Base"\n', "unknown time zone"),
    "bad TOML": ("timezone = \n", "is not valid TOML"),
    "unknown setting": ('timezone = "UTC"\nno_such_setting = 1\n', "unknown setting(s)"),
    "bad database URL": ('database_url = "not a url"\n', "is not a database URL"),
    "unknown key action": ('[keys]\nno-such-action = "r"\n', "[keys] unknown action"),
}


@pytest.fixture(autouse=True)
def _env(settings, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))


def run(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("mistake", list(MISTAKES))
@pytest.mark.parametrize("command", [[], ["serve"], ["jobs", "status"], ["export", "top-items", "-o", "-"]], ids=" ".join)
def test_a_mistake_in_the_config_file_is_exit_78_in_one_line(mistake, command, tmp_path, capsys) -> None:
    text, said = MISTAKES[mistake]
    if mistake == "unknown key action" and command:
        pytest.skip("[keys] is the dashboard's: the commands do not read it")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["--config", str(path), *command], capsys)
    assert (code, out) == (78, "")
    assert err.startswith("tui-analytics: error: ") and said in err and err.count("\n") == 1


def test_a_missing_config_file_is_exit_78(tmp_path, capsys) -> None:
    code, out, err = run(["--config", str(tmp_path / "absent.toml"), "serve"], capsys)
    assert (code, out) == (78, "") and "config file not found" in err


def test_a_bad_zone_in_the_environment_is_exit_78(monkeypatch, capsys) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "Nowhere/Land")
    assert run(["serve"], capsys)[0] == 78


def test_a_bad_value_on_the_command_line_is_still_exit_1(capsys) -> None:
    code, _out, err = run(["jobs", "interval", "top-items", "0"], capsys)
    assert code == 1 and "out of range" in err
