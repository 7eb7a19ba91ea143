"""serve's log: one plain line per record on stderr, one record per service event.

Plain on purpose: no colours or cursor codes whatever stderr is (the journal, a
container log, a terminal), UTC timestamps, `key=value` details. Every record
goes through the redaction the CLI installs (runtime/redact.py), so a password
in a URL or an error message shows as ***.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from tui_analytics.runtime.event_codec import details
from tui_analytics.runtime.event_types import AlertFailed, Event, JobFailed, ReportFailed, SchedulerStateChanged
from tui_analytics.runtime.quiet_log import OneLineFormatter, RepeatFilter
from tui_analytics.runtime.redact import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "tui-analytics stderr"
# Events logged as warnings.
Failure = JobFailed | ReportFailed | AlertFailed
# Details too long or too noisy for one line (cache.changed lists every key it touched).
LEFT_OUT = frozenset({"keys", "fields"})


# The services' own lines that an event line says again with more detail: a failed run (job.failed,
# report.failed), an alert sent or not (alert.sent, alert.failed): (logger, how it starts, what it holds).
RESTATED = (
    ("tui_analytics.processor.processor", "job ", " failed: "),
    ("tui_analytics.reports.run", "report ", " failed: "),
    ("tui_analytics.alerts.service", "alert ", " to "),
)


class _NotRestated(logging.Filter):
    """Drops a service's line that its event line restates (one line per event)."""

    def __init__(self, events: bool) -> None:
        super().__init__()
        self.events = events

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.events:
            return True
        message = record.getMessage()
        return not any(record.name == name and message.startswith(start) and holds in message for name, start, holds in RESTATED)


class JsonLineFormatter(logging.Formatter):
    """`--log-format json`: one JSON object per line, for a log shipper. `time` (UTC, ISO 8601), `level`,
    `logger`, `message` (the plain line's text); an event's record adds `event`, `subject` and its
    details as fields. ASCII only (json escapes the rest), so no value can forge a line or reach a
    terminal as a control sequence; every text value goes through `redact` first."""

    def format(self, record: logging.LogRecord) -> str:
        from datetime import datetime, timezone

        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),  # again: a record made before the CLI's redaction is installed
        }
        event = getattr(record, "event", None)
        if isinstance(event, Event):
            line.update({"event": event.kind, "subject": event.subject or None})
            for key, value in [*details(event), ("remote", event.remote)]:
                if key not in LEFT_OUT and key not in line and value is not None:
                    line[key] = _json_value(value)
        if record.exc_info and record.exc_info[1] is not None:
            line["traceback"] = redact(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=True, default=str)


def _json_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return redact(str(value))


def log_to_stderr(verbose: bool, *, events: bool = True, json_lines: bool = False) -> None:
    """Replace the root handlers with one plain stderr handler: the package at INFO (DEBUG with -v),
    libraries at WARNING (APScheduler would add two lines to every run). With `events`, the
    services' failure warnings that an event line restates are left out; with `json_lines`, each
    record is one JSON object (JsonLineFormatter)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(_NotRestated(events))
    handler.addFilter(RepeatFilter())
    if json_lines:
        handler.setFormatter(JsonLineFormatter())
    else:
        formatter = OneLineFormatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("tui_analytics").setLevel(logging.DEBUG if verbose else logging.INFO)


def describe(event: Event) -> str:
    """`job.finished top-items trigger=scheduled duration_ms=12.3`: the kind, the subject, the details
    (and `remote=host:pid` for an event another process made)."""
    parts = [event.kind, event.subject] if event.subject else [event.kind]
    for key, value in [*details(event), ("remote", event.remote)]:
        if key in LEFT_OUT or value is None or value == "":
            continue
        parts.append(f"{key}={_value(value)}")
    return " ".join(parts)


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    text = " ".join(str(value).split())  # one line, whatever the error said
    return repr(text) if " " in text else text


class EventLogger:
    """A bus listener that logs each event as one line (failures as warnings). Thread-safe: logging is."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self._scheduler: str | None = None  # the scheduler state logged last

    def __call__(self, event: Event) -> None:
        if isinstance(event, SchedulerStateChanged) and not event.remote:
            # The processor and the loop's scheduler both say so on stopping (two "stopped"
            # lines on SIGTERM): a state is logged once, whichever part said it first.
            if event.state == self._scheduler:
                return
            self._scheduler = event.state
        level = logging.WARNING if isinstance(event, Failure) else logging.INFO
        self.logger.log(level, "%s", describe(event), extra={"event": event})
