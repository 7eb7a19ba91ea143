"""What the CLI does around a command that changes something: refuse it in read-only mode, and
record it in the audit log (data/state/audit.py) with how it ended.

A command changes something when its handler is in CHANGES; the function there names the audit
action and target from the parsed arguments (None: this use changes nothing, `--dry-run`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_analytics.runtime.errors import DatabaseError, TuiAnalyticsError, one_line

if TYPE_CHECKING:
    from tui_analytics.config.settings import Settings

EXIT_NOPERM = 77  # sysexits.h EX_NOPERM: refused by the read-only mode

Change = Callable[[argparse.Namespace], "tuple[str, str] | None"]


def _template(args: argparse.Namespace) -> str:
    return str(getattr(args, "template_id", "") or getattr(args, "name", "") or "")


# handler (module.function) -> (audit action, target) for the arguments given.
CHANGES: dict[str, Change] = {
    "jobs_cmd.run_jobs": lambda a: ("job.run", " ".join(a.ids)),
    "jobs_cmd.run_pause": lambda a: ("job.pause" if a.paused else "job.resume", a.id),
    "jobs_cmd.run_interval": lambda a: ("job.interval", f"{a.id} {getattr(a, 'interval', '')}".strip()),
    "cache_cmd.run_clear": lambda a: ("cache.clear", "*"),
    "cache_cmd.run_invalidate": lambda a: None if a.dry_run else ("cache.invalidate", a.pattern),
    "report_cmd.cmd_run": lambda a: ("report.generate", _template(a)),
    "report_cmd.cmd_create": lambda a: ("template.create", _template(a)),
    "report_cmd.cmd_update": lambda a: ("template.edit", _template(a)),
    "report_cmd.cmd_delete": lambda a: ("template.delete", _template(a)),
    "report_backfill.cmd_backfill": lambda a: ("report.backfill", _template(a)),
    "alerts_cmd.run_test": lambda a: ("alert.test", "every target"),
    "export_cmd.run": lambda a: ("export", f"{a.dataset} {a.format} -> {a.output or 'the export folder'}"),
    "demo.run": lambda a: ("demo-data", "a source database"),  # refused read-only; not audited (no state)
}


def change_of(args: argparse.Namespace) -> tuple[str, str] | None:
    """(action, target) when the command in `args` changes something, else None."""
    handler = getattr(args, "handler", None)
    if handler is None:
        return None
    name = f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"
    describe = CHANGES.get(name)
    return describe(args) if describe is not None else None


def refusal(args: argparse.Namespace, settings: Settings, change: tuple[str, str]) -> str | None:
    """The one line a change refused by the read-only mode prints, or None when it may run."""
    read_only = bool(getattr(args, "read_only", False)) or settings.access.read_only
    if not read_only or (change[0] == "export" and settings.access.read_only_exports):
        return None
    why = "--read-only" if getattr(args, "read_only", False) else "[access] read_only (or TUI_ANALYTICS_READ_ONLY)"
    return f"read-only mode ({why}): `{args.command} {getattr(args, f'{args.command}_command', '') or ''}`".rstrip() + (
        " changes what the dashboards and the scheduler do; nothing was done"
    )


def run_recorded(args: argparse.Namespace, settings: Settings, change: tuple[str, str], run: Callable[[], int]) -> int:
    """Run the command and record it in the audit log: ok, failed (exit N), or failed: why."""
    action, target = change
    if action == "demo-data":
        return run()
    from tui_analytics.wiring.services import Services

    trail = Services(settings).audit
    try:
        code = run()
    except KeyboardInterrupt:
        trail.record(action, target, "interrupted")
        raise
    except (ValueError, KeyError, OSError, DatabaseError):
        # Bad input, refused before anything changed: a bad value (check_choice...), an unknown job
        # or template, an output path or a database that cannot be opened. Not a change, and bad
        # input saves nothing, the audit row included.
        raise
    except TuiAnalyticsError as exc:
        trail.record(action, target, f"failed: {one_line(exc)}")
        raise
    except Exception as exc:
        trail.record(action, target, f"failed: {one_line(exc, with_type=True)}")
        raise
    trail.record(action, target, "ok" if code == 0 else f"failed (exit {code})")
    return code


__all__ = ["CHANGES", "EXIT_NOPERM", "change_of", "refusal", "run_recorded"]
