"""Keeping database and SMTP passwords out of everything a person or a file can see.

Every message that carries a URL is already masked where it is written
(`config.mask_url`, `db.describe_error`). This module is the safety net under
that: every log record (message and traceback) and every error line the CLI
prints goes through `redact`, which masks URL userinfo passwords, secret-looking
query parameters (`?password=`, `sslpassword`, `token`...) and any password of a
configured URL wherever it appears (a driver may echo it in its own words).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
_SECRET_KEY = r"[\w.-]*(?:pass|pwd|secret|token|key|auth)[\w.-]*"
_USERINFO = re.compile(r"(?P<pre>[a-z][\w+.-]*://[^/\s:@'\"]*:)(?P<secret>[^@\s'\"]+)(?P<post>@)", re.IGNORECASE)
_QUERY = re.compile(rf"(?P<pre>[?&;\s]{_SECRET_KEY}=)(?P<secret>[^&\s'\"]+)", re.IGNORECASE)

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def url_secrets(url: str | None) -> list[str]:
    """The password and secret-looking query values of a URL, raw and decoded, longest first."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    found = [password] if password else []
    found += [v for k, v in parse_qsl(parts.query) if re.fullmatch(_SECRET_KEY, k, re.IGNORECASE)]
    out: set[str] = set()
    for value in found:
        out.update({value, unquote(value)})
    # Very short values ("x") would mask half of every message; the patterns still catch them in URLs.
    return sorted((v for v in out if len(v) >= 3), key=len, reverse=True)


def register_url(url: str | None) -> None:
    """Remember a configured URL's secrets so they are masked wherever they turn up."""
    secrets = url_secrets(url)
    if secrets:
        with _lock:
            _known.update(secrets)


def register_environment(env: Mapping[str, str] | None = None) -> None:
    """Register the URLs configured in the environment (before anything can fail and print them)."""
    import os

    env = os.environ if env is None else env
    for name in ("TUI_ANALYTICS_DATABASE_URL", "TUI_ANALYTICS_STATE_URL", "TUI_ANALYTICS_SMTP_URL"):
        register_url(env.get(name))


def redact(text: str) -> str:
    """`text` with passwords in URLs, secret query values and known secrets replaced by ***."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: m["pre"] + MASK + m["post"], text)
    text = _QUERY.sub(lambda m: m["pre"] + MASK, text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def install_log_redaction() -> None:
    """Redact every log record from now on, whichever handler writes it (idempotent).

    A record factory, not a handler filter, so the dashboard's file handler and
    handlers added later are covered too.
    """
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    logging.setLogRecordFactory(factory)
