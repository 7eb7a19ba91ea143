"""Every message the dashboard passes around, in one place.

Service events arrive from any thread (scheduler jobs, worker threads) and are
posted to the app with `post_message`, which is thread-safe; the app turns
them into pane refreshes on its own loop. The messages that change what the
dashboard knows (state.py: the scheduler, its lock holder, running exports,
loop stalls) are handled by the app, the state's one owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ..runtime.events import ServiceEvent

if TYPE_CHECKING:
    from .widgets.reports import ReportsView


@dataclass
class ServiceEventMessage(Message):
    """A ServiceEvent from the bus, delivered on the UI loop (scheduler events come as SchedulerStateChanged)."""

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
class ServicesReady(Message):
    """The services are open (posted by the start-up worker, or at mount when they came ready).

    `reports_view` is the Reports pane's first content when the worker read it; `started_here`
    says this app opened the services (then scheduling waits for the filled panes' first frame).
    """

    reports_view: ReportsView | None = None
    started_here: bool = False


@dataclass
class StartupFailed(Message):
    """Opening the services failed (a bad URL, an unreachable server); the app stays open."""

    error: str


@dataclass
class SchedulerStateChanged(Message):
    """The scheduler may have changed state: a SCHEDULER_STATE event, or the `p` key.

    `reported` is what the event said ('started', 'stopped', 'read-only', 'running',
    'paused'; None from the key); with 'read-only', `holder` says who schedules. The app
    reads the scheduler's state again when it handles this.
    """

    reported: str | None = None
    holder: str | None = None


@dataclass
class ExportStarted(Message):
    """An export began (posted by the export worker)."""

    dataset: str


@dataclass
class ExportFinished(Message):
    """An export ended: saved, failed or cancelled (posted by the export worker)."""

    dataset: str


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
    """The stall monitor saw a callback hold the event loop (posted from its watchdog thread).

    One message per stall (none replaces another): the app counts them and keeps the worst.
    Stalls last 100 ms or more, so there are never many.
    """

    duration_ms: float
