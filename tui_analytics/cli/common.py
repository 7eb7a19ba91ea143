"""What every sub-command shares: its services, built by the composition root."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, tzinfo

from tui_analytics.config.settings import Settings, load_settings
from tui_analytics.config.values import shorten
from tui_analytics.wiring import Services


def camel_keys(value: object) -> object:
    """`value` with every dict key in camelCase (`template_id` -> `templateId`), recursively: all
    the CLI's JSON speaks one key style, the one of the exported files and `jobs --json`."""
    if isinstance(value, dict):
        return {_camel(str(key)): camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings `args` point to, read once per command (services and shown_zone share them)."""
    found = getattr(args, "_settings", None)
    if not isinstance(found, Settings):
        found = load_settings(getattr(args, "config", None))
        args._settings = found
    return found


def services(args: argparse.Namespace) -> Services:
    """The services over the configuration `args` point to (`--config`, the environment).

    Nothing is opened here; each command opens what it uses. A short-lived
    command schedules nothing, whatever DISABLE_AUTO_SYNC says.
    """
    return Services(
        settings_of(args),
        processor_options={"autostart": False, "probe_loop_lag": False},
        reports_options={"auto_start": False},
    )


# Whole numbers in ASCII digits only: argparse's int() also reads "١٢" (Arabic-Indic digits).
# Eighteen digits at most, so every accepted value also fits a 64-bit SQL integer.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")


def whole_number(text: str) -> int:
    """argparse type for counts and limits; a bad value is a usage error (exit 2)."""
    if not _WHOLE_NUMBER.fullmatch(text.strip()):
        if re.fullmatch(r"[+-]?[0-9]+", text.strip()):
            raise argparse.ArgumentTypeError(f"{shorten(text)} is too large")
        raise argparse.ArgumentTypeError(f"{shorten(text)} is not a whole number (digits 0-9)")
    return int(text)


def check_choice(what: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` (case aside) if it is one of `choices`; else one line with the closest ("did you mean")."""
    from tui_analytics.runtime.errors import unknown

    wanted = value.strip().lower()
    if wanted not in choices:
        raise ValueError(unknown(what, value, choices))
    return wanted


def since_moment(text: str, tz: tzinfo) -> datetime:
    """`--since`: an ISO date (its midnight) or date-time, read in `tz` (the zone the command prints
    times in, shown_zone) when it has no offset; as UTC."""
    from datetime import date, time, timezone

    raw = text.strip()
    try:
        if not raw.isascii() or len(raw) > 40:
            raise ValueError(raw)
        moment = datetime.combine(date.fromisoformat(raw), time.min) if len(raw) == 10 else datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"--since {shorten(text)} is not an ISO date (YYYY-MM-DD) or date-time (e.g. 2026-01-15 or 2026-01-15T09:30)"
        ) from None
    from tui_analytics.runtime.daterange import check_year

    check_year(moment, f"--since {shorten(text)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)


ZONE_HELP = "print times in UTC (default: the reporting zone, TUI_ANALYTICS_TIMEZONE; --since is read in the same zone)"


def add_zone_option(parser: argparse.ArgumentParser) -> None:
    """`--utc`, on every command that prints times (they carry their zone either way)."""
    parser.add_argument("--utc", action="store_true", help=ZONE_HELP)


def shown_zone(args: argparse.Namespace) -> tzinfo:
    """The zone a command prints its times in, and reads `--since` in: the reporting zone, or UTC with --utc."""
    from datetime import timezone

    return timezone.utc if getattr(args, "utc", False) else settings_of(args).tz


def zoned(value: datetime | None, tz: tzinfo, *, seconds: bool = True, none: str = "-") -> str:
    """`2026-12-07 20:27:05 CST`: a stored time in `tz`, labelled with its zone; `none` for no time."""
    if value is None:
        return none
    local = value.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")
