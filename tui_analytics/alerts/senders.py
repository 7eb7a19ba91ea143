"""Sending one alert to one target: a webhook POST or an e-mail, retried with backoff (blocking).

A failure the next attempt may not have (no connection, a timeout, HTTP 5xx, 408 or
429, an SMTP 4xx) is retried, waiting longer each time; one it will have again (HTTP
4xx, a refused address, a bad login) ends the delivery at once. Redirects are not
followed: they would carry the secret header to wherever they point. Nothing here
raises: the outcome says what happened, in words free of secrets.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from tui_analytics.alerts.models import FAILED, SENT, Alert
from tui_analytics.alerts.wording import clean
from tui_analytics.config.alert_targets import AlertTarget
from tui_analytics.config.settings import SmtpSettings
from tui_analytics.data.smtp import describe_smtp_error, send_message
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.redact import redact
from tui_analytics.runtime.retry import RetryPolicy

# Waits before retries 1, 2, 3...: about 1, 2, 4 s ... up to 30 s (less up to a quarter: jitter).
BACKOFF = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.25)

Wait = Callable[[float], bool]  # sleeps; True means "stop retrying" (the app is quitting)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | failed
    attempts: int
    error: str | None = None


class _Failure(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None  # urllib then raises HTTPError for the 3xx


_opener = urllib.request.build_opener(_NoRedirects())


def deliver(target: AlertTarget, alert: Alert, smtp: SmtpSettings | None, wait: Wait,
            backoff: RetryPolicy = BACKOFF) -> Outcome:
    """Send `alert` to `target`, up to `target.attempts` times; `wait(seconds)` between attempts."""
    attempt = 0
    while True:
        attempt += 1
        try:
            if target.url:
                post_webhook(target, alert)
            else:
                send_email(target, alert, smtp)
            return Outcome(SENT, attempt)
        except _Failure as exc:
            error = clean(_without_url(str(exc), target), 300)
            if not exc.transient or attempt >= target.attempts:
                return Outcome(FAILED, attempt, error)
        except Exception as exc:  # a bug in a sender must not reach the job: recorded as the failure
            return Outcome(FAILED, attempt, clean(_without_url(one_line(exc, with_type=True), target), 300))
        if wait(backoff.delay(attempt)):
            return Outcome(FAILED, attempt, f"{error} (not retried: the app stopped)")


def _without_url(text: str, target: AlertTarget) -> str:
    """An error's text with the webhook's URL, path and query replaced by where it sends (host only)."""
    if target.url:
        parts = urlsplit(target.url)
        for secret in (target.url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.path):
            if len(secret) > 1:
                text = text.replace(secret, target.where if secret == target.url else "/...")
    return redact(text)


def post_webhook(target: AlertTarget, alert: Alert) -> None:
    """One POST of the alert's JSON; raises _Failure when it is not answered with 2xx."""
    assert target.url is not None
    from tui_analytics import __version__

    body = json.dumps(alert.payload(slack=target.slack)).encode("utf-8")
    request = urllib.request.Request(target.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"tui-analytics/{__version__}",
    })
    if target.secret:
        request.add_header(target.secret_header, target.secret)
    try:
        with _opener.open(request, timeout=target.timeout) as response:
            response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        code = exc.code
        transient = code >= 500 or code in (408, 429)
        raise _Failure(f"HTTP {code} {exc.reason}".strip() + (" (redirects are not followed)" if 300 <= code < 400 else ""),
                       transient=transient) from None
    except urllib.error.URLError as exc:
        reason = one_line(exc.reason) if isinstance(exc.reason, BaseException) else str(exc.reason)
        raise _Failure(f"cannot reach {target.where}: {reason}", transient=True) from None
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise _Failure(f"{target.where}: {one_line(exc, with_type=True)}", transient=True) from None


def send_email(target: AlertTarget, alert: Alert, smtp: SmtpSettings | None) -> None:
    """One e-mail to the target's addresses through the SMTP settings; raises _Failure unless one is accepted."""
    if smtp is None:
        raise _Failure("no SMTP server configured (smtp_url)", transient=False)
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(target.email)
    message["Subject"] = alert.text[:200]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tui-analytics")
    facts = [alert.text, "", f"event: {alert.kind}", f"{alert.subject_type}: {alert.subject_id}"]
    facts += [f"error: {alert.error}"] if alert.error else []
    facts += [f"since: {alert.since.isoformat()}"] if alert.since else []
    facts += [f"at: {alert.at.isoformat()}", f"host: {alert.host}", "", "-- tui-analytics"]
    message.set_content("\n".join(facts) + "\n")
    try:
        refused = send_message(smtp, message, target.email)
    except smtplib.SMTPRecipientsRefused:
        raise _Failure("every address was refused", transient=False) from None
    except smtplib.SMTPResponseException as exc:
        raise _Failure(describe_smtp_error(exc), transient=400 <= exc.smtp_code < 500) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise _Failure(describe_smtp_error(exc), transient=True) from None
    if refused and len(refused) >= len(target.email):
        raise _Failure("every address was refused", transient=False)
