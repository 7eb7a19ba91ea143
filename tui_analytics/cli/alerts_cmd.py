"""`tui-analytics alerts test|status|rules|mute|unmute`: the [[alerts]] targets of the configuration from a shell.

Alerts are sent by whichever process runs the work (the dashboard, serve, jobs run,
report run): one when a job or a report starts failing or a job is late, one
"recovered" when it succeeds again. `test` sends a test alert to every target now;
`status` shows the targets, the open incidents and the last deliveries; `rules` the
[[alerts.rules]] figures now; `mute` and `unmute` quiet alerts for a while.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import add_zone_option, services, shown_zone, whole_number, zoned
from tui_analytics.cli.text_table import Column, print_table
from tui_analytics.runtime.printable import printable

if TYPE_CHECKING:
    from tui_analytics.alerts.incidents import Incident
    from tui_analytics.alerts.models import Delivery
    from tui_analytics.alerts.quiet import Mute
    from tui_analytics.config.alert_targets import AlertTarget
    from tui_analytics.config.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts = sub.add_parser(
        "alerts",
        help=summary("alerts"),
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmds = alerts.add_subparsers(dest="alerts_command", metavar="COMMAND", required=True)
    test = cmds.add_parser(
        "test",
        help="send a test alert to every target now; exits 1 if one is not delivered",
        description="Send a test alert to every [[alerts]] target (retried as real alerts are) "
        "and say, per target, whether it was delivered.",
    )
    test.add_argument("--json", action="store_true", help="print JSON")
    test.set_defaults(handler=run_test)
    status = cmds.add_parser("status", help="the targets, the open incidents and the last deliveries")
    status.add_argument("--limit", type=whole_number, default=10, metavar="N", help="how many deliveries (default 10)")
    status.add_argument("--json", action="store_true", help="print JSON")
    add_zone_option(status)
    status.set_defaults(handler=run_status)
    from tui_analytics.cli import alert_rules_cmd

    alert_rules_cmd.register(cmds)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def target_dict(target: AlertTarget) -> dict[str, object]:
    return {
        "name": target.name,
        "kind": target.kind,
        "where": target.where,
        "on": sorted(target.on),
        "slack": target.slack,
        "attempts": target.attempts,
    }


def delivery_dict(d: Delivery) -> dict[str, object]:
    return {
        "at": _iso(d.at),
        "kind": d.kind,
        "subject": d.subject,
        "target": d.target,
        "status": d.status,
        "attempts": d.attempts,
        "error": d.error,
        "finishedAt": _iso(d.finished_at),
    }


DELIVERY_COLUMNS = (
    Column("AT", 23),
    Column("EVENT", 13, gap=2),
    Column("ABOUT", 28, cut=True),
    Column("TARGET", 24, cut=True),
    Column("STATUS", 8),
    Column("TRIES", 5, right=True),
    Column("ERROR", gap=2),
)


def _print_deliveries(rows: list[Delivery], tz: tzinfo) -> None:
    rows_shown = [[zoned(d.at, tz), d.kind, d.subject, d.target, d.status, d.attempts, d.error or ""] for d in rows]
    print_table(DELIVERY_COLUMNS, rows_shown)


def run_test(args: argparse.Namespace) -> int:
    root = services(args)
    alerts = root.alerts
    if alerts is None or not root.settings.alerts:  # rules alone build the service, with nobody to tell
        raise ValueError("no [[alerts]] targets in the configuration (see `tui-analytics alerts --help` and the README)")
    root.open_state()
    results = alerts.send_test()
    if args.json:
        print(json.dumps([delivery_dict(d) for d in results], indent=2))
    else:
        for d in results:
            tries = f"{d.attempts} attempt{'s' if d.attempts != 1 else ''}"
            outcome = f"delivered ({tries})" if d.delivered else f"NOT delivered after {tries}: {d.error or d.status}"
            print(f"{printable(d.target)}: {outcome}")
    return 0 if all(d.delivered for d in results) else 1


def _names(reach: dict[str, str], *states: str) -> list[str]:
    return [name for name, state in reach.items() if state in states]


def _reached(reach: dict[str, str]) -> str:
    """'told ops; not delivered to pager (every attempt failed)': whom the incident really reached."""
    told, failed, sending = _names(reach, "sent", "unknown"), _names(reach, "failed"), _names(reach, "pending")
    parts = [f"told {', '.join(printable(n) for n in told)}"] if told else []
    if failed:
        parts.append(f"not delivered to {', '.join(printable(n) for n in failed)} (every attempt failed)")
    if sending:
        parts.append(f"sending to {', '.join(printable(n) for n in sending)}")
    return "; ".join(parts) or "told nobody"


def run_status(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}")
    from tui_analytics.alerts.incidents import IncidentStore
    from tui_analytics.alerts.quiet import MuteStore

    root = services(args)
    store = IncidentStore(root.open_state())
    incidents, deliveries = store.open_incidents(), store.recent(args.limit)
    mutes = MuteStore(root.open_state()).active(root.clock.now())
    reach = {i.subject: store.reach(i) for i in incidents}
    targets = root.settings.alerts
    if args.json:
        print(json.dumps(_status_json(root.settings, incidents, reach, deliveries, mutes), indent=2))
        return 0
    if not targets:
        print("no [[alerts]] targets configured: nothing is sent")
    for t in targets:
        unsent = " (no smtp_url: its alerts cannot be sent)" if t.kind == "email" and root.settings.smtp is None else ""
        print(f"{printable(t.name)}: {t.kind} {printable(t.where)} on {', '.join(sorted(t.on))}{unsent}")
    print(f"a job is late after {root.settings.alert_grace:g} of its intervals without a successful run")
    tz = shown_zone(args)
    for m in mutes:
        print(f"muted: {printable(m.subject)} until {zoned(m.until, tz)}")
    print()
    if incidents:
        for i in incidents:
            print(
                f"open: {i.kind} {printable(i.subject)} since {zoned(i.opened_at, tz)}, "
                f"{'' if i.subject.startswith('rule:') else f'{i.failures} failed run(s), '}"
                f"{_reached(reach[i.subject])}; {printable(i.last_error or '')}".rstrip("; ")
            )
    else:
        print("no open incident")
    print()
    if deliveries:
        _print_deliveries(deliveries, tz)
    else:
        print("no alert sent yet")
    return 0


def _status_json(
    settings: Settings, incidents: list[Incident], reach: dict[str, dict[str, str]], deliveries: list[Delivery], mutes: list[Mute]
) -> dict[str, object]:
    return {
        "targets": [target_dict(t) for t in settings.alerts],
        "graceIntervals": settings.alert_grace,
        "incidents": [
            {
                "subject": i.subject,
                "kind": i.kind,
                "name": i.name,
                "since": _iso(i.opened_at),
                "failures": i.failures,
                "lastError": i.last_error,
                "told": _names(reach[i.subject], "sent", "unknown"),
                "notDelivered": _names(reach[i.subject], "failed"),
                "sending": _names(reach[i.subject], "pending"),
            }
            for i in incidents
        ],
        "deliveries": [delivery_dict(d) for d in deliveries],
        "mutes": [{"subject": m.subject, "until": _iso(m.until)} for m in mutes],
    }
