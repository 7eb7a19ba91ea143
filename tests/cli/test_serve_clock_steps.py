"""`serve` while its wall clock is stepped (libfaketime): the jobs go on and no job is called late.

Each case starts the real `serve` under libfaketime (tests/support/faketime.py: the offset is read
from a file the test rewrites; CLOCK_MONOTONIC is left real with FAKETIME_DONT_FAKE_MONOTONIC=1,
as a real clock step leaves it), every job every second and a job-late webhook target, then steps
the wall clock five times by the same amount, one step after another, and after each step waits
for every job to complete twice more. One serve per step size takes five steps in turn (rather
than five serves) to keep the three cases near a minute in all.

- a step back: the runs after it are dated in the repeated time, before the time the clock showed
  when it was stepped (before the fix the scheduler waited, by the wall clock, for the next run
  time it had: two minutes, or three hours, without a run);
- a step forward: no job-late alert (before the fix the late check measured the three hours the
  wall clock jumped as time without a success).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.faketime import (
    JOBS,
    SteppedClock,
    alerts_config,
    faketime_library,
    faketime_serve,
    fast_intervals,
    last_run_id,
    late_alerts,
    state_rows,
)
from tests.support.serving import Serve
from tests.support.waiting import poll_until
from tests.support.webhook import Hook

pytestmark = [
    pytest.mark.slow,  # the real serve in a subprocess
    pytest.mark.skipif(
        faketime_library() is None, reason="libfaketime is not installed (Debian package faketime; .ci/run installs it)"
    ),
]

STEPS = 5
GRACE = 30  # intervals of 1 s: late after 30 s without a success, far beyond a loaded machine's hiccups
HANG_GUARD = 150.0  # longer than the two-minute stall of a step back before the fix


def _runs_after(data_dir: Path, run_id: int) -> list[tuple[str, datetime]]:
    """(job id, started at, as the stepped clock said) of the completed runs after `run_id`."""
    rows = state_rows(data_dir, "SELECT job_id, started_at FROM job_runs WHERE id > ? AND status = 'completed'", run_id)
    return [(str(job), datetime.fromisoformat(str(started)).replace(tzinfo=timezone.utc)) for job, started in rows]


def _each_job_twice(runs: list[tuple[str, datetime]]) -> bool:
    return all(sum(1 for job, _ in runs if job == wanted) >= 2 for wanted in JOBS)


def _step_and_watch(serve: Serve, clock: SteppedClock, seconds: int) -> list[tuple[str, datetime]]:
    """Step the clock; the runs after it, once every job completed twice in the stepped time."""
    data_dir = serve.data_dir
    before = last_run_id(data_dir)
    shown = datetime.now(timezone.utc) + timedelta(seconds=clock.offset_s)  # what serve's clock says now
    clock.step(seconds)
    if seconds < 0:
        # Runs dated before `shown`: made in the repeated time, after libfaketime took the step.
        def repeated() -> list[tuple[str, datetime]] | None:
            runs = [(job, at) for job, at in _runs_after(data_dir, before) if at < shown]
            serve.drain()
            return runs if _each_job_twice(runs) else None

        return poll_until(repeated, timeout=HANG_GUARD, interval=0.25)
    landed = shown + timedelta(seconds=seconds)

    def onward() -> list[tuple[str, datetime]] | None:
        runs = [(job, at) for job, at in _runs_after(data_dir, before) if at >= landed]
        serve.drain()
        return runs if _each_job_twice(runs) else None

    return poll_until(onward, timeout=HANG_GUARD, interval=0.25)


@pytest.mark.parametrize("seconds", [-120, -3 * 3600, 3 * 3600], ids=["back-2min", "back-3h", "forward-3h"])
def test_jobs_go_on_across_wall_clock_steps_with_no_false_late_alert(seconds, data_dir, tmp_path) -> None:
    clock = SteppedClock(tmp_path)
    with Hook() as hook:
        serve = faketime_serve(data_dir, clock, alerts_config(tmp_path, hook.url(), GRACE), **fast_intervals(1))
        try:
            serve.wait_until_warmed()
            for _ in range(STEPS):
                runs = _step_and_watch(serve, clock, seconds)
                assert {job for job, _ in runs} == set(JOBS)
            code, log = serve.stop()
        finally:
            serve.close()
        assert code == 0, log
        assert "Traceback" not in log, log
        assert log.count("the wall clock was stepped") == STEPS, log
        assert late_alerts(data_dir) == 0, log
        assert [b for b in hook.bodies() if b.get("event") == "job-late"] == []
