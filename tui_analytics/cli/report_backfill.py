"""`tui-analytics report backfill ID --from DATE --to DATE [--force] [--no-email]`.

Makes the template's report for every period of its schedule that starts in the
range (reports/backfill.py), one after another in this process; one line of
progress per period on stderr, the files made on stdout, a summary at the end.
Exits 1 when a period failed (the others are still made).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from tui_analytics.cli.common import camel_keys, services
from tui_analytics.runtime.daterange import parse_day

if TYPE_CHECKING:
    from tui_analytics.reports.backfill import BackfillItem


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = actions.add_parser(
        "backfill",
        help="make the report for every period of a range (daily: each day, weekly: each week...)",
        description="Make the template's report for every period of its schedule that starts between --from and "
        "--to (both included): each day (daily), Monday-Sunday week (weekly), month, quarter, or the "
        "time between two fire times of a custom cron. A period a completed run already covers is "
        "left alone unless --force; one that has not ended yet is left out. Each run is recorded in "
        "the history with the trigger 'backfill'.",
    )
    p.add_argument("template_id", metavar="ID", help="the template's id or its name (report list shows them)")
    p.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        required=True,
        type=_day,
        help="the first day a period may start on (YYYY-MM-DD, in the template's zone)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        metavar="DATE",
        required=True,
        type=_day,
        help="the last day a period may start on (YYYY-MM-DD, included)",
    )
    p.add_argument("--force", action="store_true", help="make the periods that already have a completed run again")
    p.add_argument("--no-email", action="store_true", help="save the files without e-mailing the recipients")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--json", action="store_true", help="print the outcome of every period as JSON")
    p.set_defaults(handler=cmd_backfill)


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:  # argparse shows an ArgumentTypeError's own words
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_backfill(args: argparse.Namespace) -> int:
    import asyncio

    from tui_analytics.cli.report_cmd import template_id

    if args.date_from > args.date_to:
        raise ValueError(f"--from {args.date_from.isoformat()} is after --to {args.date_to.isoformat()}")
    service = services(args).reports.open()
    template = service.get_report_template(template_id(service, args.template_id))

    def progress(done: int, total: int, item: BackfillItem) -> None:
        if not args.quiet:
            shown = item.outcome + (f": {item.error}" if item.error else "")
            print(f"backfill {template.id}: {done}/{total} {item.period} {shown}", file=sys.stderr, flush=True)
        if item.path and not args.json:
            print(item.path, flush=True)

    result = asyncio.run(
        service.backfill(template, args.date_from, args.date_to, force=args.force, deliver=not args.no_email, on_progress=progress)
    )
    if args.json:
        json.dump(camel_keys(result.to_dict()), sys.stdout, indent=2)
        sys.stdout.write("\n")
    if not args.quiet:
        print(f"backfill {template.id}: {result.summary()}", file=sys.stderr)
    return 1 if result.failed else 0
