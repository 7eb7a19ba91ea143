"""Run the performance suite and print medians, baselines and ratios.

Each case lives in its own module with `run(ctx) -> list[Row]`. A case that
raises is shown as an ERROR row and makes the exit status 1; the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from benchmarks import (
    cache_cases,
    channel_cases,
    cli_cases,
    demodata_cases,
    dialog_cases,
    export_cases,
    lag_cases,
    mapped_cases,
    output_cases,
    read_cases,
    refresh_cases,
    repository_cases,
    startup_cases,
)
from benchmarks.common import SIZES, Context, Row, database, label, print_table

CASES = {
    "demo-data": demodata_cases.run,
    "repository": None,  # run per database below (it also feeds the growth rows)
    "mapped": None,  # the same datasets on a mapped copy of each database
    "refresh": refresh_cases.run,
    "lag": lag_cases.run,
    "export": export_cases.run,
    "export-xlsx": export_cases.run_xlsx,
    "startup": startup_cases.run,
    "dialogs": dialog_cases.run,
    "cli": cli_cases.run,
    "read": read_cases.run,
    "cache": cache_cases.run,
    "output": output_cases.run,
    "channel": channel_cases.run,
}


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpu = cpu or platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def _repository(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    per_size: dict[int, dict[str, float]] = {}
    for activities, url in ctx.urls.items():
        if activities not in ctx.size.databases:
            continue
        found, medians = repository_cases.run(url, label(activities), ctx.repeat)
        rows.extend(found)
        per_size[activities] = medians
    sizes = sorted(per_size)
    if len(sizes) > 1:
        small, big = per_size[sizes[0]], per_size[sizes[-1]]
        for name in small:
            rows.append(Row(f"growth {name} {label(sizes[-1])}/{label(sizes[0])}", big[name] / small[name], "x"))
    return rows


def _mapped(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    for activities, url in ctx.urls.items():
        if activities in ctx.size.databases:
            rows.extend(mapped_cases.run(url, activities, ctx.repeat))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default="small",
        help="smoke: CI check that the suite works; small: 1M activities; large: 1M and 5M",
    )
    parser.add_argument("--repeat", type=int, help="timed runs per case after one warm-up (default: by size)")
    parser.add_argument("--only", action="append", choices=list(CASES), help="run only these cases (repeatable)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    repeat = args.repeat or size.repeat
    wanted = args.only or list(CASES)
    started = time.perf_counter()
    load_before = os.getloadavg()
    rows: list[Row] = []
    failed = False
    urls: dict[int, str] = {}
    for activities in sorted({*size.databases, size.export_db}):
        url, rate = database(activities)
        urls[activities] = url
        if rate is not None:
            rows.append(Row(f"demo-data build of the {label(activities)} database", rate, "rows/s"))
    with tempfile.TemporaryDirectory(prefix="tui-bench-") as tmp:
        ctx = Context(size, repeat, urls, Path(tmp))
        for name in wanted:
            run = CASES[name] or {"repository": _repository, "mapped": _mapped}[name]
            try:
                rows.extend(run(ctx))
            except Exception as exc:
                failed = True
                traceback.print_exc()
                rows.append(Row(f"{name}: ERROR {type(exc).__name__}: {exc}", float("nan"), "", ok=False))
    load_after = os.getloadavg()
    print(f"machine: {machine()}")
    print(
        f"size {size.name}, {repeat} timed runs per case (after a warm-up), {time.perf_counter() - started:.0f} s; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print_table(rows)
    if args.json:
        payload = {
            "machine": machine(),
            "size": size.name,
            "repeat": repeat,
            "load_average": {"before": load_before, "after": load_after},
            "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
