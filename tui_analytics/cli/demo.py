"""`tui-analytics demo-data`: fill a source database with synthetic analytics data."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import whole_number
from tui_analytics.config.settings import Settings, load_settings, mask_url
from tui_analytics.config.values import shorten

STATE_TABLES = frozenset({"report_templates", "report_runs", "job_runs"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo-data",
        help=summary("demo-data"),
        description="Create users, items and activities tables and fill them with realistic synthetic data. "
        "Without --url, writes the configured source database (TUI_ANALYTICS_DATABASE_URL) or the embedded demo file.",
    )
    p.add_argument("--url", help="target SQLAlchemy URL (default: the configured source database)")
    p.add_argument("--users", type=whole_number, default=2000, help="number of users (default 2000)")
    p.add_argument("--items", type=whole_number, default=200, help="number of items (default 200)")
    p.add_argument("--activities", type=whole_number, default=100_000, help="number of activities (default 100000)")
    p.add_argument("--months", type=whole_number, default=18, help="months of history (default 18)")
    p.add_argument("--seed", type=whole_number, default=42, help="random seed: the same seed and --end give the same data")
    p.add_argument("--end", help="newest activity time, ISO 8601 (default: now)")
    p.add_argument("--replace", action="store_true", help="drop and regenerate existing tables")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(handler=run)


def _refuse_state_database(settings: Settings, url: str) -> None:
    from tui_analytics.data.dbfiles import own_database, sqlite_path

    path = sqlite_path(url)
    if path is not None and own_database(settings, path) == "the state database":
        raise ValueError(f"refusing to write demo data into the state database ({path})")


def _refuse_state_tables(url: str) -> None:
    # Another data directory's state database (or a server one) is recognised by its tables.
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from tui_analytics.data.engines import get_engine

    try:
        present = set(inspect(get_engine(url)).get_table_names())
    except SQLAlchemyError:
        return  # load_demo_data reports the database's own error
    if present & STATE_TABLES:
        raise ValueError(f"refusing to write demo data into {mask_url(url)}: it is a tui-analytics state database")


def run(args: argparse.Namespace) -> int:
    from tui_analytics.data.engines import check_connection, get_engine
    from tui_analytics.data.source.demo_data import DemoSpec, load_demo_data

    settings = load_settings(args.config)
    if args.url is not None and not args.url.strip():
        raise ValueError("--url must not be empty (leave it out for the configured source database)")
    url = args.url or settings.source_url
    if settings.uses_demo_data and not args.url:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    end = None
    if args.end is not None:
        try:
            # fromisoformat also reads non-ASCII digits and endless fractions of a second
            if not args.end.isascii() or len(args.end) > 40:
                raise ValueError(args.end)
            end = datetime.fromisoformat(args.end)
        except ValueError:
            raise ValueError(f"--end {shorten(args.end)} is not an ISO 8601 date-time") from None
    spec = DemoSpec(users=args.users, items=args.items, activities=args.activities, months=args.months, seed=args.seed, end=end)
    spec.validate()
    _refuse_state_database(settings, url)
    check_connection(url)
    _refuse_state_tables(url)
    started = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if args.quiet or (now - last[0] < 0.5 and done < total):
            return
        last[0] = now
        print(f"\r{stage}: {done:,}/{total:,}   ", end="", file=sys.stderr, flush=True)

    counts = load_demo_data(get_engine(url), spec, replace=args.replace, progress=progress)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print("\r", end="", file=sys.stderr)
    print(
        f"wrote {counts['users']:,} users, {counts['items']:,} items, {counts['activities']:,} activities "
        f"to {mask_url(url)} in {elapsed:.1f} s ({counts['activities'] / elapsed:,.0f} activities/s)"
    )
    return 0
