"""Time zones by name: an IANA name, or the machine's own zone for 'local'."""

from __future__ import annotations

import os
from datetime import timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui_analytics.config.values import shorten
from tui_analytics.runtime.errors import ConfigError

MAX_ZONE_NAME = 255  # the longest file name: every IANA name is far shorter

_UTC_NAMES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "Etc/Universal",
        "Universal",
        "Zulu",
        "Etc/Zulu",
        "GMT",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Etc/Greenwich",
        "Greenwich",
        "UCT",
        "Etc/UCT",
    }
)


def plain_zone(zone: tzinfo) -> tzinfo:
    """`zone`, with the zone database's names for UTC as `timezone.utc`: no offset changes to look for."""
    return timezone.utc if getattr(zone, "key", None) in _UTC_NAMES else zone


def resolve_timezone(name: str | None) -> tzinfo:
    """A tzinfo for an IANA name, or the machine's local zone for '' / 'local'."""
    if not name or name.lower() == "local":
        from datetime import datetime

        local = datetime.now().astimezone().tzinfo
        tz_env = os.environ.get("TZ")
        if tz_env:
            try:
                return ZoneInfo(tz_env.lstrip(":"))
            except (ZoneInfoNotFoundError, ValueError):
                pass
        try:
            link = os.path.realpath("/etc/localtime")
            if "zoneinfo/" in link:
                return ZoneInfo(link.split("zoneinfo/", 1)[1])
        except (OSError, ZoneInfoNotFoundError, ValueError):
            pass
        assert local is not None
        return local
    try:
        if len(name) > MAX_ZONE_NAME:
            raise ValueError(name)
        return ZoneInfo(name)
    # A directory of the zone database ("Europe") is an OSError, and so is a name too long for a file.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"unknown time zone {shorten(name)} (use an IANA name such as Europe/Berlin)") from None
