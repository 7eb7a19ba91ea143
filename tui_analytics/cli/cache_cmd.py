"""`tui-analytics cache clear|invalidate|keys`: reach the analytics cache of running processes.

The cache lives in the memory of each running processor (the dashboard's, a
script's), so a shell command cannot empty it directly. These commands leave a
request in the state database instead; every processor using the same state
database applies it at its next performance-metrics run (every 30 s by
default, or whatever that job's interval is). `--dry-run` and `keys` only show
which of the keys the jobs write a pattern matches.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ..data.config import Settings, mask_url, shorten
from ..processor.jobs import known_keys
from ..runtime.clock import SYSTEM_CLOCK
from ..runtime.errors import did_you_mean
from .common import services

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def register(sub: argparse._SubParsersAction) -> None:
    cache = sub.add_parser(
        "cache", help="clear or invalidate the analytics cache of running dashboards",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmds = cache.add_subparsers(dest="cache_command", metavar="COMMAND", required=True)
    clear = cmds.add_parser("clear", help="ask running processors to empty their cache")
    clear.add_argument("--json", action="store_true", help="print JSON")
    clear.set_defaults(handler=run_clear)
    inv = cmds.add_parser("invalidate", help="ask running processors to drop the keys matching a glob")
    inv.add_argument("pattern", metavar="PATTERN", help="glob over cache keys, e.g. 'user-growth*' (quote it)")
    inv.add_argument("--dry-run", action="store_true", help="only list the keys the pattern matches")
    inv.add_argument("--json", action="store_true", help="print JSON")
    inv.set_defaults(handler=run_invalidate)
    keys = cmds.add_parser("keys", help="the cache keys the jobs write")
    keys.add_argument("--json", action="store_true", help="print JSON")
    keys.set_defaults(handler=run_keys)


def _engine(args: argparse.Namespace) -> tuple[Settings, Engine]:
    root = services(args)
    return root.settings, root.open_state()


def _when_applied(settings: Settings) -> str:
    """Who will apply a cache request: the cache lives in the process that schedules the jobs."""
    from ..data.locking import scheduler_lock

    holder = scheduler_lock(settings.resolved_state_url).holder()
    if holder is None:
        return ("no dashboard or serve process is scheduling on this state database now, so there is no cache to "
                "change; the next one to start begins with an empty cache")
    if settings.disable_auto_sync:
        return f"{holder.describe()} applies it when its performance-metrics job is run (DISABLE_AUTO_SYNC is set here)"
    return f"{holder.describe()} applies it within {settings.interval('performance-metrics'):g} s"


def run_clear(args: argparse.Namespace) -> int:
    from ..processor import requests as cache_requests

    settings, engine = _engine(args)
    request = cache_requests.post(engine, "clear", "*", SYSTEM_CLOCK.now())
    if args.json:
        print(json.dumps({"op": "clear", "requested": True, "seq": request.seq}))
    else:
        print(f"cache clear requested (#{request.seq}) in {mask_url(settings.resolved_state_url)}; "
              f"{_when_applied(settings)}")
    return 0


def run_invalidate(args: argparse.Namespace) -> int:
    from ..processor.cache import check_pattern, matches

    check_pattern(args.pattern)
    matched = [key for key in known_keys() if matches(key, args.pattern)]
    requested = None
    if matched and not args.dry_run:
        from ..processor import requests as cache_requests

        settings, engine = _engine(args)
        requested = cache_requests.post(engine, "invalidate", args.pattern, SYSTEM_CLOCK.now())
    if args.json:
        print(json.dumps({"op": "invalidate", "pattern": args.pattern, "matched": matched,
                          "dryRun": args.dry_run, "requested": requested is not None,
                          "seq": requested.seq if requested else None}))
        return 0 if matched else 1
    if not matched:  # an error: one line on stderr, exit 1 (main prints it)
        keys = known_keys()
        # A pattern close to a key, or to a job's prefix with its `*`, is most likely a typo of it.
        hint = did_you_mean(args.pattern, sorted({*keys, *(k.split(":")[0] + "*" for k in keys)}))
        raise ValueError(f"no cache key matches {shorten(args.pattern)}{hint}; `tui-analytics cache keys` lists them")
    print("\n".join(matched))
    if requested is not None:
        print(f"invalidation requested (#{requested.seq}); {_when_applied(settings)}")
    return 0


def run_keys(args: argparse.Namespace) -> int:
    keys = known_keys()
    print(json.dumps(keys) if args.json else "\n".join(keys))
    return 0
