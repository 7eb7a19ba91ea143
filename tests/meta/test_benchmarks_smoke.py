"""The performance suite works end to end at its smallest size (the figures are not checked here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the benchmark suite in a subprocess

ROOT = Path(__file__).resolve().parents[2]

# One prefix per case line the table must show.
EXPECTED = [
    "demo-data generation",
    "repo user_growth @20k",
    "repo activity_trends @20k",
    "repo top_items @20k",
    "repo recent_activity @20k",
    "repo summary @20k",
    "mapped django-text top_items @20k",
    "mapped epoch activity_trends @20k",
    "full refresh (6 jobs) @20k",
    "loop lag p50",
    "loop lag p99",
    "loop lag max",
    "export csv 5k rows (CLI vs bare loop)",
    "export csv 20k rows (CLI vs bare loop)",
    "export csv 20k rows peak RSS",
    "export peak RSS 20k/5k rows",
    "export xlsx 20k rows peak RSS (vs csv)",
    "start-up to first full frame",
    "cache read",
    "tui-analytics --help (vs bare argparse)",
    "tui-analytics --version (vs bare argparse)",
    "terminal output 160x50",
    "terminal output 80x24",
    "first opening of export (e): longest loop stall",
    "first opening of template (n): longest loop stall",
    "first opening of palette (ctrl+p): longest loop stall",
    "first opening of confirm (c): longest loop stall",
]


def test_smoke_run_prints_every_case(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_")}
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "smoke", "--json", str(out_json)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("machine: ")
    for prefix in EXPECTED:
        assert any(line.startswith(prefix) for line in lines), f"no {prefix!r} row in:\n{proc.stdout}"
    assert "ERROR" not in proc.stdout
    saved = json.loads(out_json.read_text())
    assert saved["size"] == "smoke"
    cases = [row["case"] for row in saved["rows"]]
    assert all(any(case.startswith(prefix) for case in cases) for prefix in EXPECTED)
    # every row has a measured value, and rows with a target say whether they met it
    assert all(row["value"] == row["value"] and row["value"] >= 0 for row in saved["rows"])
    assert all(row["ok"] in (True, False) for row in saved["rows"] if row["target"])
