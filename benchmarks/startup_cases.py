"""Start-up: process start to the dashboard's first full frame (headless) vs a bare Textual app."""

from __future__ import annotations

import time

from benchmarks.common import Context, Row, check, compiled_env, median, run_child


def _frame_after_spawn(mode: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Seconds from spawn to the first full frame, and to each phase the child reports."""
    spawned = time.monotonic()
    result = run_child(["-m", "benchmarks.startup_child", mode], env, timeout=180.0)
    phases = {}
    frame = None
    for line in result.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["PHASE"]:
            phases[parts[1]] = float(parts[2]) - spawned
        elif parts[:1] == ["GC"]:
            phases["gc"] = float(parts[1]) / 1000.0
        elif parts[:1] == ["FRAME"]:
            frame = float(parts[1]) - spawned
    if frame is None:
        raise RuntimeError(f"{mode} start-up printed no FRAME line")
    return frame, phases


def run(ctx: Context) -> list[Row]:
    first_db = ctx.size.databases[0]
    env = compiled_env(  # round 0 below writes the bytecode
        ctx,
        TUI_ANALYTICS_DATABASE_URL=ctx.urls[first_db],
        TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "startup-data"),
        TUI_ANALYTICS_TIMEZONE="UTC",
    )
    times: dict[str, list[float]] = {"bare": [], "dashboard": []}
    phases: dict[str, dict[str, list[float]]] = {"bare": {}, "dashboard": {}}
    repeat = max(5, ctx.repeat) if ctx.size.name != "smoke" else 1
    # A data directory that has run before: every job ran once and the view was stored.
    run_child(["-m", "benchmarks.startup_child", "prepare"], env, timeout=180.0)  # raises when it fails
    for n in range(repeat + 1):  # round 0 warms .pyc files
        for mode in ("bare", "dashboard"):
            seconds, found = _frame_after_spawn(mode, env)
            if n:
                times[mode].append(seconds)
                for name, at in found.items():
                    phases[mode].setdefault(name, []).append(at)
    dash, bare = median(times["dashboard"]), median(times["bare"])
    # Where the time goes (median ms from spawn): interpreter up, imports done, first frame, services, full.
    extra = {mode: {name: round(median(v) * 1000, 1) for name, v in found.items()} for mode, found in phases.items()}
    for mode in extra:
        extra[mode]["full"] = round(median(times[mode]) * 1000, 1)
    gc_ms = {mode: extra[mode].pop("gc") for mode in extra}
    live = extra["dashboard"].get("live")
    return [
        Row(
            "start-up to first full frame (dashboard vs bare Textual)",
            dash * 1000,
            "ms",
            bare * 1000,
            "<=1.5x",
            check(dash / bare, 1.5),
            extra=extra,
        ),
        # Not the target: when the open services' own data has replaced the last known view.
        Row("  start-up to live panes (services open)", live or 0.0, "ms", bare * 1000),
        # Not a start-up figure: what one full GC costs the dashboard's loop once it runs (see lag).
        Row("  full GC pause in the running dashboard (vs bare app)", gc_ms["dashboard"], "ms", gc_ms["bare"]),
    ]
