"""Run the performance suite and print medians, baselines and ratios."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import asdict

from . import repository_cases
from .common import SIZES, Row, database, print_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="small",
                        help="smoke: CI check that the suite works; small: 1M activities; large: 1M and 5M")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (after one warm-up)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    per_size: dict[int, dict[str, float]] = {}
    for activities in SIZES[args.size]:
        url, rate = database(activities)
        label = f"{activities // 1000}k" if activities < 1_000_000 else f"{activities // 1_000_000}M"
        if rate is not None:
            rows.append(Row(f"demo-data generation @{label}", rate, "rows/s"))
        found, medians = repository_cases.run(url, label, args.repeat)
        rows.extend(found)
        per_size[activities] = medians
    sizes = sorted(per_size)
    if len(sizes) > 1:
        small, big = per_size[sizes[0]], per_size[sizes[-1]]
        for name in small:
            rows.append(Row(f"growth {name} {sizes[-1] // 1_000_000}M/{sizes[0] // 1_000_000}M", big[name] / small[name], "x"))
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print_table(rows)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([asdict(r) | {"ratio": r.ratio} for r in rows], fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
