"""Shared pieces of the benchmark runner: cached demo databases, timing, the result table."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from tui_analytics.db import new_engine
from tui_analytics.demo_data import DemoSpec, load_demo_data

CACHE_DIR = Path(__file__).parent / ".cache"
# Every benchmark database ends at the same instant, so cached files stay valid.
END = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)

SIZES = {
    # size name -> activity counts to build databases for
    "smoke": [20_000],
    "small": [1_000_000],
    "large": [1_000_000, 5_000_000],
}


def spec_for(activities: int) -> DemoSpec:
    users = max(300, activities // 50)
    return DemoSpec(users=users, items=max(40, activities // 500), activities=activities, seed=11, end=END)


def database(activities: int) -> tuple[str, float | None]:
    """The URL of a cached SQLite demo database with that many activities, and its build rate (rows/s) if built now."""
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"demo-{activities}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        return url, None
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    engine = new_engine(f"sqlite:///{tmp}")
    started = time.perf_counter()
    load_demo_data(engine, spec_for(activities))
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    tmp.replace(path)
    return url, activities / elapsed


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall seconds of `repeat` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


@dataclass
class Row:
    """One line of the result table."""

    case: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    ok: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def median(values: list[float]) -> float:
    return statistics.median(values)


def check(ratio_or_value: float | None, limit: float) -> bool | None:
    return None if ratio_or_value is None else ratio_or_value <= limit


def print_table(rows: list[Row]) -> None:
    width = max(len(r.case) for r in rows) + 2
    print(f"{'case':<{width}}{'median':>12} {'unit':<6}{'baseline':>12}{'ratio':>8}  {'target':<14}ok")
    for r in rows:
        base = f"{r.baseline:.4g}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        ok = {True: "yes", False: "NO", None: ""}[r.ok]
        print(f"{r.case:<{width}}{r.value:>12.4g} {r.unit:<6}{base:>12}{ratio:>8}  {r.target:<14}{ok}")
