"""A report slot whose generation was cut short is made exactly once in the end, by the real `serve`:
killed (-9) or stopped (SIGTERM) mid-generation and started again, or failed during a short source
outage (a proxy in front of PostgreSQL cut, then restored) while serve keeps running.

The source is a private PostgreSQL database with the demo data. A template fires every minute; the
test holds the generation where it wants it: an ACCESS EXCLUSIVE lock on the source tables keeps the
report's query waiting, or the proxy refuses connections. Retries are set to 2 s, so the test sees
the retry passes without waiting minutes.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from tests.support.constants import DEMO_SPEC, POSTGRES_URL
from tests.support.reliability import TcpProxy, admin_engine, needs_postgres, private_pg_database
from tests.support.serving import REPO, WAIT, Serve, cli_env
from tests.support.waiting import poll_until
from tui_analytics.data.engines import dispose_all, new_engine, normalise_url
from tui_analytics.data.source.demo_data import load_demo_data

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("database-servers"), needs_postgres]

RETRY_DELAY = "2"  # seconds: TUI_ANALYTICS_REPORT_RETRY_DELAY
SLOT_WAIT = 150.0  # the next minute's fire, on a loaded machine
QUIET = 8.0  # after the slot is made: several retry passes (every 2 s) that must leave it alone
Run = tuple[str, str]  # (trigger, status)


@pytest.fixture(scope="module")
def source_url() -> Iterator[str]:
    with private_pg_database("tui_slots") as url:
        engine = new_engine(url)
        load_demo_data(engine, DEMO_SPEC)
        engine.dispose()
        yield url
    dispose_all()


def env_for(url: str) -> dict[str, str]:
    return {"TUI_ANALYTICS_DATABASE_URL": url, "TUI_ANALYTICS_REPORT_RETRY_DELAY": RETRY_DELAY}


def create_template(data_dir: Path, url: str) -> str:
    """A template that fires every minute, made the way an operator makes it; returns its id."""
    done = subprocess.run(
        [sys.executable, "-m", "tui_analytics", "report", "create", "--name", "Every minute"]
        + ["--cron", "* * * * *", "--dataset", "summary", "--json"],
        cwd=str(REPO),
        env=cli_env(data_dir, **env_for(url)),
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["id"])


def runs_of(data_dir: Path, template_id: str) -> dict[str, list[Run]]:
    """{slot: [(trigger, status), ...] in the order started}, read from the state database."""
    path = data_dir / "state.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            rows = db.execute(
                "SELECT scheduled_for, trigger, status FROM report_runs WHERE template_id = ? ORDER BY id", (template_id,)
            ).fetchall()
    except sqlite3.OperationalError:  # busy: ask again
        return {}
    slots: dict[str, list[Run]] = {}
    for slot, trigger, status in rows:
        slots.setdefault(str(slot)[:16], []).append((trigger, status))
    return slots


def next_minute() -> str:
    """The next whole minute (UTC), as the state database's slot key ('YYYY-MM-DD HH:MM')."""
    now = datetime.now(timezone.utc)
    return (now.replace(second=0, microsecond=0) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")


def wait_for_runs(data_dir: Path, template_id: str, slot: str, want: list[Run], serve: Serve, timeout: float = SLOT_WAIT) -> None:
    def reached() -> bool:
        return runs_of(data_dir, template_id).get(slot) == want

    try:
        poll_until(reached, timeout=timeout, interval=0.2)
    except AssertionError:
        raise AssertionError(
            f"slot {slot}: {runs_of(data_dir, template_id).get(slot)} != {want}; log={serve.drain()[-20:]}"
        ) from None


def assert_made_once(data_dir: Path, template_id: str, slot: str, first: Run, serve: Serve) -> None:
    """The slot's runs: the cut-short one, then one retry that completed; no more through a few retry passes."""
    want = [first, ("retry", "completed")]
    wait_for_runs(data_dir, template_id, slot, want, serve)
    deadline = time.monotonic() + QUIET
    while time.monotonic() < deadline:
        assert runs_of(data_dir, template_id).get(slot) in (want, None), runs_of(data_dir, template_id).get(slot)
        time.sleep(0.5)
    assert runs_of(data_dir, template_id)[slot] == want
    for other, runs in runs_of(data_dir, template_id).items():  # every other minute served once too
        assert [status for _trigger, status in runs].count("completed") <= 1, (other, runs)


@contextlib.contextmanager
def source_locked(url: str) -> Iterator[Connection]:
    """The source tables locked ACCESS EXCLUSIVE: every query on them waits until the block ends."""
    engine = create_engine(normalise_url(url))
    conn = engine.connect()
    try:
        conn.execute(text("LOCK TABLE users, items, activities IN ACCESS EXCLUSIVE MODE"))
        yield conn
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


def wait_for_lock_waiter(url: str) -> None:
    """Until a query of serve waits on the lock (the report generation is inside its query)."""
    database = make_url(normalise_url(url)).database
    admin = admin_engine()
    try:

        def waiting() -> bool:
            with admin.connect() as conn:
                found = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"),
                    {"db": database},
                ).scalar()
            return bool(found)

        poll_until(waiting, timeout=60, interval=0.1)
    finally:
        admin.dispose()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_slot_cut_short_by_a_stop_is_made_once_after_the_restart(tmp_path: Path, source_url: str, signum: int) -> None:
    data_dir = tmp_path / "data"
    template_id = create_template(data_dir, source_url)
    serve = Serve(data_dir, env=env_for(source_url))
    try:
        serve.wait_until_warmed()
        with source_locked(source_url):
            slot = next_minute()
            wait_for_runs(data_dir, template_id, slot, [("scheduled", "running")], serve)
            wait_for_lock_waiter(source_url)
            if signum == signal.SIGKILL:
                serve.proc.kill()
                serve.proc.communicate(timeout=WAIT)
            else:
                code, log = serve.stop(signal.SIGTERM)
                assert code == 0, log  # (APScheduler's CancelledError traceback here is the scheduler's own issue)
        first = runs_of(data_dir, template_id)[slot]
        # SIGTERM records it interrupted; kill -9 leaves it 'running' until the next start says so.
        assert first == [("scheduled", "interrupted" if signum == signal.SIGTERM else "running")]
    finally:
        serve.close()

    again = Serve(data_dir, env=env_for(source_url))
    try:
        assert_made_once(data_dir, template_id, slot, ("scheduled", "interrupted"), again)
        code, log = again.stop(signal.SIGTERM)
    finally:
        again.close()
    assert code == 0 and "Traceback" not in log, log
    assert "retrying the slot of" in log


