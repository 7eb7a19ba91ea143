"""The words of an alert: one line a person reads in a chat or a mail subject, free of secrets."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from tui_analytics.alerts.models import TEST, Alert
from tui_analytics.config.alert_targets import DATA_ALERT, JOB_FAILED, JOB_LATE, RECOVERED, REPORT_FAILED
from tui_analytics.runtime.redact import redact

PREFIX = "[tui-analytics]"
CUT_OFF = "not delivered: the process sending it stopped (killed) before it was sent"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def span(seconds: float) -> str:
    """'45 s', '12 min', '2 h 5 min', '3 d 4 h': a duration as people say it."""
    seconds = max(0, int(round(seconds)))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def clean(text: str | None, limit: int = 500) -> str:
    """One line: no control characters (it may become a mail subject), no secret, at most `limit` characters."""
    if not text:
        return ""
    text = redact(" ".join(_CONTROL.sub(" ", text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def what(subject: str, name: str) -> str:
    """'job top-items' or "report 'Daily activity summary'"."""
    kind, _, ident = subject.partition(":")
    if kind == "rule":
        return f"rule {ident}"
    return f"job {ident}" if kind == "job" else f"report {name or ident!r}" if kind == "report" else subject


def _clock(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def build(
    kind: str,
    subject: str,
    name: str,
    at: datetime,
    *,
    host: str,
    error: str | None = None,
    since: datetime | None = None,
    failures: int = 0,
    reminder: bool = False,
) -> Alert:
    """The alert for an incident's event; its text says what happened, since when, and on which host."""
    error = clean(error) or None
    thing = what(subject, name)
    if kind == JOB_FAILED or kind == REPORT_FAILED:
        line = f"{thing} failed: {error or 'no error given'}"
    elif kind == JOB_LATE:
        line = f"{thing} is late: {error}"
    elif kind == DATA_ALERT:
        line = f"{thing}: {error}"
    elif kind == RECOVERED:
        runs = f" after {failures} failed run{'s' if failures != 1 else ''}" if failures else ""
        line = f"{thing} recovered{runs}" + (f": {error}" if error else "")
        if since is not None:
            state = "firing" if subject.startswith("rule:") else "failing"
            line += f"; {state} since {_clock(since)} ({span((at - since).total_seconds())})"
    elif kind == TEST:
        line = f"test alert to {name}: alerts reach this target"
    else:
        line = f"{thing}: {kind}"
    if reminder and since is not None:
        line = f"reminder, still open after {span((at - since).total_seconds())}: {line}"
    text = clean(f"{PREFIX} {line} (on {host})" if host else f"{PREFIX} {line}", 1000)
    return Alert(uuid.uuid4().hex, kind, subject, clean(name, 200), at, text, error, since, failures, clean(host, 100))
