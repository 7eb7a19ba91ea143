"""Every message the dashboard passes around, in one place.

Service events arrive from any thread (scheduler jobs, worker threads) and are
posted to the app with `post_message`, which is thread-safe; the app turns
them into pane refreshes on its own loop. The messages that change what the
dashboard knows (state.py: the scheduler, its lock holder, running exports,
loop stalls) are handled by the app, the state's one owner.

Plain classes rather than dataclasses: creating a dataclass costs ~0.3 ms of the start-up, nine
of them ~3 ms, and a message needs neither equality nor a generated repr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui_analytics.runtime.event_types import Event

if TYPE_CHECKING:
    from tui_analytics.ui.widgets.reports_pane import ReportsView


class ServiceEventMessage(Message):
    """An event from the bus (runtime/event_types.py), delivered on the UI loop."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class StartupProgress(Message):
    """Progress while the demo database is created on first start."""

    def __init__(self, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.stage, self.done, self.total = stage, done, total

    def can_replace(self, message: Message) -> bool:
        # Only the newest progress matters; a backlog would redraw stale numbers.
        return isinstance(message, StartupProgress)


class ServicesReady(Message):
    """The services are open (posted by the start-up worker, or at mount when they came ready).

    `reports_view` is the Reports pane's first content when the worker read it; `started_here`
    says this app opened the services (then scheduling waits for the filled panes' first frame).
    """

    def __init__(self, reports_view: ReportsView | None = None, started_here: bool = False) -> None:
        super().__init__()
        self.reports_view, self.started_here = reports_view, started_here


class StartupFailed(Message):
    """Opening the services failed (a bad URL, an unreachable server); the app stays open."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SchedulerToggled(Message):
    """The `p` key paused or resumed the scheduler: the app reads its state again (as it does
    for a SchedulerStateChanged event)."""


class ExportStarted(Message):
    """An export began (posted by the export worker)."""

    def __init__(self, dataset: str) -> None:
        super().__init__()
        self.dataset = dataset


class ExportFinished(Message):
    """An export ended: saved, failed or cancelled (posted by the export worker)."""

    def __init__(self, dataset: str) -> None:
        super().__init__()
        self.dataset = dataset


class ExportProgress(Message):
    """Rows and bytes written so far by a running export."""

    def __init__(self, dataset: str, rows: int, size: int) -> None:
        super().__init__()
        self.dataset, self.rows, self.size = dataset, rows, size

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportProgress)


class LoopStalled(Message):
    """The stall monitor saw a callback hold the event loop (posted from its watchdog thread).

    One message per stall (none replaces another): the app counts them and keeps the worst.
    Stalls last 100 ms or more, so there are never many.
    """

    def __init__(self, duration_ms: float) -> None:
        super().__init__()
        self.duration_ms = duration_ms
