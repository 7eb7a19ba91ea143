"""The wheel carries every subpackage and the stylesheets (built and installed in a fresh venv)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_package_list_is_complete():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tui_analytics").rglob("__init__.py")}
    assert on_disk | {"tui_analytics.styles"} == listed


@pytest.mark.slow
def test_wheel_ships_and_loads_stylesheets(tmp_path):
    if os.environ.get("TUI_ANALYTICS_SKIP_WHEEL_TEST"):
        pytest.skip("TUI_ANALYTICS_SKIP_WHEEL_TEST is set")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("tui_analytics-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tui_analytics/styles/dashboard.tcss" in names
    assert "tui_analytics/styles/dialogs.tcss" in names
    assert {"tui_analytics/cli/web_page/app_index.html", "tui_analytics/cli/web_page/favicon.ico"} <= set(names)  # web's page
    # Install into an isolated target (no dependencies needed to locate the files).
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from tui_analytics.ui.resources import styles_dir, stylesheets;"
        "print(styles_dir()); print(all(p.is_file() for p in stylesheets()))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True, cwd=tmp_path)
    folder, ok = out.stdout.split()
    assert folder.startswith(str(target)) and ok == "True"
