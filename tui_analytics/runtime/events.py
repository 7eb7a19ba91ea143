"""A small thread-safe event bus: services publish, the dashboard (or anyone) listens.

Listeners are called synchronously in the publishing thread, so they must be
quick and thread-safe (Textual's `post_message` is both).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)

# Event kinds, by the service that publishes them.
JOB_STARTED = "job.started"
JOB_FINISHED = "job.finished"
JOB_FAILED = "job.failed"
JOB_SKIPPED = "job.skipped"
JOB_SETTINGS = "job.settings"  # a job paused, resumed or given another interval
CACHE_CHANGED = "cache.changed"
SCHEDULER_STATE = "scheduler.state"
REPORT_STARTED = "report.started"
REPORT_FINISHED = "report.finished"
REPORT_FAILED = "report.failed"
TEMPLATES_CHANGED = "templates.changed"
ALERT_SENT = "alert.sent"  # an alert reached a target (subject: job:<id> or report:<id>)
ALERT_FAILED = "alert.failed"  # a target could not be reached, retries spent


@dataclass(frozen=True)
class ServiceEvent:
    """Something that changed: `kind` (see the constants above), `subject` (a job or template id)."""

    kind: str
    subject: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


Listener = Callable[[ServiceEvent], None]


class EventBus:
    """Fan-out of ServiceEvents to listeners; a failing listener is logged and skipped."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: ServiceEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not break the publisher
                log.exception("event listener failed for %s", event.kind)


_default_bus = EventBus()


def default_bus() -> EventBus:
    """The process-wide bus the singletons publish on."""
    return _default_bus
