"""The main screen: header, the four panes (a grid when there is room, tabs when not), footer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Label

from tui_analytics.ui.access import PALETTE_CHANGES
from tui_analytics.ui.actions import ActionsMixin
from tui_analytics.ui.control_actions import ControlActionsMixin
from tui_analytics.ui.keys import BINDINGS, ELSEWHERE, PANE_ACTIONS, REFUSALS, key_label
from tui_analytics.ui.widgets import AnalyticsPane, JobsPane, MetricsPane, ReportsPane, StatusHeader
from tui_analytics.ui.widgets.pane import Pane, mounted, show

if TYPE_CHECKING:  # imported when first mounted: the grid shows neither (see _tab_bar, show_activity)
    from textual.widgets import ProgressBar, Tabs

PANES = ("jobs", "metrics", "analytics", "reports")
_IDS = {b.action: b.id for b in BINDINGS if b.id}  # action -> binding id, for the access checks

# Width/height from which all four panes fit side by side; below either, one pane at a time.
WIDE_FROM = 120
TALL_FROM = 34


class MainScreen(ControlActionsMixin, ActionsMixin, Screen[None]):
    """Lays out the panes and moves between them; the key actions come from ActionsMixin.

    The layout follows the terminal: the screen gets `-wide` / `-tall` classes from its
    breakpoints and the stylesheet shows a 2x2 grid when both are set, else tabs.
    """

    # keys.py's list, as Textual types BINDINGS; the hidden twins come after, so they act only when the
    # pane's own binding is off (its pane is not shown).
    BINDINGS: ClassVar[list[BindingType]] = [*BINDINGS, *REFUSALS, *ELSEWHERE]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL_FROM, "-tall")]
    # The Jobs table takes the focus just after the first frame (on_mount), not while composing:
    # focusing restyles the table and its pane, ~6 ms the first frame would wait for.
    AUTO_FOCUS = ""  # None would mean the app's ("*")

    def __init__(self, *, title: str, database: str, demo: bool, tz: tzinfo) -> None:
        super().__init__(id="main")
        self._title = title
        self._database = database
        self._demo = demo
        self._tz = tz
        self.active_pane = "jobs"
        # Called once the panes exist, before the first frame (the app fills them there).
        self.when_mounted: Callable[[], None] | None = None
        self._resumed = False

    def compose(self) -> ComposeResult:
        self._set_breakpoint_classes()
        yield StatusHeader(self._title, self._database, demo=self._demo, tz=self._tz)
        with Vertical(id="activity"):
            yield Label("Starting…", id="activity-label")  # the bar is mounted by the first show_activity with a total
        if not self.is_grid:  # the grid shows no tab bar: mounted when a resize leaves the grid
            yield self._tab_bar()
        with Container(id="panes"):
            for pane in (JobsPane(tz=self._tz), MetricsPane(tz=self._tz), AnalyticsPane(tz=self._tz), ReportsPane(tz=self._tz)):
                # Mounted with the class on_mount's _activate gives it: changed after the mount, the
                # class restyled the pane's whole subtree once more.
                pane.set_class(pane.id == self.active_pane, "-active", update=False)
                yield pane
        yield Footer(compact=True, show_command_palette=False)

    def _tab_bar(self) -> Tabs:
        from textual.widgets import Tab, Tabs

        tabs = Tabs(
            *(Tab(f"{n + 1} {name.title()}", id=f"tab-{name}") for n, name in enumerate(PANES)),
            active=f"tab-{self.active_pane}",
            id="pane-tabs",
        )
        tabs.can_focus = False  # Tab and the number keys move between panes, not onto the tab bar
        return tabs

    def _ensure_tabs(self) -> None:
        if not self.is_grid and self._tabs() is None:
            self.mount(self._tab_bar(), before=self.query_one("#panes"))

    def _tabs(self) -> Tabs | None:
        """The tab bar; none until the screen is narrower or shorter than the grid."""
        return cast("Tabs | None", mounted(self, "#pane-tabs", Widget))

    def _set_breakpoint_classes(self) -> None:
        """The breakpoint classes (`-wide`, `-tall`...) Textual would set on the first Resize, set
        before the panes exist.

        Textual sets them when the screen gets its first Resize, after every widget was styled
        once: changing the screen's classes then restyled the whole tree again (~20 ms of the
        first frame). Styled with the right classes from the start, that Resize changes nothing.
        The same computation as Screen._on_resize, from the same breakpoints.
        """
        width, height = self.app.size
        classes = {name: False for _, name in [*self.HORIZONTAL_BREAKPOINTS, *self.VERTICAL_BREAKPOINTS]}
        for dimension, breakpoints in ((width, self.HORIZONTAL_BREAKPOINTS), (height, self.VERTICAL_BREAKPOINTS)):
            classes.update(dict.fromkeys(self._get_breakpoint_classes(dimension, breakpoints), True))
        self.update_classes(classes, update=False)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume (being pushed) does not restyle the tree: every widget was styled as it
        was mounted, a moment ago, and restyling all ~60 again took ~20 ms of the first frame.
        Later resumes (a dialog closed) restyle as Textual does: the theme may have changed."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        # Screen._on_screen_resume runs after this (Textual calls each class's handler).

    def on_mount(self) -> None:
        self._activate("jobs")
        self.call_after_refresh(self._focus_first)
        if self.when_mounted is not None:
            self.when_mounted()

    def _focus_first(self) -> None:
        if self.focused is None:  # a key pressed before the first frame may have moved it already
            self.query_one("#jobs-table").focus()

    def show_scheduler(self, state: str, attached: str | None = None) -> None:
        """The header's scheduler state (or whom this dashboard is attached to), and the footer's `p`
        saying what it will do now."""
        self.header.set_scheduler(state, attached)
        wanted = "Resume" if state == "paused" or (attached or "").endswith("paused") else "Pause"
        # Textual keeps one description per binding; swap in a copy that says what p does next.
        current = self._bindings.key_to_bindings.get("p", [])
        if current and current[0].description != wanted:
            self._bindings.key_to_bindings["p"] = [replace(b, description=wanted) for b in current]
            self.refresh_bindings()

    # -- panes -----------------------------------------------------------------

    @property
    def jobs(self) -> JobsPane:
        return self.query_one(JobsPane)

    @property
    def metrics(self) -> MetricsPane:
        return self.query_one(MetricsPane)

    @property
    def analytics(self) -> AnalyticsPane:
        return self.query_one(AnalyticsPane)

    @property
    def reports(self) -> ReportsPane:
        return self.query_one(ReportsPane)

    @property
    def header(self) -> StatusHeader:
        return self.query_one(StatusHeader)

    def pane(self, name: str) -> Pane:
        return self.query_one(f"#{name}", Pane)

    def _stops(self) -> list[tuple[str, Widget]]:
        """(pane, widget) for every focus stop, in pane order; hidden widgets are skipped."""
        stops: list[tuple[str, Widget]] = []
        for name in PANES:
            stops.extend((name, widget) for widget in self.pane(name).focus_stops() if widget.display)
        return stops

    def _activate(self, name: str) -> None:
        """Make `name` the pane shown in the tabbed layout (and highlighted in the grid)."""
        self.active_pane = name
        for pane_name in PANES:
            self.pane(pane_name).set_class(pane_name == name, "-active")
        tabs = self._tabs()
        if tabs is not None and tabs.active != f"tab-{name}":
            tabs.active = f"tab-{name}"
        self.refresh_bindings()

    @property
    def is_grid(self) -> bool:
        """True when all four panes are on screen (the wide and tall layout)."""
        return self.has_class("-wide") and self.has_class("-tall")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.quitting:
            return False  # shutting down: a key typed after q must not open a dialog
        access = self.app.access
        if action == "refuse":  # a changing key's twin: on only where the key itself is refused
            return bool(parameters) and access.refuses(str(parameters[0]))
        changed = _IDS.get(str(parameters[0]) if action == "from_elsewhere" and parameters else action)
        if changed is not None and access.refuses(changed):
            return False  # off, and out of the footer; its twin in REFUSALS says why
        pane = PANE_ACTIONS.get(action)
        if pane is None or self.is_grid:
            return True
        return pane == self.active_pane

    def action_refuse(self, change: str) -> None:
        """A change this dashboard may not make: one line naming the mode, nothing done."""
        binding = next((b for b in BINDINGS if b.id == change), None)
        what = f"{binding.description} ({key_label(binding, self.app.keymap)})" if binding else PALETTE_CHANGES.get(change, change)
        self.notify(self.app.access.refusal(what), title="Not allowed", severity="warning")

    def refuse(self, change: str) -> None:
        self.action_refuse(change)

    def action_from_elsewhere(self, action: str) -> None:
        """A pane's key typed on another tab: show that pane, then act on its selection in sight."""
        pane = PANE_ACTIONS.get(action)
        if pane is None:
            return
        self.action_show_pane(pane)
        getattr(self, f"action_{action}")()

    def on_resize(self) -> None:
        # Screen._on_resize sets the breakpoint classes after this handler: act once they are in.
        self.call_after_refresh(self._ensure_tabs)
        self.call_after_refresh(self.refresh_bindings)  # the breakpoint classes change the footer

    @on(DataTable.RowSelected, "#templates-table")
    def _template_chosen(self) -> None:
        # enter on the templates table (the table's own enter binding wins over the screen's)
        self.action_edit_template()

    def action_view_detail(self) -> None:
        """`v`: the selection of the pane in front (the focused one in the grid) in full."""
        from tui_analytics.ui.screens.detail import DetailScreen

        pane = self.pane(self.active_pane)
        found = pane.detail()
        if found is None:
            self.notify(
                "Nothing here to show in full: select a job (1) or a template or report run (4); 3 then v: sign-ups per day.",
                severity="warning",
            )
            return
        self.app.push_screen(DetailScreen(*found, source=pane.detail))

    @on(DataTable.RowSelected, "#jobs-table, #history-table")
    def _row_chosen(self) -> None:
        # enter on a job or a report run: read it in full
        self.action_view_detail()

    def action_filter(self) -> None:
        """`/`: filter the focused table (Jobs, templates, history), or the pane's first one."""
        focused = self.focused
        for name in ("jobs", "reports"):
            pane = self.pane(name)
            if focused is not None and focused.id in pane.FILTERS:
                pane.open_filter(focused.id)
                return
        pane = self.pane(self.active_pane)
        if pane.FILTERS:
            pane.open_filter(next(iter(pane.FILTERS)))
            return
        self.notify("/ filters the Jobs table (1) and the report templates and history (4).", severity="warning")

    def _focus(self, widget: Widget) -> None:
        # A pane just made visible cannot take focus until after the next refresh.
        self.call_after_refresh(widget.focus)

    def action_show_pane(self, name: str) -> None:
        """Number keys: show a pane and focus its first table."""
        if name not in PANES:
            return
        stops = [w for pane, w in self._stops() if pane == name]
        self._show(name, stops[0] if stops else None)

    def _show(self, name: str, widget: Widget | None) -> None:
        """Put pane `name` in front and focus `widget` in it."""
        if name != self.active_pane:
            # Let go of a widget in the pane about to be hidden first: Textual clears the focus of a
            # widget it hides, and doing so after the new pane's table took focus left nothing focused.
            self.set_focus(None)
        self._activate(name)
        if widget is not None:
            self._focus(widget)

    def _step(self, delta: int) -> None:
        stops = self._stops()
        if not stops:
            return
        widgets = [w for _, w in stops]
        focused = self.focused
        index = widgets.index(focused) if focused in widgets else -1
        self._show(*stops[(index + delta) % len(stops)])

    def action_next_pane(self) -> None:
        self._step(1)

    def action_previous_pane(self) -> None:
        self._step(-1)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        """A tab clicked."""
        name = (event.tab.id or "").removeprefix("tab-")
        if event.tabs.id == "pane-tabs" and name in PANES and name != self.active_pane:
            self.action_show_pane(name)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Focus moved by mouse or a dialog closing: keep the tab bar in step.
        for ancestor in event.widget.ancestors_with_self:
            if isinstance(ancestor, Pane) and ancestor.id in PANES:
                if ancestor.id != self.active_pane:
                    self._activate(ancestor.id)
                break

    # -- the activity strip (start-up, exports, reports) -------------------------------

    def show_activity(self, message: str, done: int | None = None, total: int | None = None) -> None:
        """A line above the footer saying what long work is under way, with a bar when the total is known."""
        self.query_one("#activity").display = True
        show(self.query_one("#activity-label", Label), message)  # quotes errors: literal
        bar = cast("ProgressBar | None", mounted(self, "#activity-progress", Widget))
        if bar is None and total is not None:
            # Not composed with the screen: a hidden bar (three widgets) styled at start-up cost the first frame.
            from textual.widgets import ProgressBar

            bar = ProgressBar(id="activity-progress", show_eta=False)
            self.query_one("#activity").mount(bar)
        if bar is not None:
            bar.display = total is not None
            if total is not None:
                bar.update(total=max(total, 1), progress=done or 0)

    def hide_activity(self) -> None:
        self.query_one("#activity").display = False
