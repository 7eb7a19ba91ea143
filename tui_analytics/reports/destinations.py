"""A report template's destinations: e-mail addresses and notification URLs side by side.

A template's `recipients` hold e-mail addresses and notification URLs (`slack://...`,
`workflows://...` for Teams, `discord://`, `matrix://`, `ntfy://`, `pagerduty://`, `json://`
for a plain webhook: whatever apprise reads; sent by data/notify.py). A URL is a secret: it is
registered with the redaction net, and everything stored or shown names it
`scheme://***~fingerprint`; an editor that gets the masked form back keeps the stored URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tui_analytics.config.notify_urls import url_problem
from tui_analytics.data.notify import SENT, ChatMessage, send_to_urls
from tui_analytics.runtime.errors import TemplateValidationError
from tui_analytics.runtime.redact import is_notification_url, mask_destination

__all__ = ["SENT", "ChatMessage", "send_to_urls", "split_destinations", "validate_url", "shown", "unmask"]


def split_destinations(recipients: Sequence[str]) -> tuple[list[str], list[str]]:
    """(e-mail addresses, notification URLs), each in the template's order."""
    emails = [r for r in recipients if not is_notification_url(r)]
    urls = [r for r in recipients if is_notification_url(r)]
    return emails, urls


def validate_url(value: str) -> str:
    """`value` if apprise reads it as a notification service; else one masked line saying so."""
    problem = url_problem(value)
    if problem is not None:
        raise TemplateValidationError(f"destination {problem}")
    return value.strip()


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
