"""`serve --standby` takes over when the scheduler's holder goes, however it goes.

The hard case is a holder whose host vanished: nothing closes its lock session, and the server
keeps the advisory lock until it notices the session is dead. The holder here reaches PostgreSQL
through a proxy that then drops every connection without a word (TcpProxy.vanish); the lock
session's keepalives (data/state/lock_backends.py) bound the wait. Left to the kernel's defaults
the server would hold the lock about two hours.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.reliability import TcpProxy, needs_postgres, private_pg_database
from tests.support.serving import REPO, Serve, cli_env
from tui_analytics.data.engines import normalise_url

pytestmark = [pytest.mark.slow, needs_postgres]

TAKEOVER_BOUND_S = 60.0
TEMPLATE = "every-minute"


def _create_template(data_dir: Path, state_url: str) -> None:
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui_analytics",
            "report",
            "create",
            "--name",
            TEMPLATE,
            "--schedule",
            "custom",
            "--cron",
            "* * * * *",
            "--dataset",
            "summary",
            "--format",
            "json",
        ],
        cwd=str(REPO),
        env=cli_env(data_dir, TUI_ANALYTICS_STATE_URL=state_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr


def _runs(state_url: str) -> list[tuple[datetime, str, str]]:
    engine = create_engine(normalise_url(state_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT scheduled_for, status, trigger FROM report_runs WHERE template_name = :t ORDER BY id"),
                {"t": TEMPLATE},
            ).all()
    finally:
        engine.dispose()
    return [(row[0], row[1], row[2]) for row in rows]


def test_a_standby_takes_over_from_a_holder_whose_host_vanished(data_dir: Path) -> None:
    standby_dir = data_dir.parent / "standby"
    standby_dir.mkdir()
    shutil.copy(data_dir / "demo.sqlite3", standby_dir / "demo.sqlite3")
    with private_pg_database("tui_failover") as state_url:
        proxy = TcpProxy("127.0.0.1", int(state_url.rsplit(":", 1)[1].split("/")[0]))
        _create_template(data_dir, state_url)
        holder = Serve(data_dir, env={"TUI_ANALYTICS_STATE_URL": proxy.url_for(state_url)})
        standby: Serve | None = None
        try:
            holder.wait_for_line("scheduling 6 jobs")
            standby = Serve(standby_dir, "--standby", env={"TUI_ANALYTICS_STATE_URL": state_url})
            standby.wait_for_line("standby: serve (pid")
            proxy.vanish()
            vanished = time.monotonic()
            standby.wait_for_line("the scheduler lock is ours now", timeout=TAKEOVER_BOUND_S + 30)
            took = time.monotonic() - vanished
            # A slot made by the new holder (one minute at most).
            deadline = time.monotonic() + 200
            made = sum(1 for _, status, _ in _runs(state_url) if status == "completed")
            while sum(1 for _, status, _ in _runs(state_url) if status == "completed") <= made:
                assert time.monotonic() < deadline, f"no slot made: {_runs(state_url)}; log={standby.drain()[-40:]}"
                time.sleep(1.0)
            standby.stop()
            holder.stop()
        finally:
            if standby is not None:
                standby.close()
            holder.close()
        runs = _runs(state_url)
    print(f"takeover after {took:.1f} s")
    assert took < TAKEOVER_BOUND_S, f"the standby took over {took:.1f} s after the holder vanished"
    completed = [slot for slot, status, _ in runs if status == "completed"]
    assert len(completed) == len(set(completed)), f"a slot ran twice: {runs}"
