"""First opening of each dialog: the longest event-loop stall between its key and its first frame.

Each dialog is opened in a fresh dashboard process (benchmarks/dialog_child.py), so every figure is a
true first opening: the imports and first-time construction the dialog needs are paid then, unless
the dashboard warmed them in the background after its first frame (ui/warmup.py). The stall is the
stall monitor's figure (runtime/stall.py) at a 10 ms threshold; the target is 50 ms.
"""

from __future__ import annotations

from benchmarks.common import Context, Row, check, compiled_env, median, run_child
from benchmarks.dialog_child import DIALOGS

LIMIT_MS = 50.0


def _figures(out: str) -> dict[str, float]:
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("STALL", "OPENED"):
            found[parts[0]] = float(parts[1])
    if set(found) != {"STALL", "OPENED"}:
        raise RuntimeError(f"dialog child printed no figures: {out[-300:]!r}")
    return found


def run(ctx: Context) -> list[Row]:
    first_db = ctx.size.databases[0]
    env = compiled_env(
        ctx,
        TUI_ANALYTICS_DATABASE_URL=ctx.urls[first_db],
        TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "dialog-data"),
        TUI_ANALYTICS_LOG_DIR=str(ctx.workdir / "dialog-data"),
        TUI_ANALYTICS_TIMEZONE="UTC",
    )
    # One opening's stall depends on what else the loop had to do in that moment (the second's
    # clock tick, a repaint): over three openings the median still moved by 40 ms between runs.
    repeat = max(5, ctx.repeat) if ctx.size.name != "smoke" else 1
    rows = []
    # One uncounted opening writes the bytecode cache, so each counted one starts as installed.
    run_child(["-m", "benchmarks.dialog_child", next(iter(DIALOGS))], env, timeout=180.0)
    for name, (_before, key, _shows) in DIALOGS.items():
        stalls, opened = [], []
        for _ in range(repeat):
            found = _figures(run_child(["-m", "benchmarks.dialog_child", name], env, timeout=180.0).stdout)
            stalls.append(found["STALL"])
            opened.append(found["OPENED"])
        stall = median(stalls)
        rows.append(
            Row(
                f"first opening of {name} ({key}): longest loop stall",
                stall,
                "ms",
                None,
                f"<={LIMIT_MS:.0f} ms",
                check(stall, LIMIT_MS),
                extra={"opened_ms": median(opened)},
            )
        )
        rows.append(Row(f"  {name}: key to the dialog drawn", median(opened), "ms"))
    return rows
