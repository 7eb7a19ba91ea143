"""`tui-analytics cache clear|invalidate|keys`: reach the analytics cache of the scheduling process.

The cache lives in the memory of the process that schedules the jobs (a dashboard
or `serve`), so a shell command cannot empty it directly. These commands post a
command on the state database's channel instead; the scheduling process runs it
within about a second and answers, and every attached dashboard redraws. With no
process scheduling there is no cache to change, and nothing is posted.
`--dry-run` and `keys` only show which of the keys the jobs write a pattern matches.
`rebuild [--from DATE] [--to DATE]` rolls up the days again from the source (docs/data.md#rollups):
the scheduling process does it when one runs (only it writes the rollups), else this command,
with its progress on stderr.
"""

from __future__ import annotations

import argparse
import json

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import services
from tui_analytics.config.values import shorten
from tui_analytics.processor.jobs import known_keys
from tui_analytics.runtime.errors import did_you_mean

WAIT_SECONDS = 10.0  # how long the command waits for the scheduling process's answer
POLL_SECONDS = 0.1  # how often it looks meanwhile


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = sub.add_parser(
        "cache",
        help=summary("cache"),
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmds = cache.add_subparsers(dest="cache_command", metavar="COMMAND", required=True)
    clear = cmds.add_parser("clear", help="ask the scheduling process to empty its cache")
    clear.add_argument("--json", action="store_true", help="print JSON")
    clear.set_defaults(handler=run_clear)
    inv = cmds.add_parser("invalidate", help="ask the scheduling process to drop the keys matching a glob")
    inv.add_argument("pattern", metavar="PATTERN", help="glob over cache keys, e.g. 'user-growth*' (quote it)")
    inv.add_argument("--dry-run", action="store_true", help="only list the keys the pattern matches")
    inv.add_argument("--json", action="store_true", help="print JSON")
    inv.set_defaults(handler=run_invalidate)
    rebuild = cmds.add_parser("rebuild", help="roll up the days again from the source (all of them without --from/--to)")
    rebuild.add_argument("--from", dest="first", metavar="DATE", default="", help="first day (YYYY-MM-DD)")
    rebuild.add_argument("--to", dest="last", metavar="DATE", default="", help="last day, included (YYYY-MM-DD)")
    rebuild.add_argument("--json", action="store_true", help="print JSON")
    rebuild.set_defaults(handler=run_rebuild)
    keys = cmds.add_parser("keys", help="the cache keys the jobs write")
    keys.add_argument("--json", action="store_true", help="print JSON")
    keys.set_defaults(handler=run_keys)


NOBODY = (
    "no dashboard or serve process is scheduling on this state database now, so there is no cache to "
    "change; the next one to start begins from the last snapshot and refreshes it"
)


def _rebuild_here(args: argparse.Namespace, span: str) -> dict[str, object]:
    """Nobody schedules: this process rolls the days up itself, its progress on stderr."""
    import sys

    from tui_analytics.data.rollups.answers import rebuild_span

    root = services(args)
    root.open()
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent != shown[0]:
            shown[0] = percent
            print(f"\rrolling up: {done}/{total} days ({percent}%)", end="", file=sys.stderr, flush=True)

    days = rebuild_span(root.repository, span, progress)
    if shown[0] >= 0:
        print(file=sys.stderr)
    return {"requested": False, "applied": True, "days": days, "message": f"rolled up {days} day{'s' if days != 1 else ''} again"}


def run_rebuild(args: argparse.Namespace) -> int:
    from tui_analytics.data.rollups.answers import check_span
    from tui_analytics.data.state.locking import scheduler_lock

    span = check_span(f"{args.first}/{args.last}")
    root = services(args)
    root.open_state()
    if scheduler_lock(root.settings.resolved_state_url).holder() is None:
        reply = _rebuild_here(args, span)
    else:
        reply = _ask(args, "rebuild", span)
    print(json.dumps({"op": "rebuild", **reply}) if args.json else reply["message"])
    return 0


def _ask(args: argparse.Namespace, op: str, pattern: str) -> dict[str, object]:
    """Post `op` for the scheduling process and wait a little for its answer (blocking): the
    channel's own wait (ChannelService.ask), for WAIT_SECONDS."""
    import asyncio

    from tui_analytics.data.state.locking import scheduler_lock

    root = services(args)
    root.open_state()  # first: a damaged state database is an error, not "nobody is scheduling"
    holder = scheduler_lock(root.settings.resolved_state_url).holder()
    if holder is None:
        return {"requested": False, "applied": False, "message": NOBODY}
    asked = asyncio.run(root.channel.ask(op, pattern, timeout=WAIT_SECONDS, poll=POLL_SECONDS))
    command = asked.command
    reply: dict[str, object] = {"requested": True, "id": asked.id, "by": holder.describe()}
    if command is not None and command.status == "done" and op == "rebuild":
        days = int((command.result or {}).get("days", 0))
        return {**reply, "applied": True, "days": days, "message": f"{holder.describe()} rolled up {days} days again"}
    if command is not None and command.status == "done":
        removed = int((command.result or {}).get("removed", 0))
        return {
            **reply,
            "applied": True,
            "removed": removed,
            "message": f"{holder.describe()} removed {removed} cache entr{'y' if removed == 1 else 'ies'}",
        }
    if command is not None and command.status in ("failed", "expired"):
        raise RuntimeError(f"{holder.describe()} could not do it: {(command.result or {}).get('error', command.status)}")
    return {
        **reply,
        "applied": False,
        "message": f"requested (#{asked.id}); {holder.describe()} has not answered within {WAIT_SECONDS:g} s "
        f"and runs it when it next looks",
    }


def run_clear(args: argparse.Namespace) -> int:
    reply = _ask(args, "clear", "*")
    if args.json:
        print(json.dumps({"op": "clear", **reply}))
    else:
        print(reply["message"])
    return 0


def run_invalidate(args: argparse.Namespace) -> int:
    from tui_analytics.processor.cache import check_pattern, matches

    check_pattern(args.pattern)
    matched = [key for key in known_keys() if matches(key, args.pattern)]
    reply: dict[str, object] = {"requested": False}
    if matched and not args.dry_run:
        reply = _ask(args, "invalidate", args.pattern)
    if args.json:
        print(json.dumps({"op": "invalidate", "pattern": args.pattern, "matched": matched, "dryRun": args.dry_run, **reply}))
        return 0 if matched else 1
    if not matched:  # an error: one line on stderr, exit 1 (main prints it)
        keys = known_keys()
        # A pattern close to a key, or to a job's prefix with its `*`, is most likely a typo of it.
        hint = did_you_mean(args.pattern, sorted({*keys, *(k.split(":")[0] + "*" for k in keys)}))
        raise ValueError(f"no cache key matches {shorten(args.pattern)}{hint}; `tui-analytics cache keys` lists them")
    print("\n".join(matched))
    if "message" in reply:
        print(reply["message"])
    return 0


def run_keys(args: argparse.Namespace) -> int:
    keys = known_keys()
    print(json.dumps(keys) if args.json else "\n".join(keys))
    return 0
