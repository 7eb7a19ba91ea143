"""Service events into redrawn panes: which panes each event makes stale, and redrawing them together.

Events, published on the services' buses from any thread, arrive on the UI loop as
messages. They and keys mark panes stale (`refresh_panes`); a moment later the stale ones
are redrawn at once, so a burst of events redraws once. A finished or failed run brings
its job's new status: that row is repainted from the event (JobsPane.show_job), without
reading the processor back. The one-second tick moves only the clock and the countdowns.
Mixed into the app (app.py), which owns the panes and the state.

`stale_panes` has one case per event type: the type checker fails there when an event
type is added to runtime/event_types.py without saying what it redraws.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, assert_never

from textual import work

from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.event_types import (
    AlertFailed,
    AlertSent,
    CacheChanged,
    Event,
    JobFailed,
    JobFinished,
    JobSettingsChanged,
    JobSkipped,
    JobStarted,
    ReportFailed,
    ReportFinished,
    ReportStarted,
    RuleRead,
    SchedulerStateChanged,
    TemplatesChanged,
)
from tui_analytics.ui.messages import SchedulerToggled, ServiceEventMessage
from tui_analytics.ui.toasts import scheduler_toast, toast_for

if TYPE_CHECKING:
    from textual.app import App

    from tui_analytics.runtime.clock import Clock
    from tui_analytics.ui.dashboard_services import DashboardServices
    from tui_analytics.ui.dashboard_state import DashboardState
    from tui_analytics.ui.screen import MainScreen
    from tui_analytics.ui.toasts import Toast

    _Host = App[None]  # the mixin is type-checked as the app it is mixed into
else:
    _Host = object

# Events coalesce for this long before the panes redraw, so a burst redraws once.
REFRESH_DELAY = 0.05
# What a change of the scheduler's state redraws (its events, and the `p` key).
SCHEDULER_PANES = ("header", "jobs", "metrics", "reports")


def stale_panes(event: Event) -> tuple[str, ...]:
    """The panes to redraw after `event` (alerts show in the Jobs pane's detail and the Metrics pane)."""
    match event:
        case JobStarted() | JobSkipped() | AlertSent() | AlertFailed():
            return ("jobs", "metrics")
        case JobFinished() | JobFailed():
            return ("jobs", "metrics", "analytics")
        case JobSettingsChanged():
            return ("jobs",)
        case RuleRead():
            return ("metrics",)
        case CacheChanged():
            return ("metrics", "analytics")
        case SchedulerStateChanged():
            return SCHEDULER_PANES
        case ReportStarted() | ReportFinished() | ReportFailed() | TemplatesChanged():
            return ("reports",)
    assert_never(event)


class PaneRefreshMixin(_Host):
    """The service events / refresh_panes / is_quiet / the redraw / the tick (see the module docstring)."""

    if TYPE_CHECKING:  # what the app provides
        services: DashboardServices
        state: DashboardState
        main_screen: MainScreen
        _dirty: set[str]  # the panes waiting to be redrawn
        _shown: bool  # the panes were filled once the services were ready

        @property
        def clock(self) -> Clock: ...
        def notify_toast(self, toast: Toast) -> None: ...

    def _on_service_event(self, event: Event) -> None:
        """Runs in the publisher's thread: hand the event to the UI loop, nothing else."""
        self.post_message(ServiceEventMessage(event))

    def on_service_event_message(self, message: ServiceEventMessage) -> None:
        event = message.event
        if isinstance(event, SchedulerStateChanged) and event.remote is None:
            self._scheduler_changed(event.state, event.holder)
            return
        panes = stale_panes(event)
        if isinstance(event, JobFinished | JobFailed) and event.status is not None and self._live_panes():
            # The run brought the job's new status: its row is repainted now, from the event, and
            # the other panes it touched redraw with the next batch.
            if self.main_screen.jobs.show_job(event.status, self.clock.now()):
                panes = tuple(pane for pane in panes if pane != "jobs")
        self.refresh_panes(*panes)
        toast = toast_for(event)
        if toast is not None:
            self.notify_toast(toast)

    def _live_panes(self) -> bool:
        """The panes show the live services (not the last known view) and are not being torn down."""
        return self._shown and self.services.ready and self.main_screen.is_mounted and self.is_running

    def on_scheduler_toggled(self, message: SchedulerToggled) -> None:
        self._scheduler_changed(None, None)

    def _scheduler_changed(self, reported: str | None, holder: str | None) -> None:
        """Read the scheduler's state again: `reported` is what its event said (None: the `p` key)."""
        state = self.state
        was, gone = state.scheduler, state.lock_holder
        state.scheduler_changed(self.services.scheduler_state(), reported=reported, holder=holder)
        self.refresh_panes(*SCHEDULER_PANES)
        toast = scheduler_toast(reported, was, state.scheduler, state.lock_holder, gone)
        if toast is not None:
            self.notify_toast(toast)

    # -- redrawing ---------------------------------------------------------------------

    def refresh_panes(self, *names: str) -> None:
        """Mark panes stale; they redraw together a moment later (bursts of events redraw once)."""
        if not names:
            return
        first = not self._dirty
        self._dirty.update(names)
        if first:
            self.set_timer(REFRESH_DELAY, self._redraw_dirty)

    @property
    def is_quiet(self) -> bool:
        """True when no pane waits to be redrawn and no worker runs (tests and screenshots wait for this)."""
        return self._shown and not self._dirty and not any(w.is_running for w in self.workers)

    def _redraw_dirty(self, *, composing: bool = False) -> None:
        """Redraw the panes marked stale (see refresh_panes); `composing`: from the main screen's
        own mount, before its first frame (it does not count as mounted yet)."""
        dirty, self._dirty = self._dirty, set()
        screen = self.main_screen
        if not (screen.is_mounted or composing) or not self.is_running:  # quitting: panes torn down
            return
        services = self.services
        now = self.clock.now()
        state = self.state
        if "header" in dirty:
            screen.show_scheduler(state.scheduler, services.attached_label(state.lock_holder) if services.ready else None)
        if not services.ready and services.first is None:
            return
        if "jobs" in dirty:
            # Attached to a paused process: its rows say paused, as they do where it is paused here.
            scheduling = "paused" if services.ready and services.remote_paused() else state.scheduler
            screen.jobs.show_jobs(services.job_statuses(), now, scheduler=scheduling, alerts=services.job_alerts())
        if "metrics" in dirty:
            screen.metrics.show(services.metrics(), now, state)
        if "analytics" in dirty:
            ran = any(s.last_run is not None for s in services.job_statuses())
            screen.analytics.show(services.cache_entries(), now, jobs_have_run=ran)
        if "reports" in dirty:
            if services.ready:
                self._load_reports()
            elif (view := services.first_reports_view()) is not None:
                screen.reports.show(view, now)

    @work(group="reports-view", exclusive=True, exit_on_error=False)
    async def _load_reports(self) -> None:
        try:
            view = await asyncio.to_thread(self.services.reports_view)
        except Exception as exc:
            self.notify(one_line(exc), title="Cannot read the reports", severity="error")
            return
        if self.main_screen.is_mounted and self.is_running:  # the app may be closing meanwhile
            self.main_screen.reports.show(view, self.clock.now())

    def _tick(self) -> None:
        """Once a second: the clock and the countdowns, nothing that queries anything."""
        now = self.clock.now()
        screen = self.main_screen
        if not screen.is_mounted or not self.is_running:
            return
        screen.header.set_time(now)
        screen.jobs.tick(now)
        screen.metrics.tick(now)
        screen.analytics.tick(now)
        screen.reports.tick(now)
        from tui_analytics.ui.screens.detail import DetailScreen  # loaded with the dialogs, after the first frame

        if isinstance(self.screen, DetailScreen):  # its countdowns move with the panes'
            self.screen.tick()
