"""`tui-analytics source check`: the source as the product sees it, and what it needs.

For users, items and activities: the mapping in use, row count, time span, how
the times are stored (and what timestamps = "auto" decided), a sample row. Then
the plan of each dataset's queries, with a warning and the CREATE INDEX
statement to run where a dataset reads a whole table. Exit 0 when the mapping
works, 1 when it does not. Only reads: no table or index is ever created.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.config.settings import load_settings, mask_url

if TYPE_CHECKING:
    from tui_analytics.data.source.check import CheckReport, EntityReport, PlanReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    source = sub.add_parser(
        "source",
        help=summary("source"),
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmds = source.add_subparsers(dest="source_command", metavar="COMMAND", required=True)
    check = cmds.add_parser("check", help="mapping, row counts, time span, timestamp storage, query plans and index advice")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=run_check)


def _text(report: CheckReport) -> str:
    lines = [f"source {report.source} ({'mapped by [source]' if report.mapped else 'built-in tables'})"]
    for e in report.entities:
        lines.extend(_entity_lines(e))
    if report.plans:
        lines.append("plans")
    for p in report.plans:
        lines.extend(_plan_lines(p))
    if report.error:
        lines.append(f"the mapping does not work: {report.error}")
    else:
        warned = report.warnings
        lines.append(
            "the mapping works"
            + (f"; {warned} dataset{'s' if warned != 1 else ''} read a whole table (run the CREATE INDEX above)" if warned else "")
        )
    return "\n".join(lines)


def _entity_lines(e: EntityReport) -> list[str]:
    counted = f"{e.rows:,} row{'' if e.rows == 1 else 's'}"
    if e.oldest or e.newest:
        counted += f", {e.oldest or '-'} .. {e.newest or '-'}"
    lines = [f"{e.entity:<11} {e.mapping}", f"{'':<11} {counted}"]
    if e.timestamps:
        lines.append(f"{'':<11} timestamps: {e.timestamps} ({e.decided})")
    if e.unreadable:
        lines.append(
            f"{'':<11} WARNING: {e.unreadable:,} row{'' if e.unreadable == 1 else 's'} with a time that is no real date "
            "(such as 2026-02-30): left out of the datasets"
        )
    if e.sample:
        lines.append(f"{'':<11} sample: " + " ".join(f"{k}={v}" for k, v in e.sample.items()))
    return lines


def _plan_lines(p: PlanReport) -> list[str]:
    if p.ok:
        lines = [f"  {p.dataset:<16} ok"]
    else:
        lines = [f"  {p.dataset:<16} WARNING: reads all of {', '.join(p.scans)}"]
        lines.extend(f"  {'':<16} {advice}" for advice in [*p.advice, *p.django])
    lines.extend(f"  {'':<16} | {step}" for step in p.plan)
    return lines


def run_check(args: argparse.Namespace) -> int:
    from tui_analytics.data.source.check import check_source
    from tui_analytics.data.source.opening import open_source
    from tui_analytics.runtime.errors import DatabaseError, one_line

    settings = load_settings(getattr(args, "config", None))
    mapped = settings.source.configured
    try:
        repository = open_source(settings, check=False)
    except DatabaseError as exc:
        from tui_analytics.data.source.check import CheckReport

        report = CheckReport(mask_url(settings.source_url), mapped, error=one_line(exc))
    else:
        report = check_source(repository, mapped=mapped)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(_text(report))
    return 0 if report.ok else 1
