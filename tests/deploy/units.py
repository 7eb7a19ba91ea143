"""The shipped systemd units, read as systemd reads their [Service] settings (no tests here)."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.support.serving import REPO

DEPLOY = REPO / "deploy"
UNITS = (DEPLOY / "tui-analytics.service", DEPLOY / "tui-analytics@.service")
INSTALLED_AT = "/opt/tui-analytics/bin/tui-analytics"  # where docs/deployment.md installs the command


def settings(unit: Path) -> list[tuple[str, str]]:
    """(key, value) of each line of the unit, in order (comments and section headers left out)."""
    pairs = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def values(unit: Path, key: str) -> list[str]:
    return [value for k, value in settings(unit) if k == key]


def one(unit: Path, key: str) -> str:
    found = values(unit, key)
    assert len(found) == 1, f"{unit.name}: {key}= {found}"
    return found[0]


def environment(unit: Path, instance: str = "") -> dict[str, str]:
    """The unit's Environment= assignments, with %i expanded to `instance`."""
    env: dict[str, str] = {}
    for value in values(unit, "Environment"):
        for word in shlex.split(value):
            name, _, text = word.partition("=")
            env[name] = text.replace("%i", instance)
    return env


def exec_start(unit: Path, instance: str = "") -> list[str]:
    return [word.replace("%i", instance) for word in shlex.split(one(unit, "ExecStart"))]


def with_command(unit: Path, command: str, target: Path) -> Path:
    """A copy of `unit` at `target` whose ExecStart runs `command` instead of the installed path
    (systemd-analyze verify checks that the program exists); every other line as shipped."""
    text = unit.read_text(encoding="utf-8")
    assert text.count(f"ExecStart={INSTALLED_AT} ") == 1
    target.write_text(text.replace(f"ExecStart={INSTALLED_AT} ", f"ExecStart={command} "), encoding="utf-8")
    return target
