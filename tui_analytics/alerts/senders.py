"""Sending one alert to one target: a webhook POST or an e-mail, retried with backoff (blocking).

A failure the next attempt may not have (no connection, a timeout, HTTP 5xx, 408 or
429, an SMTP 4xx) is retried, waiting longer each time; one it will have again (HTTP
4xx, a refused address, a bad login) ends the delivery at once. A 429 or 503 with
`Retry-After` waits what the server asks, at most RETRY_AFTER_MAX. Redirects are not
followed: they would carry the secret header to wherever they point. With a signing
secret the body is signed as Stripe does (`t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`).
Nothing here raises: the outcome says what happened, in words free of secrets.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from urllib.parse import urlsplit

from tui_analytics.alerts.models import FAILED, SENT, Alert
from tui_analytics.alerts.wording import clean
from tui_analytics.config.alert_targets import NOTIFY, AlertTarget
from tui_analytics.config.settings import SmtpSettings
from tui_analytics.data.notify import SENT as NOTIFY_SENT
from tui_analytics.data.notify import ChatMessage, send_to_urls
from tui_analytics.data.smtp import describe_smtp_error, send_message
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.redact import redact
from tui_analytics.runtime.retry import RetryPolicy

# Waits before retries 1, 2, 3...: about 1, 2, 4 s ... up to 30 s (less up to a quarter: jitter).
BACKOFF = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.25)

Wait = Callable[[float], bool]  # sleeps; True means "stop retrying" (the app is quitting)
SIGNATURE_HEADER = "X-Tui-Analytics-Signature"
# The longest wait a Retry-After may ask for: the longest the backoff itself waits between attempts.
RETRY_AFTER_MAX = BACKOFF.max_delay


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | failed
    attempts: int
    error: str | None = None


class _Failure(Exception):
    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


def deliver(
    target: AlertTarget,
    alert: Alert,
    smtp: SmtpSettings | None,
    wait: Wait,
    backoff: RetryPolicy = BACKOFF,
    flights: Flights | None = None,
    now: Callable[[], float] = time.time,
) -> Outcome:
    """Send `alert` to `target`, up to `target.attempts` times; `wait(seconds)` between attempts
    (the backoff's, or the server's Retry-After). A webhook attempt is one of `flights` while it
    runs (its owner may abandon them all); `now()` is the signature's Unix time."""
    attempt = 0
    while True:
        attempt += 1
        retry_after: float | None = None
        try:
            if target.url and target.kind == NOTIFY:
                post_notification(target, alert)
            elif target.url:
                post_webhook(target, alert, flights or Flights(), now)
            else:
                send_email(target, alert, smtp)
            return Outcome(SENT, attempt)
        except _Failure as exc:
            error = clean(_without_url(str(exc), target), 300)
            if not exc.transient or attempt >= target.attempts:
                return Outcome(FAILED, attempt, error)
            retry_after = exc.retry_after
        except Exception as exc:  # a bug in a sender must not reach the job: recorded as the failure
            return Outcome(FAILED, attempt, clean(_without_url(one_line(exc, with_type=True), target), 300))
        if wait(backoff.delay(attempt) if retry_after is None else retry_after):
            return Outcome(FAILED, attempt, f"{error} (not retried: the app stopped)")


def _without_url(text: str, target: AlertTarget) -> str:
    """An error's text with the webhook's URL, path and query replaced by where it sends (host only)."""
    if target.url:
        parts = urlsplit(target.url)
        for secret in (target.url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.path):
            if len(secret) > 1:
                text = text.replace(secret, target.where if secret == target.url else "/...")
    return redact(text)


def post_notification(target: AlertTarget, alert: Alert) -> None:
    """The alert's text to a notification URL through apprise (plain text: an error message is
    not markdown); raises _Failure, transient, when it was not delivered within `target.timeout`."""
    assert target.url is not None
    message = ChatMessage(title=f"tui-analytics: {alert.name}", markdown="", text=alert.text, failure=alert.kind != "recovered")
    outcome = send_to_urls([target.url], message, timeout=target.timeout)[target.where]
    if outcome != NOTIFY_SENT:
        raise _Failure(f"{target.where}: {outcome.removeprefix('failed: ')}", transient=True)


def sign(secret: str, body: bytes, unix_time: int) -> str:
    """The signature header's value: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>`."""
    digest = hmac.new(secret.encode("utf-8"), f"{unix_time}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={unix_time},v1={digest}"


def retry_after(value: str | None, now: float) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds to wait, 0 to RETRY_AFTER_MAX; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - datetime.fromtimestamp(now, timezone.utc).timestamp()
    return min(max(0.0, seconds), RETRY_AFTER_MAX)


def post_webhook(target: AlertTarget, alert: Alert, flights: Flights | None = None, now: Callable[[], float] = time.time) -> None:
    """One POST of the alert's JSON; raises _Failure when it is not answered with 2xx within
    `target.timeout` seconds, all of it: connecting, sending and reading the answer. (A socket
    timeout alone bounds each read, so a server that answers a byte a second never ends.)"""
    assert target.url is not None
    from tui_analytics.runtime.version import __version__

    parts = urlsplit(target.url)
    body = json.dumps(alert.payload(slack=target.slack)).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"tui-analytics/{__version__}"}
    if target.secret:
        headers[target.secret_header] = target.secret
    if target.signing_secret:
        headers[SIGNATURE_HEADER] = sign(target.signing_secret, body, int(now()))
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=target.timeout)
    deadline = _Deadline(connection, target.timeout, flights or Flights())
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        code, reason, wait = response.status, response.reason, response.getheader("Retry-After")
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        if deadline.abandoned:
            raise _Failure("not delivered: the app stopped during the attempt", transient=False) from None
        if deadline.expired or isinstance(exc, TimeoutError):
            raise _Failure(f"{target.where}: no complete answer within {target.timeout:g} s", transient=True) from None
        raise _Failure(f"cannot reach {target.where}: {one_line(exc)}", transient=True) from None
    finally:
        deadline.cancel()
        connection.close()
    if not 200 <= code < 300:
        transient = code >= 500 or code in (408, 429)
        raise _Failure(
            f"HTTP {code} {reason}".strip() + (" (redirects are not followed)" if 300 <= code < 400 else ""),
            transient=transient,
            retry_after=retry_after(wait, now()) if code in (429, 503) else None,
        )


class _Deadline:
    """Ends a connection's blocking reads and writes once `seconds` have passed since it was made,
    or when the app gives up its deliveries on the way out (Flights.abandon)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float, flights: Flights) -> None:
        self.expired = self.abandoned = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._flights = flights
        flights.add(self)
        self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked recv or send returns at once

    def abandon(self) -> None:
        self.abandoned = True
        self._expire()

    def cancel(self) -> None:
        self._timer.cancel()
        self._flights.discard(self)


class Flights:
    """The webhook attempts in progress for one owner (an alert service): what its quitting ends.
    One per owner, not one per process: a service that quits must not cut another's deliveries."""

    def __init__(self) -> None:
        self._attempts: set[_Deadline] = set()
        self._lock = threading.Lock()

    def add(self, attempt: _Deadline) -> None:
        with self._lock:
            self._attempts.add(attempt)

    def discard(self, attempt: _Deadline) -> None:
        with self._lock:
            self._attempts.discard(attempt)

    def abandon(self) -> int:
        """End every attempt in progress now (quitting, after the grace); returns how many."""
        with self._lock:
            attempts = list(self._attempts)
        for attempt in attempts:
            attempt.abandon()
        return len(attempts)


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
