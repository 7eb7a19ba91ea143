"""The shipped unit's ExecStart line, run as a service user with the unit's environment and umask,
schedules: what systemd would start, minus systemd (not PID 1 here). The unit's directories are
mapped under a temporary root, made as StateDirectory=/LogsDirectory= would make them (0700, owned
by the service user)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.units import DEPLOY, INSTALLED_AT, environment, exec_start, one
from tests.support.serving import Serve

SETPRIV = shutil.which("setpriv")
SERVICE_USER = "nobody"  # DynamicUser= makes an unprivileged user of its own; nobody stands in for it


@pytest.fixture
def root_dir() -> Iterator[Path]:
    """A temporary root the service user can walk through (pytest's tmp_path is 0700 root's)."""
    path = Path(tempfile.mkdtemp(prefix="tui-analytics-unit-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def service_account() -> pwd.struct_passwd:
    if os.geteuid() != 0 or SETPRIV is None:
        pytest.skip("needs root and setpriv (util-linux) to run a command as the service user")
    try:
        account = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pytest.skip(f"no {SERVICE_USER} user on this machine")
    can_run = subprocess.run(as_user(account, [sys.executable, "-c", "import tui_analytics"]), capture_output=True, timeout=120)
    if can_run.returncode != 0:
        pytest.skip(f"{SERVICE_USER} cannot run this interpreter or import the package: {can_run.stderr[-300:]!r}")
    return account


def as_user(account: pwd.struct_passwd, argv: list[str]) -> list[str]:
    assert SETPRIV is not None
    return [SETPRIV, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--no-new-privs", *argv]


def under(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def unit_run(root: Path, account: pwd.struct_passwd) -> tuple[list[str], dict[str, str]]:
    """The ExecStart line and the environment of deploy/tui-analytics.service, paths under `root`."""
    unit = DEPLOY / "tui-analytics.service"
    env = {name: str(under(root, value)) for name, value in environment(unit).items()}
    for kind, base in (("StateDirectory", "/var/lib"), ("LogsDirectory", "/var/log")):
        made = under(root, f"{base}/{one(unit, kind)}")
        made.mkdir(parents=True, mode=0o700)
        os.chown(made, account.pw_uid, account.pw_gid)
    config = Path(env["TUI_ANALYTICS_CONFIG"])
    config.parent.mkdir(parents=True)
    config.write_text('timezone = "UTC"\n[jobs]\ntop-items = 600\n', encoding="utf-8")
    config.chmod(0o644)
    # What systemd gives a DynamicUser= service: a PATH, HOME=/, the user's names; nothing else of ours.
    env |= {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/", "USER": account.pw_name, "LOGNAME": account.pw_name}
    argv = exec_start(unit)
    assert argv[0] == INSTALLED_AT
    command = Path(sys.executable).parent / "tui-analytics"
    if not command.exists():
        pytest.skip(f"no tui-analytics command beside {sys.executable}")
    return [str(command), *argv[1:]], env


class UnitServe(Serve):
    """The unit's command as a Serve (its log read line by line), started with exactly `env`."""

    def __init__(self, argv: list[str], env: dict[str, str], data_dir: Path, umask: int) -> None:
        self.data_dir = data_dir
        self.proc = subprocess.Popen(argv, env=env, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, umask=umask)
        self.lines, self._partial, self._ended = [], b"", False


@pytest.mark.slow
def test_the_units_exec_start_schedules_as_the_service_user(root_dir: Path) -> None:
    account = service_account()
    argv, env = unit_run(root_dir, account)
    data_dir = Path(env["TUI_ANALYTICS_DATA_DIR"])
    umask = int(one(DEPLOY / "tui-analytics.service", "UMask"), 8)  # setpriv passes it on, as systemd sets it
    serve = UnitServe(as_user(account, argv), env, data_dir, umask)
    try:
        serve.wait_for_line("scheduling 6 jobs")
        serve.wait_until_warmed()
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
    assert code == 0, log
    said = subprocess.run(as_user(account, [argv[0], "config", "path"]), env=env, capture_output=True, text=True, timeout=120)
    assert said.stdout == f"{env['TUI_ANALYTICS_CONFIG']} (from TUI_ANALYTICS_CONFIG)\n", said.stderr
    made = sorted(p for p in data_dir.rglob("*"))
    assert made and all(p.stat().st_uid == account.pw_uid for p in made), [(p.name, p.stat().st_uid) for p in made]
    for path in made:  # nothing the service made is world-readable (UMask=0027 and the product's own modes)
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, (path.name, oct(path.stat().st_mode))
    assert stat.S_IMODE((data_dir / "state.sqlite3").stat().st_mode) == 0o600
    with contextlib.suppress(FileNotFoundError):
        assert not any(Path(env["TUI_ANALYTICS_LOG_DIR"]).iterdir())  # serve logs to the journal (stderr)


@pytest.mark.slow
def test_the_unit_exits_78_on_a_missing_config_file_and_the_unit_does_not_retry_it(root_dir: Path) -> None:
    account = service_account()
    argv, env = unit_run(root_dir, account)
    Path(env["TUI_ANALYTICS_CONFIG"]).unlink()
    done = subprocess.run(as_user(account, argv), env=env, capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 78, done.stderr
    assert done.stderr.count("\n") == 1 and "config file not found" in done.stderr
    assert one(DEPLOY / "tui-analytics.service", "RestartPreventExitStatus") == "78"
