"""DashboardApp: hosts the scheduler on its loop, turns service events into pane refreshes.

Life cycle: the first frame is drawn before anything slow happens; then the
services are created in a worker thread (opening the source may first build
the demo database, with progress shown), then the jobs
and report schedules are attached to this loop's scheduler. Service events,
published from any thread, arrive as messages; a one-second tick only redraws
the clock and countdowns. On unmount the scheduler is shut down before the
loop closes.

What the dashboard knows between redraws (the scheduler's state, who holds its
lock, running exports, loop stalls) is a DashboardState (state.py) that this
app owns and changes only in its message handlers; workers and listeners post
messages (messages.py) instead of changing it.

Methods here must not reuse the name of a Textual method (`App._flush`,
`MessagePump._attach`, ...): Textual calls those itself, with its own arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.notifications import Notify, SeverityLevel

from tui_analytics.config.settings import Settings
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.collector import CollectorHold
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.events import (
    ALERT_FAILED,
    ALERT_SENT,
    CACHE_CHANGED,
    JOB_FAILED,
    JOB_FINISHED,
    JOB_SETTINGS,
    JOB_SKIPPED,
    JOB_STARTED,
    REPORT_FAILED,
    REPORT_FINISHED,
    REPORT_STARTED,
    SCHEDULER_STATE,
    TEMPLATES_CHANGED,
    ServiceEvent,
)
from tui_analytics.runtime.printable import printable
from tui_analytics.runtime.stall import StallMonitor
from tui_analytics.ui import format as fmt
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.ui.dashboard_state import DashboardState
from tui_analytics.ui.keys import BINDINGS, key_label
from tui_analytics.ui.messages import (
    ExportFinished,
    ExportProgress,
    ExportStarted,
    LoopStalled,
    SchedulerStateChanged,
    ServiceEventMessage,
    ServicesReady,
    StartupFailed,
    StartupProgress,
)
from tui_analytics.ui.palette_commands import DashboardCommands
from tui_analytics.ui.resources import stylesheets
from tui_analytics.ui.screen import MainScreen
from tui_analytics.wiring import Services

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.driver import Driver
    from textual.theme import Theme

    from tui_analytics.data.state.last_view import LastView
    from tui_analytics.runtime.stall import Stall
    from tui_analytics.ui.preferences import Preferences

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
# How long a screen being pushed (a dialog) keeps the collector off: its first frame is drawn by then.
DIALOG_HOLD_S = 1.0
# Signals that end the dashboard the way `q` does (see DashboardApp._handle_signals).
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
# Toasts on screen at once (below 34 lines, and above); every notification stays in the history (`m`).
MAX_TOASTS_SMALL = 2
MAX_TOASTS = 4
# Events coalesce for this long before the panes redraw, so a burst redraws once.
REFRESH_DELAY = 0.05

# Which panes an event makes stale.
_PANES_FOR = {
    JOB_STARTED: ("jobs", "metrics"),
    JOB_FINISHED: ("jobs", "metrics", "analytics"),
    JOB_FAILED: ("jobs", "metrics", "analytics"),
    JOB_SKIPPED: ("jobs", "metrics"),
    JOB_SETTINGS: ("jobs",),
    CACHE_CHANGED: ("metrics", "analytics"),
    SCHEDULER_STATE: ("header", "jobs", "metrics", "reports"),
    REPORT_STARTED: ("reports",),
    REPORT_FINISHED: ("reports",),
    REPORT_FAILED: ("reports",),
    TEMPLATES_CHANGED: ("reports",),
    ALERT_SENT: ("jobs", "metrics"),
    ALERT_FAILED: ("jobs", "metrics"),
}


class DashboardApp(App[None]):
    """The tui-analytics dashboard. Build it with `build_app(settings, ...)`."""

    TITLE = "tui-analytics"
    CSS_PATH = stylesheets()
    COMMANDS = App.COMMANDS | {DashboardCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, services: DashboardServices, *, start_scheduler: bool = True, watch_stalls: bool = False,
                 freeze_gc: bool = True, keymap: dict[str, str] | None = None,
                 preferences: Preferences | None = None, after_first_frame: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.services = services
        # Keys moved by the configuration's [keys] (checked by keymap.check_keymap): binding id -> keys.
        self.keymap = dict(keymap or {})
        # The theme chosen in the palette is remembered there (None: not remembered, tests).
        self.preferences = preferences
        if preferences is not None and preferences.theme:
            if preferences.theme in self.available_themes:
                self.theme = preferences.theme
            else:
                log.warning("the remembered theme %r is not available; using %r", preferences.theme, self.theme)
        self.start_scheduler = start_scheduler
        self.freeze_gc = freeze_gc  # gc.freeze() once the services this app created are up
        self._after_first_frame = after_first_frame  # the CLI turns the garbage collector back on there
        self._collector = CollectorHold()  # off while a dialog opens, once this app runs its own services
        self._owns_collector = False
        # Log which callback held the event loop for more than 100 ms (the CLI turns this on).
        self._stalls: StallMonitor | None = StallMonitor(on_stall=self._stalled) if watch_stalls else None
        # Read by the header and the panes; changed only by the message handlers below.
        self.state = DashboardState(watching_stalls=watch_stalls)
        self.cursor_blink = True  # tests turn it off for stable screenshots
        self._unsubscribe: list[Callable[[], None]] = []
        self._dirty: set[str] = set()
        self._attached = False
        self._shown = False  # the panes were filled once the services were ready (ServicesReady handled)
        self.quitting = False
        settings = services.settings
        self.main_screen = MainScreen(
            title=self.TITLE, database=services.database_label, demo=settings.uses_demo_data, tz=settings.tz
        )
        # The panes are filled from the main screen's own mount, so its first frame is a full one.
        self.main_screen.when_mounted = self._main_screen_mounted

    def action_command_palette(self) -> None:
        """Textual's palette (ctrl+p), over a backdrop rendered once (see screens/palette.py)."""
        from tui_analytics.ui.screens.palette import Palette

        if self.use_command_palette and not isinstance(self.screen, Palette):
            self.push_screen(Palette(id="--command-palette"))

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        """Textual's, except for a node not in the DOM yet, which is styled when it is mounted.

        Widget constructors change classes (`compact=True`, a variant, a toggle's value), and
        Textual restyled each lone widget and its parts at once: ~1 ms a widget, 20-40 ms of the
        template editor's opening and a restyle of every footer key, all thrown away at the mount."""
        if node is not self and not node.is_attached:
            return
        super().update_styles(node, animate=animate)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        """Textual's push_screen, with the collector held while the screen builds its first frame
        (see CollectorHold) when this app manages the process's collector (it opened its services)."""
        if self._owns_collector and not self.quitting:
            self._collector.hold()
            self.set_timer(DIALOG_HOLD_S, self._collector.release)
        return super().push_screen(*args, **kwargs)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quit. Keys typed after `q` (while the app shuts down) do nothing: see MainScreen.check_action."""
        self.quitting = True
        if self._stalls is not None:
            self._stalls.stop()  # Textual's own shutdown (joining its input thread) is not a stall worth logging
        super().exit(*args, **kwargs)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Plain text by default: messages quote errors, paths, SQL and names from the data, which may
        hold brackets; their control characters are shown escaped, never sent to the terminal."""
        message, title = printable(message, newlines=True), printable(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's hint; our notifications are plain text, so it is written without markup)."""
        quit_key = key_label(next(b for b in BINDINGS if b.id == "quit"), self.keymap)
        self.notify(f"Press {quit_key} to quit the dashboard.", title="Do you want to quit?")

    def _on_notify(self, event: Notify) -> None:
        """Every notification goes into the history (`m`); the screen shows a few, each once.

        Textual stacks every toast: eight quick `t` presses stacked four, and a burst of failures
        covered half of an 80x24 screen. The same text already showing is not shown again, and
        the oldest toast makes room for a new one beyond the limit.
        """
        event.prevent_default()  # Textual would also run App._on_notify: it is called below, when wanted
        new = event.notification
        self.state.notified(self.clock.now(), new.severity, new.title, new.message)
        showing = list(self._notifications)
        if any(n.title == new.title and n.message == new.message for n in showing):
            return
        limit = MAX_TOASTS_SMALL if self.size.height < 34 else MAX_TOASTS
        for old in showing[: max(0, len(showing) - limit + 1)]:
            self._unnotify(old, refresh=False)
        super()._on_notify(event)

    @property
    def clock(self) -> Clock:
        return self.services.clock

    # -- life cycle ----------------------------------------------------------------

    async def on_mount(self) -> None:
        self._handle_signals()
        if self.keymap:
            self.set_keymap(self.keymap)
        if self.preferences is not None:
            self.theme_changed_signal.subscribe(self, self._theme_chosen)
        if self._stalls is not None:
            self._stalls.start()
        # Pushed over Textual's default screen. As the app's first screen (get_default_screen) it
        # started no faster (an A/B of 11 runs), and in a browser its footer waited for a key.
        await self.push_screen(self.main_screen)

    def _main_screen_mounted(self) -> None:
        """The main screen's widgets exist and nothing is drawn yet: the header, and the panes from
        the last known view if the services are not open (see _show_first_view)."""
        header = self.main_screen.header
        header.set_database(self.services.database_label, demo=self.services.settings.uses_demo_data)
        header.set_time(self.clock.now())
        self.main_screen.show_scheduler(self.state.scheduler)
        if not self.services.ready:
            self._show_first_view()
        self.set_interval(TICK_SECONDS, self._tick)
        if self._after_first_frame is not None:
            self.call_after_refresh(self._after_first_frame)
        if self.services.ready:
            self.post_message(ServicesReady())
        else:
            # After the first frame: the worker's imports (SQLAlchemy, APScheduler, the services)
            # hold the GIL, and the operator should see the dashboard's frame while they run.
            self.call_after_refresh(self._start_services)

    def _show_first_view(self) -> None:
        """Before the services are open: the panes from the last known view, if there is one
        (read before the loop started: see ui/first_view.py), so the first frame is a full one."""
        first = self.services.first
        if first is None:
            self.main_screen.show_activity("Opening the database…")
            return
        self._dirty.update(("jobs", "metrics", "analytics", "reports"))
        self._redraw_dirty(composing=True)
        when = first.written_at
        self.main_screen.show_activity(
            "Opening the database… showing the last known state"
            + (f" ({when.astimezone(self.services.settings.tz):%H:%M:%S})" if when is not None else ""))

    def _theme_chosen(self, theme: Theme) -> None:
        if self.preferences is not None and theme.name != self.preferences.theme:
            self._remember_theme(theme.name)

    @work(thread=True, exit_on_error=False, group="preferences")
    def _remember_theme(self, name: str) -> None:
        assert self.preferences is not None
        problem = self.preferences.save_theme(name)
        if problem is not None:
            log.warning("theme not remembered: %s", problem)
            self.call_from_thread(self.notify, problem, title="Theme not remembered", severity="warning")

    def get_driver_class(self) -> type[Driver]:
        from tui_analytics.ui.driver import driver_class

        return driver_class(super().get_driver_class())

    def _handle_signals(self) -> None:
        """SIGTERM, SIGHUP (the SSH session dropped) and SIGINT quit like `q`.

        Left to their defaults they kill the process before Textual leaves the alternate screen
        and restores the terminal's modes: the operator's shell would stay invisible.
        """
        loop = asyncio.get_running_loop()
        for sig in TERMINATING_SIGNALS:
            # Not available off the main thread (tests run apps there too) or on every platform.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._terminated_by, sig)

    def _terminated_by(self, sig: signal.Signals) -> None:
        log.warning("%s received: quitting (running work is recorded as interrupted)", sig.name)
        self.exit(return_code=128 + int(sig))

    @work(thread=True, exit_on_error=False, group="startup")
    def _start_services(self) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self.post_message(StartupProgress(stage, done, total))

        try:
            self.services.open(progress, schedule=self.start_scheduler)
        except Exception as exc:  # a bad URL or an unreachable server: say so and stay open
            log.exception("start-up failed")
            self.post_message(StartupFailed(one_line(exc)))
            return
        try:  # the Reports pane's first content, read here rather than in one more worker after
            view = self.services.reports_view()
        except Exception:  # shown (with its error) by the usual reload
            log.exception("reading the reports failed")
            view = None
        self.post_message(ServicesReady(view, started_here=True))

    def on_startup_progress(self, message: StartupProgress) -> None:
        self.main_screen.show_activity(
            f"First start: creating the demo database ({message.stage}, {message.done:,}/{message.total:,})…",
            message.done, message.total,
        )

    # -- exports (the export worker posts these) ------------------------------------------

    def on_export_started(self, message: ExportStarted) -> None:
        self.state.export_started(message.dataset)

    def on_export_progress(self, message: ExportProgress) -> None:
        if not self.state.exports_running:
            return  # a late message from an export that has finished: its strip is already gone
        self.state.export_progress(message.dataset, message.rows)
        self.main_screen.show_activity(
            f"Exporting {message.dataset}… {message.rows:,} rows, {fmt.size_bytes(message.size)}")

    def on_export_finished(self, message: ExportFinished) -> None:
        if self.state.export_finished():
            self.main_screen.hide_activity()

    def in_flight(self) -> list[str]:
        """What quitting now would cut short, one phrase each ("" when nothing runs)."""
        lost = []
        state = self.state
        if state.exports_running:
            rows = f", {state.export_rows:,} rows written so far" if state.export_rows else ""
            more = f" and {state.exports_running - 1} more" if state.exports_running > 1 else ""
            lost.append(f"the export of {state.export_label}{rows}{more} (its file is discarded)")
        reports = sum(1 for w in self.workers if w.group == "reports" and w.is_running)
        if reports:
            lost.append(f"{reports} report generation{'s' if reports > 1 else ''} (recorded as interrupted)")
        # Jobs the operator started with `t` and waits for. Scheduled runs are not asked about: they
        # run every few seconds, take milliseconds, and the next start refreshes the cache anyway.
        if any(w.group == "trigger" and w.is_running for w in self.workers):
            jobs = [s.id for s in self.services.job_statuses() if s.status == "running"]
            lost.append(f"the run of {', '.join(jobs) or 'a job'} you started (recorded as interrupted)")
        return lost

    # -- loop stalls ---------------------------------------------------------------------

    def _stalled(self, stall: Stall) -> None:
        """In the watchdog thread: tell the loop (post_message is thread-safe), nothing else."""
        self.post_message(LoopStalled(stall.duration_ms))

    def on_loop_stalled(self, message: LoopStalled) -> None:
        self.state.loop_stalled(message.duration_ms)
        self.refresh_panes("metrics")

    # -- start-up outcome --------------------------------------------------------------------

    def on_startup_failed(self, message: StartupFailed) -> None:
        self.state.scheduler_changed("stopped")
        self.main_screen.show_activity(f"Cannot start: {message.error}")
        self.main_screen.show_scheduler(self.state.scheduler)
        self.notify(message.error, title="Cannot open the database", severity="error", timeout=30)

    def on_services_ready(self, message: ServicesReady) -> None:
        reports_view, started_here = message.reports_view, message.started_here
        self._shown = True
        self.main_screen.hide_activity()
        for bus in self.services.buses():
            self._unsubscribe.append(bus.subscribe(self._on_service_event))
        if self.start_scheduler:
            if started_here and self.services.first is None:
                # Attaching starts the warm-up runs at once (threads that hold the GIL and post
                # events): draw the filled panes first, then schedule.
                self.call_after_refresh(self._schedule_services)
            else:
                # The panes show the last known view already: schedule first, so the live frame
                # has next runs and the scheduler's state rather than a moment of "stopped".
                self._schedule_services()
        if self.services.opened_demo_data:
            self.notify("No database configured: showing the built-in demo data.", title="Demo data", timeout=6)
        # The scheduler's state as scheduling (if done just above) left it; its events follow as messages.
        self.state.scheduler_changed(self.services.scheduler_state())
        # Draw now, not after the coalescing delay: this is the frame the operator waits for.
        self._dirty.update(("header", "jobs", "metrics", "analytics"))
        if reports_view is None:
            self._dirty.add("reports")
        self._redraw_dirty()
        if reports_view is not None:
            self.main_screen.reports.show(reports_view, self.clock.now())
        # Once this frame is drawn: the dialogs' imports, off the loop (see warmup.py).
        self._owns_collector = started_here and self.freeze_gc
        self.call_after_refresh(self._warm_dialogs)
        if self._owns_collector:
            # Everything allocated so far (Textual, SQLAlchemy, the services, the caches' owners)
            # lives as long as the app. Freezing moves it out of the collector's generations, so
            # a full collection no longer walks it: it took 65-90 ms on the loop, over the 50 ms
            # lag budget; frozen, it only walks what was made since.
            gc.freeze()

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _warm_dialogs(self) -> None:
        from tui_analytics.ui.warmup import dialog_widgets, register_styles, warm_dialogs

        warm_dialogs()
        for widget in self.call_from_thread(dialog_widgets):
            if self.quitting:
                return
            # One widget per turn of the loop: each parse is short, all at once was not.
            took = self.call_from_thread(register_styles, self, widget)
            log.debug("%s styles registered in %.1f ms", type(widget).__name__, took)
        if self._owns_collector:
            # The dialogs' modules, classes and styles live as long as the process, as the imports
            # frozen before them: left in the collector's generations, each full collection walked
            # them, 15-50 ms on the loop, sometimes in the middle of a dialog's first opening.
            gc.freeze()

    def _schedule_services(self) -> None:
        """Schedule the jobs and report templates on this loop (once; not while quitting)."""
        if self.quitting or self._attached:
            return
        try:
            self.services.attach()
            self._attached = True
        except Exception as exc:
            log.exception("scheduling failed")
            self.notify(one_line(exc), title="Scheduler not started", severity="error", timeout=30)

    def on_unmount(self) -> None:
        self._collector.release()  # quitting while a dialog was opening
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            for sig in TERMINATING_SIGNALS:
                loop.remove_signal_handler(sig)
        if self._stalls is not None:
            self._stalls.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._attached:
            self.services.detach()
            self._attached = False

    # -- events from the services ----------------------------------------------------

    def _on_service_event(self, event: ServiceEvent) -> None:
        """Runs in the publisher's thread: hand the event to the UI loop, nothing else."""
        if event.kind == SCHEDULER_STATE and not event.detail.get("remote"):
            reported, holder = event.detail.get("state"), event.detail.get("holder")
            self.post_message(SchedulerStateChanged(str(reported) if reported else None, str(holder) if holder else None))
        else:
            self.post_message(ServiceEventMessage(event))

    def on_scheduler_state_changed(self, message: SchedulerStateChanged) -> None:
        state = self.state
        was = state.scheduler
        gone = state.lock_holder
        state.scheduler_changed(self.services.scheduler_state(), reported=message.reported, holder=message.holder)
        self.refresh_panes(*_PANES_FOR[SCHEDULER_STATE])
        if message.reported == "read-only":
            self.notify(f"{state.lock_holder} schedules the jobs and reports on this state database. This dashboard "
                        "shows what it does, live; t, c, i, p and g act there.",
                        title="Attached", timeout=8)
        elif was == "read-only" and state.scheduler in ("running", "paused"):
            self.notify(f"{gone or 'The scheduling process'} stopped. This dashboard schedules the jobs and reports "
                        "now.", title="Scheduler taken over", severity="warning", timeout=12)

    def on_service_event_message(self, message: ServiceEventMessage) -> None:
        event = message.event
        self.refresh_panes(*_PANES_FOR.get(event.kind, ()))
        detail = event.detail
        if event.kind == JOB_FAILED:
            self.notify(f"{event.subject}: {detail.get('error') or 'failed'}", title="Job failed", severity="error",
                        timeout=8)
        elif event.kind == REPORT_FAILED:
            self.notify(f"{detail.get('name', event.subject)}: {detail.get('error') or 'failed'}",
                        title="Report failed", severity="error", timeout=10)
        elif event.kind == ALERT_FAILED:
            self.notify(f"{detail.get('event', 'alert')} {event.subject.partition(':')[2]} to {detail.get('target')}: "
                        f"{detail.get('error') or 'failed'}", title="Alert not delivered", severity="warning", timeout=10)
        elif event.kind == REPORT_FINISHED and detail.get("skipped") and detail.get("trigger") not in ("manual", "backfill"):
            self.notify(f"{detail.get('name', event.subject)}: {detail['skipped']} (no file, no e-mail)",
                        title=f"Report skipped ({detail.get('trigger', 'scheduled')})", timeout=6)
        elif event.kind == REPORT_FINISHED and detail.get("trigger") not in ("manual", "backfill"):
            self.notify(f"{detail.get('name', event.subject)}: {detail.get('filename', '')}",
                        title=f"Report generated ({detail.get('trigger', 'scheduled')})", timeout=6)

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
            screen.jobs.show_jobs(services.job_statuses(), now, scheduler=state.scheduler, alerts=services.job_alerts())
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
        import asyncio

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


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
    start_scheduler: bool = True,
    watch_stalls: bool = False,
    keymap: dict[str, str] | None = None,
    preferences: Preferences | None = None,
    last_view: LastView | None = None,
    after_first_frame: Callable[[], None] | None = None,
) -> DashboardApp:
    """The dashboard over `settings`, or over `services` built by the caller (tests, screenshots).
    Services not built yet are created and opened when the app starts (in a worker thread). With
    `start_scheduler=False` nothing is scheduled (tests, screenshots); `watch_stalls` logs what
    held the event loop (see runtime/stall.py); `keymap` moves keys (see keymap.check_keymap);
    `preferences` remembers the theme (see preferences.py); `last_view` (data/state/last_view.py) fills
    the first frame until the services are open; `after_first_frame` is called once that frame is drawn."""
    root = services if services is not None else Services(settings, clock=clock or SYSTEM_CLOCK)
    dashboard_services = DashboardServices(root)
    if last_view is not None and not dashboard_services.ready:
        from tui_analytics.ui.first_view import first_view

        dashboard_services.first = first_view(last_view, root.clock.now())
    return DashboardApp(dashboard_services, start_scheduler=start_scheduler, watch_stalls=watch_stalls,
                        keymap=keymap, preferences=preferences, after_first_frame=after_first_frame)
