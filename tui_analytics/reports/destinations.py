"""Notification-URL destinations (chat, paging, webhooks) sent through apprise.

A template's `recipients` hold e-mail addresses and notification URLs (`slack://...`,
`workflows://...` for Teams, `discord://`, `matrix://`, `ntfy://`, `pagerduty://`, `json://`
for a plain webhook: whatever apprise reads). A URL is a secret: it is registered with the
redaction net, and everything stored or shown names it `scheme://***~fingerprint`.

apprise is blocking (requests): `send_to_urls` runs each destination in its own worker thread,
bounded by a timeout, and is itself called from a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from tui_analytics.runtime.errors import TemplateValidationError, one_line
from tui_analytics.runtime.redact import is_notification_url, mask_destination, register_destination

log = logging.getLogger(__name__)

SENT = "sent"
TIMEOUT_S = 20.0  # the whole of one destination's delivery, attachment included
# Schemes older apprise releases had and 2.x dropped, with what replaced them.
_RETIRED = {"msteams": "Microsoft retired Teams connectors; use workflows://HOST/WORKFLOW/SIGNATURE (Power Automate)"}


@dataclass(frozen=True)
class ChatMessage:
    """One message to every URL destination: `markdown` for services that render it, `text` for
    the others; `attachment` attached where the service takes files (None: the text names it)."""

    title: str
    markdown: str
    text: str
    attachment: Path | None = None
    note_text: str = ""  # added where the file is not attached: its path and size
    note_markdown: str = ""


def split_destinations(recipients: Sequence[str]) -> tuple[list[str], list[str]]:
    """(e-mail addresses, notification URLs), each in the template's order."""
    emails = [r for r in recipients if not is_notification_url(r)]
    urls = [r for r in recipients if is_notification_url(r)]
    return emails, urls


_quiet = threading.local()


class _QuietWhileValidating(logging.Filter):
    """Drops apprise's own "Unparseable URL" lines while a URL is only being checked: the check
    says what is wrong in one line of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


_apprise_log = logging.getLogger("apprise")
_apprise_log.addFilter(_QuietWhileValidating())


def _instantiate(url: str, *, quiet: bool = False) -> object | None:
    import apprise  # here: loading its ~150 plugins costs a noticeable part of a second

    _quiet.on = quiet
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        _quiet.on = False


def validate_url(value: str) -> str:
    """`value` if apprise reads it as a notification service; else one masked line saying so."""
    url = value.strip()
    register_destination(url)
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("mailto", "mailtos"):
        raise TemplateValidationError(f"destination {mask_destination(url)}: give the e-mail address itself, not a mailto URL")
    if _instantiate(url, quiet=True) is None:
        hint = _RETIRED.get(scheme, "not a notification URL apprise can read (see https://appriseit.com/services/)")
        raise TemplateValidationError(f"destination {mask_destination(url)}: {hint}")
    return url


def shown(recipients: Sequence[str]) -> list[str]:
    """The recipients as they may be shown or stored anywhere: URLs masked, addresses as they are."""
    return [mask_destination(r) for r in recipients]


def unmask(value: object, stored: Sequence[str]) -> object:
    """A recipients value (a list, or text separated by commas or semicolons) with each masked form
    of a stored URL put back as that URL: an editor that showed the masked form and got it back
    unchanged keeps the destination. Anything else is returned as it is, for validation."""
    known = {mask_destination(url): url for url in stored if is_notification_url(url)}
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return value
    return [known.get(v.strip(), v) if isinstance(v, str) else v for v in items]


def _send_one(url: str, message: ChatMessage) -> str:
    from apprise import AppriseAttachment, NotifyFormat

    plugin = _instantiate(url)
    if plugin is None:
        return "failed: not a notification URL apprise can read"
    from apprise.plugins.base import NotifyBase

    assert isinstance(plugin, NotifyBase)
    # Each request is bounded too, so a stalled service frees its thread soon after the timeout.
    plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), TIMEOUT_S / 2)
    plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), TIMEOUT_S / 2)
    if hasattr(plugin, "include_image"):  # apprise's default icon is a link to github.com: no remote content
        setattr(plugin, "include_image", False)  # noqa: B010 - an attribute only some plugins have
    markdown = NotifyFormat.MARKDOWN in _formats(plugin)
    attach = AppriseAttachment(str(message.attachment)) if message.attachment and _takes_files(plugin) else None
    body = message.markdown if markdown else message.text
    if attach is None and message.note_text:
        body += "\n" + (message.note_markdown if markdown else message.note_text) + "\n"
    ok = plugin.notify(
        body=body,
        title=message.title,
        body_format=NotifyFormat.MARKDOWN if markdown else NotifyFormat.TEXT,
        attach=attach,
    )
    return SENT if ok else "failed: the service refused the message or could not be reached (see the log)"


def _takes_files(plugin: object) -> bool:
    # Slack takes files only as a bot (a webhook URL drops them with a warning).
    mode = getattr(plugin, "mode", None)
    if type(plugin).__name__ == "NotifySlack" and str(getattr(mode, "value", mode)).lower() != "bot":
        return False
    return bool(getattr(plugin, "attachment_support", False))


def _formats(plugin: object) -> tuple[object, ...]:
    formats = getattr(plugin, "notify_format", ())
    return tuple(formats) if isinstance(formats, (tuple, list)) else (formats,)


def send_to_urls(urls: Sequence[str], message: ChatMessage, timeout: float = TIMEOUT_S) -> dict[str, str]:
    """Send `message` to every URL at once; {masked URL: 'sent' or why not}. Never raises."""
    if not urls:
        return {}
    for url in urls:
        register_destination(url)
    outcome: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=min(8, len(urls)), thread_name_prefix="destination")
    try:
        futures = {url: pool.submit(_send_one, url, message) for url in urls}
        deadline = time.monotonic() + timeout  # they run at once: one timeout bounds them all
        for url, future in futures.items():
            try:
                outcome[mask_destination(url)] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                outcome[mask_destination(url)] = f"failed: no answer within {timeout:g} s"
            except Exception as exc:  # a plugin's own bug fails its destination, not the others
                log.warning("destination %s failed: %s", mask_destination(url), one_line(exc))
                outcome[mask_destination(url)] = f"failed: {one_line(exc)}"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a stalled request ends at its socket timeout
    return outcome
