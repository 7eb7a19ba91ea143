"""Wall-clock steps under `serve`: job runs in the window after a step, and false job-late alerts.

Run as `python -m benchmarks.clock_steps [--runs 5] [--window 60] [--interval 5]`. Each run starts
`serve` under libfaketime (tests/support/faketime.py) on a fresh copy of the demo database, with
every job on `--interval` seconds and a job-late webhook target, waits for the warm-up, steps the
wall clock, and counts the job runs completed in the `--window` seconds after the step (real
time) and the job-late alerts sent. Needs Debian's `faketime` package. Prints one row per step
size; it is a figure, not a check.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from tests.support.faketime import (
    SteppedClock,
    alerts_config,
    completed_since,
    faketime_library,
    faketime_serve,
    fast_intervals,
    last_run_id,
    late_alerts,
)
from tests.support.webhook import Hook

STEPS = {"-2 min": -120, "-3 h": -3 * 3600, "+3 h": 3 * 3600}


def demo_database(directory: Path) -> Path:
    from tests.support.constants import DEMO_SPEC
    from tui_analytics.data.engines import new_engine
    from tui_analytics.data.source.demo_data import load_demo_data

    path = directory / "demo.sqlite3"
    engine = new_engine(f"sqlite:///{path}")
    load_demo_data(engine, DEMO_SPEC)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def one_run(work: Path, demo: Path, step_s: int, window: float, interval: int, hook_url: str) -> tuple[int, int]:
    """(job runs completed in the window after the step, job-late alerts sent)."""
    data_dir = work / "data"
    data_dir.mkdir(parents=True)
    shutil.copy(demo, data_dir / "demo.sqlite3")
    clock = SteppedClock(work)
    serve = faketime_serve(data_dir, clock, alerts_config(work, hook_url, 3), **fast_intervals(interval))
    try:
        serve.wait_until_warmed()
        time.sleep(2 * interval)  # a steady pace before the step
        before = last_run_id(data_dir)
        clock.step(step_s)
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            serve.drain()
            time.sleep(0.5)
        runs = sum(completed_since(data_dir, before).values())
        return runs, late_alerts(data_dir)
    finally:
        serve.stop()
        serve.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--step", choices=sorted(STEPS), action="append", help="only these steps (default: all)")
    args = parser.parse_args()
    if faketime_library() is None:
        raise SystemExit("libfaketime is not installed (Debian: apt-get install faketime)")
    with tempfile.TemporaryDirectory(prefix="clock-steps-") as tmp, Hook() as hook:
        demo = demo_database(Path(tmp))
        print(f"every job every {args.interval} s, {args.window:g} s after the step, {args.runs} run(s) per step")
        print(f"{'step':>8}  {'runs after the step (each run)':<40}  false job-late alerts")
        for name in args.step or list(STEPS):
            counts, alerts = [], 0
            for index in range(args.runs):
                runs, late = one_run(
                    Path(tmp) / f"{name.replace(' ', '')}-{index}", demo, STEPS[name], args.window, args.interval, hook.url()
                )
                counts.append(runs)
                alerts += late
            print(f"{name:>8}  {' '.join(str(c) for c in counts):<40}  {alerts}", flush=True)


if __name__ == "__main__":
    main()
