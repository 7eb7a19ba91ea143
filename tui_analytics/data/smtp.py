"""The SMTP connection the settings describe: reports and alerts both send through it.

Blocking (smtplib): call from a worker thread. Errors are smtplib's and OSError;
`describe_smtp_error` turns one into a line without the password (a server may
echo the credentials it was sent).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from tui_analytics.config.settings import SmtpSettings
from tui_analytics.runtime.errors import ConfigError, one_line


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    use_ssl: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://[user[:pass]@]host[:port][?starttls=true] or smtps://... (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("the SMTP URL must look like smtp://user:pass@host:587?starttls=true or smtps://host:465")
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if use_ssl else 25)
    except ValueError:
        raise ConfigError("the SMTP URL has an invalid port") from None
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        use_ssl=use_ssl,
        starttls=query.get("starttls") in ("1", "true", "yes", "on"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def describe_smtp_error(exc: BaseException) -> str:
    """'550 no such mailbox' for a server's answer, else the error in one line (callers mask the result)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}".strip()
    return one_line(exc, with_type=True)


def send_message(smtp: SmtpSettings, message: EmailMessage, recipients: Sequence[str]) -> dict[str, tuple[int, bytes]]:
    """Send one message; returns the recipients the server refused ({address: (code, text)})."""
    target = parse_smtp_url(smtp.url)
    context = ssl.create_default_context()
    client = (
        smtplib.SMTP_SSL(target.host, target.port, timeout=smtp.timeout, context=context)
        if target.use_ssl
        else smtplib.SMTP(target.host, target.port, timeout=smtp.timeout)
    )
    with client:
        client.ehlo_or_helo_if_needed()
        if target.starttls:
            client.starttls(context=context)
            client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
        return client.send_message(message, from_addr=smtp.sender, to_addrs=list(recipients))
