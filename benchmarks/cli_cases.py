"""CLI start-up: `tui-analytics --help` and `--version` vs a bare argparse program, each in its own process.

Scripts and cron call the CLI many times; what it costs before doing anything is
its import list, which these cases keep honest (see "Start-up" in docs/cli.md).
"""

from __future__ import annotations

from benchmarks.common import Context, Row, check, compiled_env, median, run_child


def run(ctx: Context) -> list[Row]:
    env = compiled_env(ctx, TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "cli-data"))
    rows: list[Row] = []
    repeat = max(ctx.repeat, 5)
    for flag in ("--help", "--version"):
        found: dict[str, list[float]] = {"cli": [], "bare": []}
        for n in range(repeat + 1):  # the first round warms .pyc files
            for kind, args in (("bare", ["-m", "benchmarks.bare_help", flag]), ("cli", ["-m", "tui_analytics", flag])):
                result = run_child(args, env, timeout=60.0)
                if n:
                    found[kind].append(result.seconds)
        cli, bare = median(found["cli"]), median(found["bare"])
        rows.append(
            Row(
                f"tui-analytics {flag} (vs bare argparse)",
                cli * 1000,
                "ms",
                bare * 1000,
                "<=3x",
                check(cli / bare, 3.0),
                extra=found,
            )
        )
    return rows
