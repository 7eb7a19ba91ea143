"""What the dashboard says about the services' events: which events make a toast, and its words.

A failed job, report or alert delivery is an error or a warning, whoever started it; a
report made (or skipped) on its schedule is news, one the operator made (`g`, a backfill)
is told by the action that made it (actions.py). The scheduler's changes seen from this
dashboard (attached to another process, taking over from it) have toasts of their own.

How they show (ToastsMixin, mixed into the app): as plain text; every notification goes into
the history (`m`), and the screen shows a few at once, each once. Textual stacks every
toast: eight quick `t` presses stacked four, and a burst of failures covered half of an
80x24 screen. Here the same text already showing is not shown again, and the oldest toast
makes room for a new one beyond the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import App
from textual.notifications import Notify, SeverityLevel

from tui_analytics.runtime.event_types import AlertFailed, Event, JobFailed, ReportFailed, ReportFinished
from tui_analytics.runtime.printable import printable

if TYPE_CHECKING:
    from tui_analytics.runtime.clock import Clock
    from tui_analytics.ui.dashboard_state import DashboardState

    _Host = App[None]  # the mixin is type-checked as the app it is mixed into
else:
    _Host = object

# Toasts on screen at once (below 34 lines, and above); every notification stays in the history (`m`).
MAX_TOASTS_SMALL = 2
MAX_TOASTS = 4
SMALL_HEIGHT = 34

# Triggers of reports the operator made: their actions say how they went.
STARTED_BY_HAND = ("manual", "backfill")


@dataclass(frozen=True)
class Toast:
    """A notification to show: `app.notify(message, title=..., severity=..., timeout=...)`."""

    message: str
    title: str
    severity: SeverityLevel = "information"
    timeout: float | None = None


def toast_for(event: Event) -> Toast | None:
    """The toast an event makes, or None."""
    match event:
        case JobFailed():
            return Toast(f"{event.job_id}: {event.error or 'failed'}", "Job failed", "error", 8)
        case ReportFailed():
            return Toast(f"{event.name}: {event.error or 'failed'}", "Report failed", "error", 10)
        case AlertFailed():
            about = event.subject_id.partition(":")[2]
            return Toast(
                f"{event.event or 'alert'} {about} to {event.target}: {event.error or 'failed'}",
                "Alert not delivered",
                "warning",
                10,
            )
        case ReportFinished() if event.trigger not in STARTED_BY_HAND:
            if event.skipped:
                return Toast(f"{event.name}: {event.skipped} (no file, no e-mail)", f"Report skipped ({event.trigger})", timeout=6)
            return Toast(f"{event.name}: {event.filename or ''}", f"Report generated ({event.trigger})", timeout=6)
    return None


def scheduler_toast(reported: str | None, was: str, now: str, holder: str | None, gone: str | None) -> Toast | None:
    """The toast for a change of the scheduler's state: `reported` by the event (None: the `p` key),
    the state the dashboard showed (`was`) and shows `now`, who holds the lock now and who held it."""
    if reported == "read-only":
        return Toast(
            f"{holder} schedules the jobs and reports on this state database. This dashboard "
            "shows what it does, live; t, c, i, p and g act there.",
            "Attached",
            timeout=8,
        )
    if was == "read-only" and now in ("running", "paused"):
        return Toast(
            f"{gone or 'The scheduling process'} stopped. This dashboard schedules the jobs and reports now.",
            "Scheduler taken over",
            "warning",
            12,
        )
    return None


class ToastsMixin(_Host):
    """notify (plain text), the Notify handler (history, limits) and notify_toast."""

    if TYPE_CHECKING:  # what the app provides
        state: DashboardState

        @property
        def clock(self) -> Clock: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Plain text by default: messages quote errors, paths, SQL and names from the data, which may
        hold brackets; their control characters are shown escaped, never sent to the terminal."""
        message, title = printable(message, newlines=True), printable(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def notify_toast(self, toast: Toast) -> None:
        self.notify(toast.message, title=toast.title, severity=toast.severity, timeout=toast.timeout)

    def on_notify(self, event: Notify) -> None:
        """Every notification goes into the history (`m`); the screen shows a few, each once.

        Textual has no public way to read the toasts showing, take one away or show one
        without posting another Notify, so this handler (the only place) uses its private
        ones: `App._notifications`, `App._unnotify` and `App._on_notify`, as they are in
        Textual 8.2.8 (`pip show textual`). A Textual upgrade is checked here.
        """
        event.prevent_default()  # Textual would also run App._on_notify: it is called below, when wanted
        new = event.notification
        self.state.notified(self.clock.now(), new.severity, new.title, new.message)
        showing = list(self._notifications)
        if any(n.title == new.title and n.message == new.message for n in showing):
            return
        limit = MAX_TOASTS_SMALL if self.size.height < SMALL_HEIGHT else MAX_TOASTS
        for old in showing[: max(0, len(showing) - limit + 1)]:
            self._unnotify(old, refresh=False)
        App._on_notify(self, event)
