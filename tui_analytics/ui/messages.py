"""Every message the dashboard passes around, in one place.

Service events arrive from any thread (scheduler jobs, worker threads) and are
posted to the app with `post_message`, which is thread-safe; the app turns
them into pane refreshes on its own loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..runtime.events import ServiceEvent


@dataclass
class ServiceEventMessage(Message):
    """A ServiceEvent from the bus, delivered on the UI loop."""

    event: ServiceEvent


@dataclass
class StartupProgress(Message):
    """Progress while the demo database is created on first start."""

    stage: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        # Only the newest progress matters; a backlog would redraw stale numbers.
        return isinstance(message, StartupProgress)


@dataclass
class ExportProgress(Message):
    """Rows and bytes written so far by a running export."""

    dataset: str
    rows: int
    size: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportProgress)


@dataclass
class LoopStalled(Message):
    """The stall monitor saw a callback hold the event loop (posted from its watchdog thread)."""

    duration_ms: float

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoopStalled)  # the Metrics pane reads the totals, not each stall
