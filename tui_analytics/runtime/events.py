"""A small thread-safe event bus: services publish, the dashboard (or anyone) listens.

Listeners are called synchronously in the publishing thread, so they must be
quick and thread-safe (Textual's `post_message` is both).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tui_analytics.runtime.event_types import Event, ServiceEvent

log = logging.getLogger(__name__)

__all__ = ["Event", "EventBus", "Listener", "ServiceEvent", "default_bus"]

Listener = Callable[[Event], None]


class EventBus:
    """Fan-out of events (runtime/event_types.py) to listeners; a failing listener is logged and skipped."""

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

    def publish(self, event: Event) -> None:
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
