"""Start-up: process start to the dashboard's first full frame (headless) vs a bare Textual app."""

from __future__ import annotations

import time

from .common import Context, Row, check, child_env, median, run_child


def _frame_after_spawn(mode: str, env: dict[str, str]) -> float:
    spawned = time.monotonic()
    result = run_child(["-m", "benchmarks.startup_child", mode], env, timeout=180.0)
    stamp = next(float(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("FRAME "))
    return stamp - spawned


def run(ctx: Context) -> list[Row]:
    first_db = ctx.size.databases[0]
    env = child_env(
        TUI_ANALYTICS_DATABASE_URL=ctx.urls[first_db],
        TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "startup-data"),
        TUI_ANALYTICS_TIMEZONE="UTC",
    )
    times: dict[str, list[float]] = {"bare": [], "dashboard": []}
    repeat = max(3, ctx.child_repeat) if ctx.size.name != "smoke" else 1
    for n in range(repeat + 1):  # round 0 creates the state database and warms .pyc files
        for mode in ("bare", "dashboard"):
            seconds = _frame_after_spawn(mode, env)
            if n:
                times[mode].append(seconds)
    dash, bare = median(times["dashboard"]), median(times["bare"])
    return [Row("start-up to first full frame (dashboard vs bare Textual)", dash * 1000, "ms", bare * 1000,
                "<=1.5x", check(dash / bare, 1.5), extra=times)]
