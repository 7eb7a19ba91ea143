"""E-mail delivery of generated reports with smtplib (blocking: call from a thread).

The outcome is recorded per recipient: a server that refuses one address still
delivers to the others, and a failed delivery never touches the saved report.
Passwords from the SMTP URL never appear in outcomes or logs, even echoed by the server.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from tui_analytics.config.settings import SmtpSettings
from tui_analytics.data.smtp import describe_smtp_error, parse_smtp_url, send_message
from tui_analytics.reports.models import DeliveryRecord
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import redact_value

SENT = "sent"
PARTIAL = "partial"
FAILED = "failed"
NOT_SENT = "not-sent"  # no SMTP settings: the report is saved, not mailed
NO_RECIPIENTS = "no-recipients"


@dataclass(frozen=True)
class DeliveryResult:
    """`status` is one of sent, partial, failed, not-sent, no-recipients; `recipients` maps address -> 'sent' or the error."""

    status: str
    recipients: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    note: str | None = None  # e.g. the file was over the template's cap and its path was sent instead

    def __post_init__(self) -> None:
        # An SMTP server may echo the credentials it was sent ("535 bad credentials: u pass").
        object.__setattr__(self, "recipients", redact_value(self.recipients))
        object.__setattr__(self, "error", redact_value(self.error))

    def to_dict(self) -> DeliveryRecord:
        data = DeliveryRecord(status=self.status, recipients=dict(self.recipients), error=self.error)
        if self.note:
            data["note"] = self.note
        return data


def build_message(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachment: Path | None,
    content_type: str,
    html: str | None = None,
) -> EmailMessage:
    """The report mail: `body` as text/plain, with `html` beside it as text/html when given
    (multipart/alternative: a text-only client shows the plain part), then the file."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tui-analytics")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is None:  # too large to attach: the body says where the file is
        return message
    maintype, subtype = _mime_type(attachment, content_type)
    message.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name)
    return message


def _mime_type(path: Path, content_type: str) -> tuple[str, str]:
    if path.name.endswith(".gz"):
        return "application", "gzip"
    mime = (content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream").split(";")[0].strip()
    maintype, _, subtype = mime.partition("/")
    return maintype or "application", subtype or "octet-stream"


def send_report(
    smtp: SmtpSettings | None,
    recipients: Sequence[str],
    *,
    subject: str,
    body: str,
    attachment: Path | None,
    content_type: str,
    note: str | None = None,
    html: str | None = None,
) -> DeliveryResult:
    """Mail the report file to every recipient (`attachment` None: a message without it, whose
    body names the file); never raises for delivery problems. `note` is kept with the outcome."""
    if not recipients:
        return DeliveryResult(NO_RECIPIENTS)
    if smtp is None:
        return DeliveryResult(NOT_SENT, {r: "not sent: no SMTP server configured" for r in recipients})
    try:
        parse_smtp_url(smtp.url)  # a bad URL fails every recipient with one clear line
        message = build_message(smtp.sender, recipients, subject, body, attachment, content_type, html)
    except (ConfigError, OSError, ValueError) as exc:
        return _all_failed(recipients, str(exc))
    try:
        refused = send_message(smtp, message, recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        outcome = {r: f"refused: {_describe_refusal(exc.recipients.get(r))}" for r in recipients}
        return DeliveryResult(FAILED, outcome, "every recipient was refused")
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return _all_failed(recipients, describe_smtp_error(exc))
    outcome = {r: (f"refused: {_describe_refusal(refused[r])}" if r in refused else SENT) for r in recipients}
    status = SENT if not refused else (FAILED if len(refused) >= len(recipients) else PARTIAL)
    return DeliveryResult(status, outcome, note=note)


def _describe_refusal(value: object) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        code, text = value
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{code} {text}"
    return "refused by the server"


def _all_failed(recipients: Sequence[str], error: str) -> DeliveryResult:
    return DeliveryResult(FAILED, {r: f"failed: {error}" for r in recipients}, error)


def combined(mail: DeliveryResult, others: dict[str, str]) -> DeliveryResult:
    """The e-mail outcome and the notification URLs' outcomes ({masked URL: outcome}) as one result:
    sent when every destination got it, partial when some did, failed when none did (not-sent when
    nothing was tried: no SMTP server and no URL)."""
    if not others:
        return mail
    outcome = {**mail.recipients, **others}
    sent = sum(1 for value in outcome.values() if value == SENT)
    tried = [value for value in outcome.values() if not value.startswith("not sent")]
    if sent == len(outcome):
        status = SENT
    elif sent:
        status = PARTIAL
    else:
        status = FAILED if tried else NOT_SENT
    failed = [key for key, value in outcome.items() if value != SENT]
    error = mail.error if not failed else f"not delivered to: {', '.join(failed)}"
    return DeliveryResult(status, outcome, error if status != SENT else None, note=mail.note)
