"""`tui-analytics audit`: the audit log, newest first: who changed what, from where, how it ended."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timedelta, timezone

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import since_moment, whole_number
from tui_analytics.cli.text_table import Column, print_table
from tui_analytics.config.values import shorten

_AGO = re.compile(r"([0-9]{1,6})([mhd])")
_UNITS = {"m": 60, "h": 3600, "d": 86400}

COLUMNS = (
    Column("AT"),
    Column("USER"),
    Column("HOST"),
    Column("PID", right=True),
    Column("FACE"),
    Column("ACTION"),
    Column("TARGET", width=40, cut=True),
    Column("OUTCOME"),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help=summary("audit"),
        description="Every change made from a dashboard, a browser, the CLI or the API (runs, pauses, intervals, "
        "cache clears, template edits, backfills, exports, alert tests), newest first; kept [access] audit_days "
        "(default 90).",
    )
    audit.add_argument(
        "--since",
        metavar="WHEN",
        help="only changes at or after WHEN: an ISO date or date-time (in the configured zone without an offset), "
        "or an age such as 30m, 12h, 7d",
    )
    audit.add_argument("--limit", type=whole_number, metavar="N", help="at most N rows (default: all)")
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.set_defaults(handler=run_audit)


def since_of(text: str, now: datetime, tz: object) -> datetime:
    """`--since`: an age (30m, 12h, 7d) before `now`, or an ISO date or date-time."""
    age = _AGO.fullmatch(text.strip())
    if age is not None:
        return now - timedelta(seconds=int(age[1]) * _UNITS[age[2]])
    try:
        return since_moment(text, tz)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"--since {shorten(text)} is not an age (30m, 12h, 7d) or an ISO date (YYYY-MM-DD) or date-time") from None


def run_audit(args: argparse.Namespace) -> int:
    from tui_analytics.config.settings import load_settings
    from tui_analytics.data.timestamps import iso
    from tui_analytics.wiring.services import Services

    settings = load_settings(args.config)
    since = since_of(args.since, datetime.now(timezone.utc), settings.tz) if args.since else None
    rows = Services(settings).audit.read(since=since, limit=args.limit)
    if args.json:
        fields = ("user", "host", "pid", "face", "action", "target", "outcome")
        print(json.dumps([{"id": r.id, "at": iso(r.at), **{f: getattr(r, f) for f in fields}} for r in rows], indent=2))
        return 0
    if not rows:
        print("no changes recorded" + (" since then" if since else " yet"))
        return 0
    tz = settings.tz
    print_table(
        COLUMNS,
        [
            [r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), r.user, r.host, r.pid, r.face, r.action, r.target, r.outcome]
            for r in rows
        ],
    )
    return 0
