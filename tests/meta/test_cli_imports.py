"""What each kind of CLI call imports: scripts and cron pay for nothing they do not use.

Each case runs the real entry point (`python -m tui_analytics ...`) in a fresh
interpreter with `-X importtime`, which lists every module the process imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "apscheduler", "textual", "rich", "croniter", "cron_descriptor", "asyncio")


def imported(args: list[str], data_dir: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_")}
    env["TUI_ANALYTICS_DATA_DIR"] = str(data_dir)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tui_analytics", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return modules, proc


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["export", "--help"],
        ["export", "no-such-dataset"],
        ["jobs", "--help"],
        ["report", "--help"],
        ["cache", "keys"],
    ],
)
def test_help_version_and_usage_errors_import_no_heavy_library(args, tmp_path):
    modules, proc = imported(args, tmp_path)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "tui_analytics.cli" in modules  # the run really went through our entry point
    assert not tops(modules) & set(HEAVY), sorted(tops(modules) & set(HEAVY))


def test_export_imports_no_scheduler_screen_or_reports_service(tmp_path):
    assert (
        subprocess.run(
            [sys.executable, "-m", "tui_analytics", "demo-data", "-q", "--users", "300", "--items", "40", "--activities", "2000"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TUI_ANALYTICS_DATA_DIR": str(tmp_path)},
        ).returncode
        == 0
    )
    out = tmp_path / "top.csv"
    modules, proc = imported(["export", "top-items", "-q", "-o", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_text().startswith("rank,")
    assert "sqlalchemy" in tops(modules)  # it did read the database
    unwanted = {"apscheduler", "textual", "croniter", "cron_descriptor"} & tops(modules)
    assert not unwanted, sorted(unwanted)
    services = {"tui_analytics.reports.service", "tui_analytics.processor.processor", "tui_analytics.ui"} & modules
    assert not services, sorted(services)


def test_the_dashboard_is_built_and_filled_before_sqlalchemy_or_the_scheduler_load(tmp_path):
    """What the dashboard does before its first frame (settings with a database URL, the last known
    view, the app) imports neither SQLAlchemy nor APScheduler: those load behind the first frame."""
    script = (
        "import sys\n"
        "from tui_analytics.config.settings import load_settings\n"
        "from tui_analytics.data.state.last_view import read_last_view\n"
        "from tui_analytics.ui import build_app\n"
        "settings = load_settings()\n"
        "build_app(settings, last_view=read_last_view(settings.resolved_state_url))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'apscheduler', 'croniter'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_")}
    env.update(
        TUI_ANALYTICS_DATA_DIR=str(tmp_path),
        TUI_ANALYTICS_DATABASE_URL="postgresql://u:secret@db:5432/app",
        TUI_ANALYTICS_STATE_URL=f"sqlite:///{tmp_path}/state.sqlite3",
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_help_and_version_load_no_command_module_nor_the_settings(tmp_path):
    for args in (["--help"], ["--version"]):
        modules, proc = imported(args, tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        ours = {m for m in modules if m.startswith("tui_analytics.")}
        assert "tui_analytics.cli.commands" in ours
        unwanted = {
            m
            for m in ours
            if m.endswith("_cmd")
            or m.startswith(("tui_analytics.data", "tui_analytics.reports", "tui_analytics.processor", "tui_analytics.export"))
        }
        assert not unwanted, sorted(unwanted)
        assert "logging" not in modules
