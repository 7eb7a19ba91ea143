"""DashboardApp: hosts the scheduler on its loop, turns service events into pane refreshes.

Life cycle: the first frame is drawn before anything slow happens; then the services are created in a
worker thread (opening the source may first build the demo database, with progress shown), then the jobs
and report schedules are attached to this loop's scheduler. Service events, published from any thread,
arrive as messages; a one-second tick only redraws the clock and countdowns. On unmount the scheduler is
shut down before the loop closes.

What the dashboard knows between redraws (the scheduler's state, who holds its lock, running exports,
loop stalls) is a DashboardState (state.py) that this app owns and changes only in its message handlers;
workers and listeners post messages (messages.py) instead of changing it.

Mixed in: service events and redrawing the panes (refresh.py), toasts (toasts.py), and the activity strip,
exports and loop stalls (activity.py). Methods here and in those must not reuse the name of a Textual
method (`App._flush`, `MessagePump._attach`, ...): Textual calls those itself, with its own arguments.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar, overload

from textual import work
from textual.app import App

from tui_analytics.config.settings import Settings
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.collector import CollectorHold
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.stall import StallMonitor
from tui_analytics.ui.access import Access
from tui_analytics.ui.activity import ActivityMixin
from tui_analytics.ui.dashboard_services import DashboardServices
from tui_analytics.ui.dashboard_state import DashboardState
from tui_analytics.ui.keys import BINDINGS, key_label
from tui_analytics.ui.messages import ServicesReady, StartupFailed, StartupProgress
from tui_analytics.ui.palette_commands import DashboardCommands
from tui_analytics.ui.refresh import PaneRefreshMixin
from tui_analytics.ui.resources import stylesheets
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.signals import default_signals, quit_on_signals
from tui_analytics.ui.toasts import ToastsMixin
from tui_analytics.wiring import Services

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.dom import DOMNode
    from textual.driver import Driver
    from textual.screen import Screen, ScreenResultCallbackType
    from textual.theme import Theme
    from textual.widget import AwaitMount

    from tui_analytics.data.state.last_view import LastView
    from tui_analytics.ui.preferences import Preferences

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
# How long a screen being pushed (a dialog) keeps the collector off: its first frame is drawn by then.
DIALOG_HOLD_S = 1.0
ResultT = TypeVar("ResultT")


class DashboardApp(ToastsMixin, PaneRefreshMixin, ActivityMixin, App[None]):
    """The tui-analytics dashboard. Build it with `build_app(settings, ...)`."""

    TITLE = "tui-analytics"
    CSS_PATH = stylesheets()
    COMMANDS = App.COMMANDS | {DashboardCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        services: DashboardServices,
        *,
        start_scheduler: bool = True,
        watch_stalls: bool = False,
        freeze_gc: bool = True,
        keymap: dict[str, str] | None = None,
        preferences: Preferences | None = None,
        after_first_frame: Callable[[], None] | None = None,
        access: Access | None = None,
    ) -> None:
        super().__init__()
        self.access = access or Access()  # what this dashboard may change (ui/access.py)
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

    if TYPE_CHECKING:  # Textual's two signatures: what a call returns depends on wait_for_dismiss

        @overload
        def push_screen(
            self,
            screen: Screen[ResultT] | str,
            callback: ScreenResultCallbackType[ResultT] | None = None,
            wait_for_dismiss: Literal[False] = False,
            *,
            mode: str | None = None,
        ) -> AwaitMount: ...

        @overload
        def push_screen(
            self,
            screen: Screen[ResultT] | str,
            callback: ScreenResultCallbackType[ResultT] | None = None,
            wait_for_dismiss: Literal[True] = True,
            *,
            mode: str | None = None,
        ) -> asyncio.Future[ResultT]: ...

    def push_screen(
        self,
        screen: Screen[ResultT] | str,
        callback: ScreenResultCallbackType[ResultT] | None = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> AwaitMount | asyncio.Future[ResultT]:
        """Textual's push_screen, with the collector held while the screen builds its first frame
        (see CollectorHold) when this app manages the process's collector (it opened its services)."""
        if self._owns_collector and not self.quitting:
            self._collector.hold()
            self.set_timer(DIALOG_HOLD_S, self._collector.release)
        if wait_for_dismiss:  # one call per overload of Textual's
            return super().push_screen(screen, callback, True, mode=mode)
        return super().push_screen(screen, callback, False, mode=mode)

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        """Quit. Keys typed after `q` (while the app shuts down) do nothing: see MainScreen.check_action."""
        self.quitting = True
        if self._stalls is not None:
            self._stalls.stop()  # Textual's own shutdown (joining its input thread) is not a stall worth logging
        super().exit(result, return_code, message)

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's hint; our notifications are plain text, so it is written without markup)."""
        quit_key = key_label(next(b for b in BINDINGS if b.id == "quit"), self.keymap)
        self.notify(f"Press {quit_key} to quit the dashboard.", title="Do you want to quit?")

    @property
    def clock(self) -> Clock:
        return self.services.clock

    # -- life cycle ----------------------------------------------------------------

    async def on_mount(self) -> None:
        quit_on_signals(self._terminated_by)
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
            + (f" ({when.astimezone(self.services.settings.tz):%H:%M:%S})" if when is not None else "")
        )

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
        default_signals()
        if self._stalls is not None:
            self._stalls.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._attached:
            self.services.detach()
            self._attached = False


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
    access: Access | None = None,
) -> DashboardApp:
    """The dashboard over `settings`, or over `services` built by the caller (tests, screenshots).
    Services not built yet are created and opened when the app starts (in a worker thread). With
    `start_scheduler=False` nothing is scheduled (tests, screenshots); `watch_stalls` logs what held the event
    loop (see runtime/stall.py); `keymap` moves keys (see keymap.check_keymap); `preferences` remembers the theme
    (see preferences.py); `last_view` (data/state/last_view.py) fills the first frame until the services are
    open; `after_first_frame` is called once that frame is drawn; `access` makes it read-only (ui/access.py)."""
    root = services if services is not None else Services(settings, clock=clock)
    dashboard_services = DashboardServices(root, read_only=access is not None and access.read_only)
    if last_view is not None and not dashboard_services.ready:
        from tui_analytics.ui.first_view import first_view

        dashboard_services.first = first_view(last_view, root.clock.now())
    return DashboardApp(
        dashboard_services,
        start_scheduler=start_scheduler,
        watch_stalls=watch_stalls,
        keymap=keymap,
        preferences=preferences,
        after_first_frame=after_first_frame,
        access=access,
    )