def test_a_slot_failed_in_a_source_outage_is_made_once_when_the_source_is_back(tmp_path: Path, source_url: str) -> None:
    target = make_url(normalise_url(POSTGRES_URL or ""))
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    data_dir = tmp_path / "data"
    url = proxy.url_for(source_url)
    template_id = create_template(data_dir, url)
    serve = Serve(data_dir, env=env_for(url))
    try:
        serve.wait_until_warmed()
        while not 50 <= datetime.now(timezone.utc).second < 57:
            time.sleep(0.2)  # the outage starts a few seconds before the fire time
        proxy.down()
        slot = next_minute()
        cut = time.monotonic()
        wait_for_runs(data_dir, template_id, slot, [("scheduled", "failed")], serve)
        time.sleep(max(0.0, 5 - (time.monotonic() - cut)))  # a few seconds down: the retry passes meanwhile fail
        proxy.up()

        def made() -> bool:
            return ("retry", "completed") in runs_of(data_dir, template_id).get(slot, [])

        poll_until(made, timeout=SLOT_WAIT, interval=0.2)
        deadline = time.monotonic() + QUIET
        while time.monotonic() < deadline:
            time.sleep(0.5)
            runs = runs_of(data_dir, template_id)[slot]
            assert runs[0] == ("scheduled", "failed") and runs[-1] == ("retry", "completed"), runs
            assert set(runs[1:-1]) <= {("retry", "failed")}, runs  # attempts during the outage, then one that made it
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
        proxy.down()
    assert code == 0 and "Traceback" not in log, log
    assert f"report.failed {template_id}" in log
