"""`tui-analytics report list|run|backfill|history|create|update|delete|cron`: scheduled reports from the shell.

The CLI never schedules and never catches up missed runs (that is the
dashboard's job); `report run` makes one report now and records it as manual,
`report backfill` one per period of a range (report_backfill.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import (
    add_zone_option,
    camel_keys,
    check_choice,
    services,
    shown_zone,
    since_moment,
    whole_number,
    zoned,
)
from tui_analytics.cli.report_edit import add_template_options, template_fields
from tui_analytics.cli.text_table import Column, print_table
from tui_analytics.config.settings import load_settings
from tui_analytics.config.values import shorten
from tui_analytics.reports.models import RUN_STATUSES
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import UnknownTemplateError, unknown

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui_analytics.reports.service import AnalyticsScheduledReportsService


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report", help=summary("report"), description="List, run, create and delete report templates; show the report history."
    )
    rs = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)

    ls = rs.add_parser("list", help="list the report templates")
    ls.add_argument("--json", action="store_true", help="print JSON")
    add_zone_option(ls)
    ls.set_defaults(handler=cmd_list)

    run = rs.add_parser("run", help="generate a report now")
    run.add_argument("template_id", metavar="ID", help="the template's id or its name (report list shows them)")
    run.add_argument("--from", dest="date_from", metavar="DATE", help="start of the period (default: the schedule's last period)")
    run.add_argument("--to", dest="date_to", metavar="DATE", help="end of the period (a date includes that whole day)")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.set_defaults(handler=cmd_run)

    test = rs.add_parser(
        "test-delivery", help="send a sample message to every destination of a template (one line per destination)"
    )
    test.add_argument("template_id", metavar="ID", help="the template's id or its name")
    test.set_defaults(handler=cmd_test_delivery)

    from tui_analytics.cli.report_backfill import add_parser as add_backfill

    add_backfill(rs)

    _add_history(rs)
    _add_editing(rs)
    _add_cron(rs)


def _add_history(rs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hist = rs.add_parser(
        "history",
        help="the report history, newest first",
        description="The report history, newest first; the filters combine (all must hold).",
    )
    hist.add_argument("--template", metavar="ID", help="only this template's reports (its id or its name)")
    hist.add_argument("--status", metavar="STATUS", help="only runs with this status: " + ", ".join(RUN_STATUSES))
    hist.add_argument(
        "--since",
        metavar="DATE",
        help="only runs started at or after this ISO date or date-time (without an offset: in the zone times are printed in)",
    )
    hist.add_argument("--limit", type=whole_number, default=50, metavar="N", help="at most N rows (default 50)")
    hist.add_argument("--json", action="store_true", help="print JSON")
    add_zone_option(hist)
    hist.set_defaults(handler=cmd_history)


def _add_editing(rs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = rs.add_parser("create", help="create a report template")
    add_template_options(create, creating=True)
    create.add_argument("--json", action="store_true", help="print the template as JSON")
    create.set_defaults(handler=cmd_create)

    update = rs.add_parser(
        "update",
        help="change some fields of a report template",
        description="Change the fields given; the others stay. The whole template is checked before anything is saved.",
    )
    update.add_argument("template_id", metavar="ID", help="the template's id or its name (report list shows them)")
    add_template_options(update, creating=False)
    update.add_argument("--json", action="store_true", help="print the template as JSON")
    update.set_defaults(handler=cmd_update)

    delete = rs.add_parser("delete", help="delete a report template (its history stays)")
    delete.add_argument("template_id", metavar="ID", help="the template's id or its name (report list shows them)")
    delete.set_defaults(handler=cmd_delete)


def _add_cron(rs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cron = rs.add_parser("cron", help="explain a cron expression and show its next fire times")
    cron.add_argument("expression", help="five crontab(5) fields, e.g. '30 6 * * 1-5', or @daily, @weekly ...")
    cron.add_argument("--timezone", help="IANA zone (default: the configured zone)")
    cron.add_argument("-n", type=whole_number, default=5, help="how many fire times (default 5)")
    cron.add_argument(
        "--after",
        metavar="TIME",
        type=_moment,
        help="list fire times after this ISO date or time (default: now); without an offset it is read in the zone",
    )
    cron.add_argument("--json", action="store_true", help="print the description and the fire times as JSON")
    cron.set_defaults(handler=cmd_cron)


def _moment(text: str) -> datetime:
    from tui_analytics.runtime.daterange import check_year

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r} (e.g. 2026-10-25T01:30)") from None
    try:
        check_year(moment, repr(text.strip()))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return moment


def _fire_line(moment: datetime, tz: tzinfo) -> str:
    """A fire time in the cron's zone, labelled, with this machine's local time beside it when that differs."""
    shown = moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")
    here = moment.astimezone()
    if here.utcoffset() != moment.astimezone(tz).utcoffset() or here.tzname() != moment.astimezone(tz).tzname():
        pattern = "%H:%M %Z" if here.date() == moment.astimezone(tz).date() else "%a %Y-%m-%d %H:%M %Z"
        shown += f"  ({here.strftime(pattern)} here)"
    return shown


def _service(args: argparse.Namespace) -> AnalyticsScheduledReportsService:
    return services(args).reports.open()


@contextlib.contextmanager
def _telling(args: argparse.Namespace) -> Iterator[AnalyticsScheduledReportsService]:
    """The reports service, with what it does told to the other processes on the state database:
    the scheduling one reschedules a changed template, running dashboards redraw."""
    root = services(args)
    with root.telling():
        yield root.reports.open()


def _print_json(value: object) -> None:
    json.dump(camel_keys(value), sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


LIST_COLUMNS = [Column(title, gap=2) for title in ("ID", "NAME", "SCHEDULE", "FORMAT", "ACTIVE", "NEXT", "LAST", "RECIPIENTS")]
HISTORY_COLUMNS = [
    Column(title, gap=2) for title in ("ID", "TEMPLATE", "TRIGGER", "STATUS", "STARTED", "MS", "DELIVERY", "FILE / ERROR")
]


def cmd_list(args: argparse.Namespace) -> int:
    service = _service(args)
    templates = service.get_report_templates()
    if args.json:
        _print_json([t.to_dict() for t in templates])
        return 0
    rows = []
    tz = shown_zone(args)  # one zone for every template (each runs in its own: `report cron` shows that)
    for t in templates:
        rows.append(
            [
                t.id,
                t.name,
                t.schedule if not t.cron else f"{t.schedule} ({t.cron})",
                t.format,
                "yes" if t.is_active else "no",
                zoned(t.next_generation, tz, seconds=False),
                zoned(t.last_generated, tz, seconds=False),
                str(len(t.recipients)),
            ]
        )
    print_table(LIST_COLUMNS, rows)
    return 0


def template_id(service: AnalyticsScheduledReportsService, given: str) -> str:
    """The id of the template `given` names: its id, or its name (names are unique, case aside)."""
    templates = service.get_report_templates()
    named = [t.id for t in templates if t.name.strip().casefold() == given.strip().casefold()]
    if any(t.id == given for t in templates):
        # Templates saved before names and ids were kept apart: say which instead of guessing.
        others = [i for i in named if i != given]
        if others:
            raise ValueError(
                f"{shorten(given)} is one template's id and another's name ({others[0]}): give the id of the one you mean"
            )
        return given
    return named[0] if named else given  # an unknown one is answered by the service, with suggestions


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    with _telling(args) as service:
        template = service.get_report_template(template_id(service, args.template_id))
        date_range = DateRange.parse(args.date_from, args.date_to)
        report = asyncio.run(service.generate_report(template=template, date_range=date_range))
    if args.json:
        _print_json(report.to_dict())
        return 0
    if report.status == "skipped":
        print(
            f"skipped: the period {report.date_range} is empty (the template skips empty periods); no file, no e-mail",
            file=sys.stderr,
        )
        return 0
    print(report.path)
    delivery = report.delivery.get("status")
    if delivery not in (None, "no-recipients"):
        print(f"delivery: {delivery}", file=sys.stderr)
    return 0


def cmd_test_delivery(args: argparse.Namespace) -> int:
    """Exit status 1 when a destination did not get the sample (or there is none)."""
    import asyncio

    service = _service(args)
    template = service.get_report_template(template_id(service, args.template_id))
    if not template.recipients:
        raise ValueError(f"the template {template.id} has no destinations (report update {template.id} --recipient ...)")
    result = asyncio.run(service.test_delivery(template))
    width = max(len(name) for name in result.recipients)
    for name, outcome in result.recipients.items():
        print(f"{name.ljust(width)}  {outcome}")
    return 0 if result.status == "sent" else 1


def cmd_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    if args.template is not None and not args.template.strip():
        raise UnknownTemplateError("--template must not be empty (leave it out for every template)")
    status = check_choice("status", args.status, RUN_STATUSES) if args.status is not None else None
    tz = shown_zone(args)
    since = since_moment(args.since, tz) if args.since is not None else None
    service = _service(args)
    template = None
    if args.template:
        template = template_id(service, args.template)
        service.get_report_template(template)  # an unknown one is an error (with suggestions), not an empty list
    rows = service.get_scheduled_reports(limit=args.limit, template_id=template, status=status, since=since)
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    print_table(
        HISTORY_COLUMNS,
        [
            [
                str(r.id),
                r.template_id,
                r.trigger,
                r.status,
                zoned(r.started_at, tz),
                f"{r.duration_ms:.0f}" if r.duration_ms is not None else "-",
                r.delivery_status or "-",
                r.filename or (r.error or "-"),  # a skipped run: "skipped: empty"
            ]
            for r in rows
        ],
    )
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    _check_timezone_option(args)
    with _telling(args) as service:
        template = service.create_report_template(**template_fields(args, creating=True))
    if args.json:
        _print_json(template.to_dict())
    else:
        print(template.id)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    _check_timezone_option(args)
    fields = template_fields(args, creating=False)
    if not fields:
        raise ValueError("nothing to change: give at least one option (see report update --help)")
    with _telling(args) as service:
        template = service.update_report_template(template_id(service, args.template_id), **fields)
    if args.json:
        _print_json(template.to_dict())
    else:
        print(template.id)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _telling(args) as service:
        if not service.delete_report_template(template_id(service, args.template_id)):
            ids = [t.id for t in service.get_report_templates()]
            raise UnknownTemplateError(unknown("report template", args.template_id, ids))
    return 0


def _check_timezone_option(args: argparse.Namespace) -> None:
    if args.timezone is not None and not args.timezone.strip():
        raise ValueError("--timezone must not be empty (leave it out for the configured zone)")


def cmd_cron(args: argparse.Namespace) -> int:
    from tui_analytics.reports.cron import as_tz, describe_cron, next_fire_times

    _check_timezone_option(args)
    if not 1 <= args.n <= 1000:
        raise ValueError(f"-n must be between 1 and 1,000, got {args.n}")
    tz = as_tz(args.timezone) if args.timezone else load_settings(args.config).tz
    after = args.after or datetime.now(timezone.utc)
    if after.tzinfo is None:
        after = after.replace(tzinfo=tz)
    times = next_fire_times(args.expression, tz, after, args.n)
    if args.json:
        zone = getattr(tz, "key", None) or str(tz)
        _print_json(
            {
                "expression": args.expression,
                "description": describe_cron(args.expression),
                "timezone": zone,
                "fire_times": [moment.isoformat() for moment in times],
            }
        )
        return 0
    print(describe_cron(args.expression))
    for moment in times:
        print(_fire_line(moment, tz))
    return 0
