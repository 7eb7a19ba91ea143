"""Sending one message to notification URLs through apprise (chat, paging, webhooks).

apprise is blocking (requests): `send_to_urls` runs each URL in its own worker thread, all of them
bounded by one timeout, and is itself called from a worker thread, never on the event loop.
Outcomes are keyed by the masked URL (`scheme://***~fingerprint`); nothing here raises.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from tui_analytics.config.notify_urls import instantiate
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.redact import mask_destination, register_destination

log = logging.getLogger(__name__)

SENT = "sent"
TIMEOUT_S = 20.0  # the whole of one destination's delivery, attachment included


@dataclass(frozen=True)
class ChatMessage:
    """One message to every URL: `markdown` for services that render it ('' : `text` everywhere),
    `text` for the others; `attachment` attached where the service takes files, else `note_*` (its
    path and size) added."""

    title: str
    markdown: str
    text: str
    attachment: Path | None = None
    note_text: str = ""
    note_markdown: str = ""
    failure: bool = False  # an alert about a failure (apprise's "failure" type: red where shown)


def _takes_files(plugin: object) -> bool:
    # Slack takes files only as a bot (a webhook URL drops them with a warning).
    mode = getattr(plugin, "mode", None)
    if type(plugin).__name__ == "NotifySlack" and str(getattr(mode, "value", mode)).lower() != "bot":
        return False
    return bool(getattr(plugin, "attachment_support", False))


def _formats(plugin: object) -> tuple[object, ...]:
    formats = getattr(plugin, "notify_format", ())
    return tuple(formats) if isinstance(formats, (tuple, list)) else (formats,)


def send_one(url: str, message: ChatMessage, timeout: float = TIMEOUT_S) -> str:
    """'sent', or why not (blocking)."""
    from apprise import AppriseAttachment, NotifyFormat, NotifyType
    from apprise.plugins.base import NotifyBase

    plugin = instantiate(url)
    if not isinstance(plugin, NotifyBase):
        return "failed: not a notification URL apprise can read"
    # Each request is bounded too, so a stalled service frees its thread soon after the timeout.
    plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), timeout / 2)
    plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), timeout / 2)
    if hasattr(plugin, "include_image"):  # apprise's default icon is a link to github.com: no remote content
        setattr(plugin, "include_image", False)  # noqa: B010 - an attribute only some plugins have
    markdown = bool(message.markdown) and NotifyFormat.MARKDOWN in _formats(plugin)
    attach = AppriseAttachment(str(message.attachment)) if message.attachment and _takes_files(plugin) else None
    body = message.markdown if markdown else message.text
    if attach is None and message.note_text:
        body += "\n" + (message.note_markdown if markdown else message.note_text) + "\n"
    ok = plugin.notify(
        body=body,
        title=message.title,
        notify_type=NotifyType.FAILURE if message.failure else NotifyType.INFO,
        body_format=NotifyFormat.MARKDOWN if markdown else NotifyFormat.TEXT,
        attach=attach,
    )
    return SENT if ok else "failed: the service refused the message or could not be reached (see the log)"


def send_to_urls(urls: Sequence[str], message: ChatMessage, timeout: float = TIMEOUT_S) -> dict[str, str]:
    """Send `message` to every URL at once; {masked URL: 'sent' or why not}. Never raises."""
    if not urls:
        return {}
    for url in urls:
        register_destination(url)
    outcome: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=min(8, len(urls)), thread_name_prefix="destination")
    try:
        futures = {url: pool.submit(send_one, url, message, timeout) for url in urls}
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
