"""What docs/cli.md promises about the command line's errors: one line on stderr; exit 1 for an
error, exit 2 for a usage mistake; nothing on stdout."""

from __future__ import annotations

import pytest

from tui_analytics.cli import main


@pytest.fixture(autouse=True)
def _env(settings, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))


def run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits for usage mistakes
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "argv",
    [
        ["cache", "invalidate", "["],
        ["cache", "invalidate", "no-such-key*"],
        ["export", "users"],
        ["report", "history", "--limit", "0"],
        ["jobs", "run", "bogus"],
    ],
)
def test_an_error_is_one_line_on_stderr_and_exit_1(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert err.startswith("tui-analytics: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["export"],
        ["export", "top-items", "--limit", "abc"],
        ["export", "top-items", "--no-such-option"],
        ["no-such-command"],
    ],
)
def test_a_usage_mistake_is_one_line_on_stderr_and_exit_2(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("tui-analytics") and ": error: " in err and err.count("\n") == 1
