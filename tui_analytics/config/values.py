"""Reading one setting's value: numbers, booleans, the SMTP URL and sender, directories.

Each check raises ConfigError with one short line that names the setting; a value
quoted back is cut (`shorten`), so a 5,000-character input gives a line, not a page.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from tui_analytics.runtime.errors import ConfigError

# The longest file name and path the usual file systems take (NAME_MAX, PATH_MAX).
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095

_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def shorten(value: object, limit: int = 60) -> str:
    """repr(value), cut to `limit` characters: an error line quotes input without growing huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'" + f" ({len(str(value)):,} characters)"


def parse_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {shorten(value)}")


MAX_GRACE = 1000.0  # intervals


def parse_grace(name: str, value: object) -> float:
    """How many of a job's intervals may pass without a successful run before it is late (the
    alerts' grace; here rather than in alert_targets.py, which loads only when alerts are set)."""
    return parse_number(name, value, minimum=1, maximum=MAX_GRACE)


def parse_number(name: str, value: object, *, minimum: float, maximum: float, whole: bool = False) -> float:
    """A finite number in [minimum, maximum] from a TOML number or a text of ASCII digits."""
    if isinstance(value, str) and _ASCII_NUMBER.fullmatch(value.strip()):
        number = float(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf
    else:
        raise ConfigError(f"{name} must be a number, got {shorten(value)}")
    if not minimum <= number <= maximum:  # also NaN and infinity
        raise ConfigError(f"{name} must be at least {minimum:,.10g} and at most {maximum:,.10g}, got {shorten(value)}")
    if whole and not number.is_integer():
        raise ConfigError(f"{name} must be a whole number, got {shorten(value)}")
    return number


def check_smtp_url(name: str, url: str, masked: str) -> str:
    """smtp:// or smtps:// with a host name and a valid port (checked now, not at the first e-mail)."""
    usage = "(e.g. smtp://user:pass@mail.example.com:587?starttls=true)"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ConfigError(f"{name} has an invalid port or host: {shorten(masked)} {usage}") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(f"{name} must start with smtp:// or smtps://, got {shorten(masked)} {usage}")
    if not host or not _HOST.fullmatch(host) or len(host) > 253:
        raise ConfigError(f"{name} needs a host name (ASCII letters, digits, dots), got {shorten(masked)}")
    if port == 0:
        raise ConfigError(f"{name} has an invalid port: {shorten(masked)}")
    return url


def check_sender(name: str, value: str) -> str:
    """An e-mail address, alone or with a display name ("Reports <reports@example.com>")."""
    from email.utils import getaddresses, parseaddr  # the email package: only when a sender is configured

    if len(getaddresses([value])) > 1:  # parseaddr would keep the first and drop the rest unseen
        raise ConfigError(f"{name} must be one e-mail address, got {len(getaddresses([value]))}: {shorten(value)}")
    display, address = parseaddr(value)
    if re.search(r"[\x00-\x1f\x7f]", value) or not _ADDRESS.fullmatch(address) or len(address) > 254:
        raise ConfigError(f"{name} must be an e-mail address such as reports@example.com, got {shorten(value)}")
    return value


def check_dir(name: str, path: Path) -> Path:
    """A directory the app can create or use: no part of it an existing file, no name too long.

    Only looks (stat), never creates: a bad setting is refused before anything is written.
    """
    text = os.fsencode(path)
    if len(text) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in text.split(b"/")):
        raise ConfigError(f"{name} is too long a path ({len(text):,} bytes): {shorten(str(path))}")
    for candidate in (path, *path.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise ConfigError(f"{name} {shorten(str(path))}: {shorten(str(candidate))} is not a directory")
            break
    return path
