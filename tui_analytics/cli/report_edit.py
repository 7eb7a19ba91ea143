"""The template options of `report create` and `report update`, and the fields they make."""

from __future__ import annotations

import argparse

from tui_analytics.reports.models import DATASETS, FORMATS, SCHEDULES


def add_template_options(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    """The options of both commands; `update` changes only the ones given (no defaults there)."""
    parser.add_argument("--name", required=creating, help="the template's name (unique; shown in lists and file names)")
    parser.add_argument("--description", default="" if creating else None, help="a line saying what the report is for")
    parser.add_argument("--schedule", help=" | ".join(SCHEDULES) + " (custom needs --cron)")
    parser.add_argument(
        "--cron",
        help="a crontab(5) expression, e.g. '30 6 * * 1-5' (day fields also take L, LW, 15W, 5L, 1#1)"
        + ("" if creating else "; '' for the schedule's standard one"),
    )
    parser.add_argument("--timezone", help="IANA zone for the cron (default: the configured zone)")
    parser.add_argument("--format", default="csv" if creating else None, help=" | ".join(FORMATS))
    parser.add_argument(
        "--dataset",
        dest="datasets",
        action="append",
        metavar="NAME",
        help=f"repeatable: {', '.join(DATASETS)} (default: by schedule)" + ("" if creating else "; replaces the list"),
    )
    parser.add_argument(
        "--recipient",
        "--destination",
        dest="recipients",
        action="append",
        default=[] if creating else None,
        metavar="EMAIL|URL",
        help="repeatable: an e-mail address, or a notification URL apprise reads (slack://, workflows:// for Teams, "
        "discord://, matrix://, ntfy://, pagerduty://, json:// for a webhook...)" + ("" if creating else "; replaces the list"),
    )
    if not creating:
        parser.add_argument("--no-recipients", action="store_true", help="remove every recipient")
    parser.add_argument(
        "--skip-empty",
        dest="skip_empty",
        action="store_true",
        default=None,
        help="an empty period makes no file and no e-mail (the history says 'skipped: empty')",
    )
    parser.add_argument(
        "--max-attachment-mb",
        dest="max_attachment_mb",
        metavar="MB",
        help="a larger report is e-mailed as its path instead of attached (up to 1024; "
        + ("default: no cap)" if creating else "'none': no cap)"),
    )
    parser.add_argument(
        "--by",
        metavar="UNIT",
        help="day | week | month: count the report's user growth and activity trends per day, week or month"
        + (" (default: month and day)" if creating else "; 'none' for month and day"),
    )
    if creating:
        parser.add_argument("--no-metadata", action="store_true", help="no metadata block")
        parser.add_argument("--inactive", action="store_true", help="create it inactive (not scheduled)")
        return
    parser.add_argument("--no-skip-empty", dest="skip_empty", action="store_false", help="make empty periods' reports again")
    parser.add_argument("--metadata", dest="include_metadata", action="store_true", default=None, help="add the metadata block")
    parser.add_argument("--no-metadata", dest="include_metadata", action="store_false", help="no metadata block")
    parser.add_argument("--active", dest="is_active", action="store_true", default=None, help="schedule it")
    parser.add_argument("--inactive", dest="is_active", action="store_false", help="stop scheduling it")


def template_fields(args: argparse.Namespace, *, creating: bool) -> dict[str, object]:
    """The service fields the options say: every field for `create`, the given ones for `update`."""
    if creating:
        fields: dict[str, object] = {
            "name": args.name,
            "description": args.description,
            "schedule": args.schedule,
            "format": args.format,
            "include_metadata": not args.no_metadata,
            "recipients": args.recipients,
            "is_active": not args.inactive,
            "cron": args.cron,
            "timezone": args.timezone,
            "datasets": args.datasets,
            "skip_empty": bool(args.skip_empty),
            "by": args.by,
        }
        if args.max_attachment_mb is not None:
            fields["max_attachment_mb"] = args.max_attachment_mb
        return fields
    names = (
        "name",
        "description",
        "schedule",
        "format",
        "datasets",
        "recipients",
        "skip_empty",
        "max_attachment_mb",
        "by",
        "include_metadata",
        "is_active",
        "timezone",
    )
    fields = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.cron is not None:
        fields["cron"] = args.cron or None  # '' goes back to the schedule's standard cron
    if args.no_recipients:
        if args.recipients:
            raise ValueError("--no-recipients and --recipient cannot go together")
        fields["recipients"] = []
    return fields
