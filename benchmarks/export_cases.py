"""CSV export through the CLI path vs a bare csv.writer loop over the same query, each in its own process.

Both run as child processes, so each has its own peak RSS (measured by the
parent with wait4) and pays its own interpreter start. The big export must not
need more memory than the small one: that is what "streams in constant memory" means.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import Context, Row, check, compiled_env, db_path, label, median, run_child

# The repository's recent-activity query, written by hand (same joins, order and bound LIMIT).
BARE_SQL = (
    "SELECT a.created_at, a.user_id, u.name, a.action, a.item_id, i.name FROM activities a "
    "JOIN users u ON u.id = a.user_id JOIN items i ON i.id = a.item_id "
    "ORDER BY a.created_at DESC, a.id DESC LIMIT ?"
)


def _lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _one(ctx: Context, rows: int) -> dict[str, list[float]]:
    db = ctx.size.export_db
    out = ctx.workdir / "export.csv"
    env = compiled_env(ctx, TUI_ANALYTICS_DATABASE_URL=ctx.urls[db], TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "export-data"))
    cli_args = ["-m", "tui_analytics", "export", "recent-activity", "--limit", str(rows), "-q", "-o", str(out)]
    bare_args = ["-m", "benchmarks.bare_export", str(db_path(db)), BARE_SQL, str(rows), str(out)]
    found: dict[str, list[float]] = {"cli_s": [], "cli_mb": [], "bare_s": [], "bare_mb": []}
    for n in range(ctx.child_repeat + 1):  # the first round warms the page cache and .pyc files
        for kind, args in (("bare", bare_args), ("cli", cli_args)):
            result = run_child(args, env)
            written = _lines(out) - 1
            out.unlink()
            if written != rows:
                raise RuntimeError(f"{kind} export wrote {written} rows, expected {rows}")
            if n:
                found[f"{kind}_s"].append(result.seconds)
                found[f"{kind}_mb"].append(result.peak_rss_mb)
    return found


def run(ctx: Context) -> list[Row]:
    out: list[Row] = []
    peaks = {}
    # The fixed start-up weighs most on the small export; the big one is the streaming loop itself.
    for rows, limit in zip(ctx.size.export_rows, (1.25, 1.1)):
        found = _one(ctx, rows)
        cli, bare = median(found["cli_s"]), median(found["bare_s"])
        peaks[rows] = median(found["cli_mb"])
        tag = label(rows)
        out.append(
            Row(f"export csv {tag} rows (CLI vs bare loop)", cli, "s", bare, f"<={limit}x", check(cli / bare, limit), extra=found)
        )
        out.append(Row(f"export csv {tag} rows peak RSS", peaks[rows], "MB", median(found["bare_mb"])))
    small, big = ctx.size.export_rows
    growth = peaks[big] / peaks[small]
    out.append(Row(f"export peak RSS {label(big)}/{label(small)} rows", growth, "x", target="<=1.1x", ok=check(growth, 1.1)))
    return out


def run_xlsx(ctx: Context) -> list[Row]:
    """The big export as XLSX beside CSV through the CLI: time, peak RSS (XLSX within 1.5x of
    CSV's), and the XLSX read back by openpyxl equal to the CSV, cell by cell."""
    from zoneinfo import ZoneInfo

    from benchmarks.xlsx_check import compare

    rows = ctx.size.export_rows[1]
    db = ctx.size.export_db
    env = compiled_env(
        ctx,
        TUI_ANALYTICS_DATABASE_URL=ctx.urls[db],
        TUI_ANALYTICS_DATA_DIR=str(ctx.workdir / "export-data"),
        TUI_ANALYTICS_TIMEZONE="Europe/Berlin",
    )
    found: dict[str, list[float]] = {"csv_s": [], "csv_mb": [], "xlsx_s": [], "xlsx_mb": []}
    paths = {kind: ctx.workdir / f"export.{kind}" for kind in ("csv", "xlsx")}
    for n in range(min(ctx.child_repeat, 2) + 1):  # the first round warms the page cache and .pyc files
        for kind, path in paths.items():
            args = [
                "-m",
                "tui_analytics",
                "export",
                "recent-activity",
                "--limit",
                str(rows),
                "--format",
                kind,
                "-q",
                "-o",
                str(path),
            ]
            result = run_child(args, env)
            if n:
                found[f"{kind}_s"].append(result.seconds)
                found[f"{kind}_mb"].append(result.peak_rss_mb)
    compared, problems = compare(paths["csv"], paths["xlsx"], ZoneInfo("Europe/Berlin"))
    for path in paths.values():
        path.unlink()
    if compared != rows or problems:
        raise RuntimeError(f"xlsx read back: {compared} rows compared, differences: {problems[:3]}")
    tag = label(rows)
    xlsx_mb, csv_mb = median(found["xlsx_mb"]), median(found["csv_mb"])
    return [
        Row(f"export xlsx {tag} rows (vs csv)", median(found["xlsx_s"]), "s", median(found["csv_s"]), extra=found),
        Row(f"export xlsx {tag} rows peak RSS (vs csv)", xlsx_mb, "MB", csv_mb, "<=1.5x", check(xlsx_mb / csv_mb, 1.5)),
        Row(f"export xlsx {tag} rows read back by openpyxl = csv", float(compared), "rows", target="all equal", ok=True),
    ]
