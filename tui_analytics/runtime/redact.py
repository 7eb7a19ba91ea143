"""Keeping database and SMTP passwords out of everything a person or a file can see.

Every message that carries a URL is already masked where it is written
(`config.mask_url`, `db.describe_error`). This module is the safety net under
that, and the one place every stored or shown text passes through: `one_line`
(every error line), the job and report histories (written and read), delivery
outcomes, every log record (message and traceback) and every line the CLI
prints go through `redact`. It masks URL userinfo passwords (up to the last `@`,
so an unencoded `?`, `#`, `/` or `@` in one does not cut it short), secret-looking
query parameters (`?password=`, `sslpassword`, `token`...) and any password of a
configured URL wherever it appears: a driver or an SMTP server may echo it in
its own words, decoded or in base64.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Mapping
from typing import TextIO, TypeVar, cast
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
_SECRET_KEY = r"[\w.-]*(?:pass|pwd|secret|token|key|auth)[\w.-]*"
# The password runs to the last "@" of the URL: an unencoded "@", "?", "#", "/" or "%" in it
# must not end the match early and leave the rest of the password in the text.
_USERINFO = re.compile(r"(?P<pre>[a-z][\w+.-]*://[^/?#\s:@'\"]*:)(?P<secret>[^\s'\"]+)(?P<post>@)", re.IGNORECASE)
_QUERY = re.compile(rf"(?P<pre>[?&;\s]{_SECRET_KEY}=)(?P<secret>[^&\s'\"]+)", re.IGNORECASE)

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def userinfo(url: str) -> tuple[int, int, str, str] | None:
    """Where the password of `scheme://user:password@host...` lies: (start, end, user, password),
    url[start:end] being the password; None when the URL has no password.

    When the URL does not parse (urlsplit ends the host part at the first `/`, `?` or `#`,
    so a password with one of those unencoded leaves no userinfo or no host), whatever
    sits between `://user:` and the last `@` is taken as the password.
    """
    scheme_end = url.find("://")
    if scheme_end < 1 or not re.fullmatch(r"[a-z][\w+.-]*", url[:scheme_end], re.IGNORECASE):
        return None
    begin = scheme_end + 3
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        netloc = ""
    # urlsplit's reading when it finds a userinfo and a host after it, else the last "@".
    before, at_sign, host = netloc.rpartition("@")
    at = begin + len(before) if at_sign and host else url.rfind("@")
    user, colon, password = url[begin:at].partition(":") if at > begin else ("", "", "")
    if not colon or re.search(r"[/?#@\s]", user):
        return None
    return begin + len(user) + 1, at, user, password


def url_secrets(url: str | None) -> list[str]:
    """The password and secret-looking query values of a URL, longest first.

    Each raw and percent-decoded; also the pieces of a password with an unencoded `@`
    (SQLAlchemy splits at the first `@` and a driver then names the rest as the host),
    and the base64 of SMTP AUTH PLAIN (a server may echo what it was sent).
    """
    if not url:
        return []
    found: list[str] = []
    info = userinfo(url)
    if info is not None and info[3]:
        found += [info[3], *info[3].split("@")]
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    found += [v for k, v in parse_qsl(query) if re.fullmatch(_SECRET_KEY, k, re.IGNORECASE)]
    out: set[str] = set()
    for value in found:
        out.update({value, unquote(value)})
    if info is not None and info[3]:
        plain = f"\0{unquote(info[2])}\0{unquote(info[3])}".encode()
        out.add(base64.b64encode(plain).decode())
    # Very short values ("x") would mask half of every message; the patterns still catch them in URLs.
    return sorted((v for v in out if len(v) >= 3), key=len, reverse=True)


def register_url(url: str | None) -> None:
    """Remember a configured URL's secrets so they are masked wherever they turn up."""
    secrets = url_secrets(url)
    if secrets:
        with _lock:
            _known.update(secrets)


def register_secret(value: str | None) -> None:
    """Remember a secret that is not part of a URL (a webhook's secret header) so it is masked everywhere."""
    if value and len(value) >= 3:
        with _lock:
            _known.add(value)


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


T = TypeVar("T")


def redact_value(value: T) -> T:
    """`value` with `redact` applied to every text in it (dicts and lists walked); the same shape back."""
    return cast(T, _redacted(value))


def _redacted(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redacted(item) for item in value)
    return value


def install_log_redaction() -> None:
    """Redact every log record from now on, whichever handler writes it (idempotent).

    A record factory, not a handler filter, so the dashboard's file handler and
    handlers added later are covered too.
    """
    import logging  # here: the CLI imports this module first thing, and every import delays
    import traceback  # the moment its Ctrl-C handling is in place

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


class RedactingWriter:
    """A text stream that passes each line through `redact` before writing it on.

    The CLI puts one over stdout and stderr while a command runs, so no table,
    JSON or message it prints can show a password, whichever code printed it.
    Text is held until a newline or a flush (a password never straddles a line).
    Binary writes (`.buffer`, an export to stdout) go straight through: exported
    data is the data.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._stream.write(redact(complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            text, self._pending = self._pending, ""
            self._stream.write(redact(text))
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


# A notification URL (slack://T/B/C, json://host/hook?token=...) is a secret as a whole: whoever
# has it can post. Only its scheme is shown, with a short fingerprint of the whole so that two
# destinations of one kind can still be told apart (and a shown form matched to a stored URL).
MIN_TOKEN = 12  # a piece of a notification URL this long is taken for a token of its own
_NOTIFY_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)


def is_notification_url(value: str) -> bool:
    """True when `value` is a `scheme://...` notification URL rather than an e-mail address."""
    return _NOTIFY_URL.fullmatch(value.strip()) is not None


def url_fingerprint(url: str) -> str:
    """Six hex characters of the URL's SHA-256: stable, and too short to say anything about it."""
    import hashlib

    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:6]


def mask_destination(value: str) -> str:
    """An e-mail address as it is; a notification URL as `scheme://***~fingerprint`."""
    text = value.strip()
    if not is_notification_url(text):
        return text
    scheme = text.split("://", 1)[0].lower()
    return f"{scheme}://{MASK}~{url_fingerprint(text)}"


def register_destination(value: str) -> None:
    """Mask a notification URL wherever it turns up from now on (all of it but the scheme)."""
    text = value.strip()
    if is_notification_url(text):
        register_secret(text)
        rest = text.split("://", 1)[1]
        register_secret(rest)
        # A service's own log may name one token of it (Slack's B.../X..., a topic, a signature).
        for piece in re.split(r"[/?&=@#]", rest):
            if len(piece) >= MIN_TOKEN:
                register_secret(piece)
