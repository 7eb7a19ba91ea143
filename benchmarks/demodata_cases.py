"""Demo-data generation rate: users, items and activities generated, loaded and indexed, per second."""

from __future__ import annotations

from benchmarks.common import Context, Row, build_database, label


def run(ctx: Context) -> list[Row]:
    rows = ctx.size.demo_rows
    path = ctx.workdir / "demo-rate.sqlite3"
    rate = build_database(path, rows)
    path.unlink()
    return [Row(f"demo-data generation ({label(rows)} activities)", rate, "rows/s")]
