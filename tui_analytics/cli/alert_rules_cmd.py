"""`tui-analytics alerts rules|mute|unmute`: the rules on the data and quieting alerts by hand.

`rules` reads each `[[alerts.rules]]` figure from the source now and says whether its condition
holds and since when its incident is open (it sends nothing: the process that runs the jobs does).
`mute RULE|JOB|all --for 2h` keeps the alerts about it quiet until then, in the state database,
for every process; `unmute` ends that early.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta, timezone
from typing import TYPE_CHECKING

from tui_analytics.cli.text_table import Column, print_table
from tui_analytics.runtime.printable import printable

if TYPE_CHECKING:
    from tui_analytics.alerts.rules import Reading
    from tui_analytics.config.alert_rules import AlertRule
    from tui_analytics.wiring import Services


def register(cmds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = cmds.add_parser(
        "rules",
        help="each [[alerts.rules]] rule's figure now, its condition and state",
        description="Read each rule's figure from the source now; say whether its condition holds "
        "(firing, ok, unknown) and since when its incident is open. Sends nothing.",
    )
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.set_defaults(handler=run_rules)
    mute = cmds.add_parser(
        "mute",
        help="no alerts about a rule, a job, or anything (all) for a while",
        description="Keep the alerts about a rule (its name), a job (its id), a report (report:ID) or "
        "everything (all) quiet until the time given; incidents still open and close. Every process "
        "sharing the state database obeys it.",
    )
    mute.add_argument("what", metavar="RULE|JOB|all", help="a rule's name, a job id, report:TEMPLATE-ID, or all")
    mute.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="how long: 30m, 2h, 1d, 1h30m")
    mute.set_defaults(handler=run_mute)
    unmute = cmds.add_parser("unmute", help="end a mute now", description="End the mute of a rule, a job or all now.")
    unmute.add_argument("what", metavar="RULE|JOB|all", help="as given to mute")
    unmute.set_defaults(handler=run_unmute)


def subject_of(root: Services, what: str) -> str:
    """`rule:<name>`, `job:<id>`, `report:<id>` or `all` for a name given on the command line."""
    from tui_analytics.config.settings import JOB_IDS

    rules = [r.name for r in (root.settings.alert_policy.rules if root.settings.alert_policy else ())]
    if what == "all" or what.startswith(("rule:", "job:", "report:")) and len(what.partition(":")[2]) > 0:
        return what
    if what in rules:
        return f"rule:{what}"
    if what in JOB_IDS:
        return f"job:{what}"
    known = ", ".join([*rules, *JOB_IDS, "all"])
    raise ValueError(f"{printable(what)!r} is no rule or job (use one of: {known}; or report:TEMPLATE-ID)")


def run_mute(args: argparse.Namespace) -> int:
    from tui_analytics.alerts.quiet import MuteStore
    from tui_analytics.cli.common import services
    from tui_analytics.config.alert_rules import parse_duration

    root = services(args)
    subject = subject_of(root, args.what)
    seconds = parse_duration("--for", args.duration)
    now = root.clock.now()
    mute = MuteStore(root.open_state()).mute(subject, now + timedelta(seconds=seconds), now)
    print(f"muted {printable(subject)} until {mute.until.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
    return 0


def run_unmute(args: argparse.Namespace) -> int:
    from tui_analytics.alerts.quiet import MuteStore
    from tui_analytics.cli.common import services

    root = services(args)
    subject = subject_of(root, args.what)
    removed = MuteStore(root.open_state()).unmute(subject)
    print(f"unmuted {printable(subject)}" if removed else f"{printable(subject)} was not muted")
    return 0


def _row(rule: AlertRule, reading: Reading, since: str | None, quiet: str | None) -> dict[str, object]:
    return {
        "name": rule.name,
        "figure": rule.figure,
        "condition": rule.condition(),
        "value": reading.value,
        "baseline": reading.baseline,
        "day": reading.day,
        "state": reading.state,
        "detail": reading.detail,
        "openSince": since,
        "quiet": quiet,
    }


def run_rules(args: argparse.Namespace) -> int:
    from tui_analytics.alerts.incidents import IncidentStore
    from tui_analytics.alerts.quiet import MuteStore, quiet_reason
    from tui_analytics.alerts.rules import evaluate, number
    from tui_analytics.cli.common import services
    from tui_analytics.data.source.opening import open_source

    root = services(args)
    policy = root.settings.alert_policy
    rules = policy.rules if policy else ()
    if not rules:
        print("[]" if args.json else "no [[alerts.rules]] in the configuration")
        return 0
    state = root.open_state()
    incidents = {i.subject: i for i in IncidentStore(state).open_incidents()}
    now = root.clock.now()
    mutes = MuteStore(state).active(now)
    repository = open_source(root.settings, clock=root.clock)
    found = []
    for rule in rules:
        incident = incidents.get(rule.subject)
        quiet = quiet_reason(mutes, policy.silences, rule.subject, now, root.settings.tz) if policy else None
        found.append((rule, evaluate(rule, repository), incident.opened_at.isoformat() if incident else None, quiet))
    if args.json:
        print(json.dumps([_row(*entry) for entry in found], indent=2))
        return 0
    columns = (
        Column("RULE", 20, cut=True),
        Column("VALUE", 10, right=True),
        Column("STATE", 8, gap=2),
        Column("CONDITION", 34, cut=True),
        Column("DETAIL", gap=2),
    )
    cells = [
        [
            rule.name,
            number(reading.value),
            reading.state + ("*" if since else ""),
            rule.condition(),
            reading.detail + (f" [{quiet}]" if quiet else ""),
        ]
        for rule, reading, since, quiet in found
    ]
    print_table(columns, cells)
    if any(since for _, _, since, _ in found):
        print("* an incident is open (alerted, or to be alerted once not quiet)")
    return 0
