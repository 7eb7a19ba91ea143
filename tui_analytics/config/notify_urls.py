"""Is this a notification URL apprise can read? (slack://, workflows://, discord://, json://, ...)

Used by report templates and `[[alerts]]` targets alike; the sending is data/notify.py. The answer
names the URL only masked (`scheme://***~fingerprint`): the whole URL is the secret.
"""

from __future__ import annotations

import logging
import threading

from tui_analytics.runtime.redact import mask_destination, register_destination

# Schemes older apprise releases had and 2.x dropped, with what replaced them.
RETIRED = {"msteams": "Microsoft retired Teams connectors; use workflows://HOST/WORKFLOW/SIGNATURE (Power Automate)"}
SERVICES = "https://appriseit.com/services/"

_quiet = threading.local()


class _QuietWhileChecking(logging.Filter):
    """Drops apprise's own "Unparseable URL" lines while a URL is only being checked: the check
    says what is wrong in one line of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


logging.getLogger("apprise").addFilter(_QuietWhileChecking())


def instantiate(url: str, *, quiet: bool = False) -> object | None:
    """apprise's plugin for `url` (None when it reads no service there)."""
    import apprise  # here: loading its ~150 plugins costs a noticeable part of a second

    _quiet.on = quiet
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        _quiet.on = False


def url_problem(value: str) -> str | None:
    """None when apprise reads `value` as a notification service; else why not, in one masked line.
    The URL is registered with the redaction net either way."""
    url = value.strip()
    register_destination(url)
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("mailto", "mailtos"):
        return f"{mask_destination(url)}: give the e-mail address itself, not a mailto URL"
    if instantiate(url, quiet=True) is None:
        return f"{mask_destination(url)}: {RETIRED.get(scheme, f'not a notification URL apprise can read (see {SERVICES})')}"
    return None


def warm() -> None:
    """Load apprise and its plugins now (blocking, ~1 s the first time): a worker thread calls it
    so that checking a URL typed into the dashboard's editor never stalls the screen."""
    instantiate("json://localhost", quiet=True)
