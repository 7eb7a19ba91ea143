"""Read commands on an SQLite state database vs a bare `python -c "import sqlite3"`, each in its own process.

`jobs status` is what monitoring scripts call every minute; with `jobs history`, `report list`,
`report history` and `alerts status` they only read the state database. The target is 3x the
bare interpreter with sqlite3, as the dashboard's first frame reads it (docs/performance.md).
"""

from __future__ import annotations

from benchmarks.common import Context, Row, check, compiled_env, median, run_child

COMMANDS = (
    ("jobs", "status"),
    ("jobs", "status", "--json"),
    ("jobs", "history"),
    ("report", "list"),
    ("report", "history"),
    ("alerts", "status"),
)
TARGET = 3.0


def run(ctx: Context) -> list[Row]:
    env = compiled_env(ctx, TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "read-data"))
    # A state database with history: every job run once, one report made (the demo source is built on the way).
    for setup in (("jobs", "run", "all"), ("report", "run", "daily-activity-summary")):
        run_child(["-m", "tui_analytics", *setup], env, timeout=600.0)
    repeat = max(ctx.repeat, 5)
    bare: list[float] = []
    found: dict[tuple[str, ...], list[float]] = {command: [] for command in COMMANDS}
    for n in range(repeat + 1):  # the first round warms .pyc files
        result = run_child(["-m", "benchmarks.bare_sqlite"], env, timeout=60.0)
        if n:
            bare.append(result.seconds)
        for command in COMMANDS:
            result = run_child(["-m", "tui_analytics", *command], env, timeout=120.0)
            if n:
                found[command].append(result.seconds)
    baseline = median(bare)
    rows = []
    for command, seconds in found.items():
        value = median(seconds)
        rows.append(
            Row(
                f"tui-analytics {' '.join(command)} (vs import sqlite3)",
                value * 1000,
                "ms",
                baseline * 1000,
                f"<={TARGET:g}x",
                check(value / baseline, TARGET),
                extra={"runs": seconds, "bare": bare},
            )
        )
    return rows
