"""`serve` under libfaketime, with its wall clock stepped while it runs (no tests here).

libfaketime (Debian's `faketime` package) is preloaded into the serve process and reads its
offset from a file (`FAKETIME_TIMESTAMP_FILE`), re-read at most once a second
(`FAKETIME_CACHE_DURATION=1`; `FAKETIME_NO_CACHE=1` would open the file at every clock read), so
rewriting the file steps the process's wall clock as `date -s` would.

`FAKETIME_DONT_FAKE_MONOTONIC=1`: without it libfaketime shifts CLOCK_MONOTONIC (Python's
`time.monotonic` and `time.perf_counter`, and so asyncio's timers) by the same offset, which no
real clock step does and which would leave the process no clock to notice the step by.
libfaketime 0.9.10 then gets absolute sleeps on the monotonic clock wrong (`time.sleep` fails
with EINVAL: it shifts the deadline by the fake offset); serve's loop waits through
epoll/select timeouts and thread waits, which it leaves alone.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from tests.support.serving import Serve

LIBRARY_DIRS = (Path("/usr/lib/x86_64-linux-gnu/faketime"), Path("/usr/lib/aarch64-linux-gnu/faketime"), Path("/usr/lib/faketime"))
JOBS = ("user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics", "cache-cleanup")


def faketime_library() -> Path | None:
    """The libfaketime preload library, or None when the package is not installed."""
    for directory in LIBRARY_DIRS:
        library = directory / "libfaketime.so.1"
        if library.is_file():
            return library
    return None


class SteppedClock:
    """The offset file libfaketime reads; `step("-2m")` moves the wall clock by that much more."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "faketime.rc"
        self.offset_s = 0
        self._write()

    def env(self) -> dict[str, str]:
        library = faketime_library()
        assert library is not None, "libfaketime is not installed"
        return {
            "LD_PRELOAD": str(library),
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def step(self, seconds: int) -> None:
        self.offset_s += seconds
        self._write()

    def _write(self) -> None:
        # Written aside and renamed: libfaketime must never read a half-written offset.
        temp = self.path.with_suffix(".tmp")
        temp.write_text(f"{self.offset_s:+d}\n")
        os.replace(temp, self.path)


def faketime_serve(data_dir: Path, clock: SteppedClock, config: Path, **env: str) -> Serve:
    """`serve --config CONFIG` with libfaketime preloaded."""
    return Serve(data_dir, env={**clock.env(), "TUI_ANALYTICS_CONFIG": str(config), **env})


def state_rows(data_dir: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of a query on serve's state database, read-only ([] while it does not exist yet or is busy)."""
    path = data_dir / "state.sqlite3"
    if not path.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []


def last_run_id(data_dir: Path) -> int:
    """The id of the newest job run (ids grow with real time, whatever the clock says)."""
    rows = state_rows(data_dir, "SELECT max(id) FROM job_runs")
    return int(rows[0][0] or 0) if rows else 0


def completed_since(data_dir: Path, run_id: int) -> dict[str, int]:
    """{job id: completed runs} among the runs after `run_id`."""
    rows = state_rows(
        data_dir, "SELECT job_id, count(*) FROM job_runs WHERE id > ? AND status = 'completed' GROUP BY job_id", run_id
    )
    return {str(job): int(count) for job, count in rows}


def late_alerts(data_dir: Path) -> int:
    """job-late alerts serve has sent (one target: one delivery per alert)."""
    rows = state_rows(data_dir, "SELECT count(*) FROM alert_deliveries WHERE kind = 'job-late'")
    return int(rows[0][0]) if rows else 0


def alerts_config(directory: Path, hook_url: str, grace: float) -> Path:
    """A TOML file: one webhook target for job-late (and recovered), the given grace."""
    path = directory / "alerts.toml"
    path.write_text(
        f'alert_grace = {grace:g}\n\n[[alerts]]\nname = "late-hook"\nurl = "{hook_url}"\non = ["job-late", "recovered"]\n'
    )
    return path


def fast_intervals(seconds: int) -> dict[str, str]:
    """The environment that gives every job the same short interval."""
    return {"TUI_ANALYTICS_INTERVAL_" + job.upper().replace("-", "_"): str(seconds) for job in JOBS}
