"""Ctrl-C while the command is still starting (its modules loading): exit 130 and at most one line,
never a KeyboardInterrupt traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Sends the process a real SIGINT as it starts importing a module: the moment an operator's
# early Ctrl-C lands, without timing it.
INTERRUPT_DURING_IMPORT = """
import os, signal, sys
class InterruptOnce:
    sent = False
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith({module!r}) and not self.sent:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, InterruptOnce())
from tui_analytics.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # a Python subprocess per case
@pytest.mark.parametrize(
    ("module", "argv"),
    [
        ("tui_analytics.cli.jobs_cmd", ["jobs", "status"]),  # the sub-commands, while the parser is built
        ("tui_analytics.reports", ["report", "list"]),
        ("sqlalchemy", ["jobs", "status"]),
        ("textual", []),  # the dashboard
    ],
)
def test_sigint_while_the_modules_load_is_one_line_and_exit_130(module, argv, tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TUI_ANALYTICS_DATA_DIR": str(tmp_path), "TERM": "dumb"}
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_DURING_IMPORT.format(module=module), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 130, output
    assert "Traceback" not in output and len(output.splitlines()) <= 1, output
    assert output == "tui-analytics: error: interrupted"


def test_an_interrupt_before_the_command_runs_is_caught_by_main(monkeypatch, capsys) -> None:
    from tui_analytics import cli

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["jobs", "status"]) == 130
    out = capsys.readouterr()
    assert out.out == "" and out.err == "tui-analytics: error: interrupted\n"
