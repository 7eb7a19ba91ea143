"""The release as a user gets it: `python -m build` makes the sdist and the wheel; the wheel installs
into a clean virtual environment without the web extra's packages (aiohttp, textual-serve), `[web]`
adds them, `pip check` is clean either way; the license is in both files, the docs, tests and units
in the sdist."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB_LINE = "tui-analytics: error: tui-analytics web needs the web extra: pip install 'tui-analytics[web]'\n"


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=900, cwd=cwd, env=env)
    assert done.returncode == 0, f"{argv}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done


def has(python: Path, module: str, cwd: Path) -> bool:
    code = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([str(python), "-c", code], cwd=cwd, timeout=120).returncode == 0


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    if os.environ.get("TUI_ANALYTICS_SKIP_WHEEL_TEST"):
        pytest.skip("TUI_ANALYTICS_SKIP_WHEEL_TEST is set")
    pytest.importorskip("build", reason="the test extra's `build` is not installed")
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


@pytest.mark.slow
def test_the_sdist_and_the_wheel_carry_the_license_and_the_sdist_the_docs_tests_and_units(dist: Path) -> None:
    wheel = next(dist.glob("tui_analytics-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    license_in_wheel = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert license_in_wheel
    assert "Copyright (c) 2026 the tui-analytics authors" in zipfile.ZipFile(wheel).read(license_in_wheel[0]).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Topic :: System :: Monitoring" in metadata
    assert "Requires-Dist: rich" in metadata and "Requires-Dist: textual<9,>=8.2.8" in metadata
    sdist = next(dist.glob("tui_analytics-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        inside = {"/".join(name.split("/")[1:]) for name in tar.getnames()}
    expected = {
        "LICENSE",
        "docs/deployment.md",
        "tests/conftest.py",
        "deploy/tui-analytics.service",
        "deploy/tui-analytics@.service",
    }
    assert expected <= inside, expected - inside
    assert not any("__pycache__" in name for name in inside)


@pytest.mark.slow
def test_the_wheel_installs_without_the_web_extra_and_with_it(dist: Path, tmp_path: Path) -> None:
    wheel = next(dist.glob("tui_analytics-*.whl"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    pip: list[str | Path] = [python, "-m", "pip"]
    env = {**os.environ, "TUI_ANALYTICS_DATA_DIR": str(tmp_path / "data"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env = {k: v for k, v in env.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    run(*pip, "install", "-q", wheel, cwd=tmp_path, env=env)
    run(*pip, "check", cwd=tmp_path, env=env)
    assert not has(python, "aiohttp", tmp_path) and not has(python, "textual_serve", tmp_path)
    assert has(python, "rich", tmp_path) and has(python, "textual", tmp_path)
    command = venv / "bin" / "tui-analytics"
    web = subprocess.run([command, "web"], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert (web.returncode, web.stdout, web.stderr) == (1, "", WEB_LINE)
    exported = run(command, "export", "top-items", "-o", "-", cwd=tmp_path, env=env)  # the rest works without it
    assert exported.stdout.startswith("rank,")

    run(*pip, "install", "-q", f"{wheel}[web]", cwd=tmp_path, env=env)
    run(*pip, "check", cwd=tmp_path, env=env)
    assert has(python, "aiohttp", tmp_path) and has(python, "textual_serve", tmp_path)
    helped = run(command, "web", "--help", cwd=tmp_path, env=env)
    assert "--max-sessions" in helped.stdout
