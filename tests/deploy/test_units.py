"""deploy/tui-analytics.service and deploy/tui-analytics@.service: what they set, and what
`systemd-analyze` says of them (skipped where systemd-analyze is not installed: apt package systemd)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.units import DEPLOY, INSTALLED_AT, UNITS, environment, exec_start, one, values, with_command

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed (apt-get install systemd)")
MAX_EXPOSURE = 2.5  # systemd-analyze's "OK" band ends here
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "UMask": "0027",
    "CapabilityBoundingSet": "",
    "DynamicUser": "yes",
    "RestartPreventExitStatus": "78",
    "Restart": "on-failure",
}


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_the_units_are_hardened_and_do_not_retry_a_configuration_error(unit: Path) -> None:
    for key, value in HARDENING.items():
        assert one(unit, key) == value, key
    assert "@system-service" in values(unit, "SystemCallFilter")
    assert exec_start(unit)[0] == INSTALLED_AT and exec_start(unit)[1:] == ["serve", "--standby"]


def test_the_plain_unit_reads_the_machines_config_and_keeps_its_state_in_its_directories() -> None:
    unit = DEPLOY / "tui-analytics.service"
    assert environment(unit) == {
        "TUI_ANALYTICS_CONFIG": "/etc/tui-analytics/config.toml",
        "TUI_ANALYTICS_DATA_DIR": "/var/lib/tui-analytics",
        "TUI_ANALYTICS_LOG_DIR": "/var/log/tui-analytics",
    }
    assert one(unit, "StateDirectory") == "tui-analytics" and one(unit, "LogsDirectory") == "tui-analytics"


def test_the_template_unit_runs_one_instance_per_source() -> None:
    unit = DEPLOY / "tui-analytics@.service"
    assert environment(unit, "shop") == {
        "TUI_ANALYTICS_CONFIG": "/etc/tui-analytics/shop.toml",
        "TUI_ANALYTICS_DATA_DIR": "/var/lib/tui-analytics/shop",
        "TUI_ANALYTICS_LOG_DIR": "/var/log/tui-analytics/shop",
    }
    assert one(unit, "StateDirectory") == "tui-analytics/%i" and one(unit, "LogsDirectory") == "tui-analytics/%i"
    assert one(unit, "EnvironmentFile") == "-/etc/tui-analytics/%i.env"


def installed_command() -> str:
    command = Path(sys.executable).parent / "tui-analytics"
    if not command.exists():
        pytest.skip(f"no tui-analytics command beside {sys.executable} (pip install -e . first)")
    return str(command)


@needs_analyze
@pytest.mark.slow
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_rates_the_unit_ok(unit: Path) -> None:
    assert ANALYZE is not None
    done = subprocess.run([ANALYZE, "security", "--offline=true", str(unit)], capture_output=True, text=True, timeout=120)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", done.stdout)
    assert found is not None, done.stdout[-2000:] + done.stderr
    exposure, rating = float(found[1]), found[2]
    print(f"{unit.name}: exposure {exposure} {rating}")
    assert exposure <= MAX_EXPOSURE and rating == "OK", done.stdout[-3000:]


@needs_analyze
@pytest.mark.slow
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_is_clean(unit: Path, tmp_path: Path) -> None:
    assert ANALYZE is not None
    # verify checks that ExecStart's program exists: the command installed here stands in for
    # /opt/tui-analytics/bin/tui-analytics; the template is verified as an instance.
    name = unit.name.replace("@.", "@shop.")
    copy = with_command(unit, installed_command(), tmp_path / name)
    done = subprocess.run([ANALYZE, "verify", str(copy)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stdout + done.stderr
