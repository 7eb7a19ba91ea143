"""The base of the four panes: a bordered box with a title and a widget to focus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from tui_analytics.runtime.printable import printable
from tui_analytics.ui.widgets.filter import NO_FILTER, FilterInput, RowFilter
from tui_analytics.ui.widgets.titles import title_text

T = TypeVar("T")
W = TypeVar("W", bound=Widget)


def show(widget: Static, content: str | Text) -> bool:
    """`widget.update(content)` unless it already shows exactly that (a tick redraws only what
    changed: over SSH every repaint is bytes on the wire). Returns True when it changed.

    The screen's layout is redone only when the new text can change the widget's size: a
    layout pass repaints every scrollbar on the screen, which a clock tick must not do."""
    if isinstance(content, str):
        content = Text(printable(content, newlines=True))
    before = widget.content
    if before == content:
        return False
    widget.update(content, layout=_resizes(widget, str(before), content.plain))
    return True


def mounted(node: Widget, selector: str, kind: type[W]) -> W | None:
    """The widget `selector` names under `node`, or None while it is not mounted (the widgets the
    first frame does not show are mounted when first needed)."""
    return next(node.query(selector).results(kind), None)


def _resizes(widget: Widget, before: str, after: str) -> bool:
    """Whether `after` may take another size than `before` in `widget` (lines at its width, or
    its width when that follows the content)."""
    styles = widget.styles
    if styles.width is None or styles.width.is_auto:
        return cell_len(before) != cell_len(after) or before.count("\n") != after.count("\n")
    if styles.height is not None and styles.height.is_cells:
        return False
    width = widget.content_region.width
    if not width:
        return True

    def lines(text: str) -> int:
        return sum(max(1, -(-cell_len(line) // width)) for line in text.split("\n"))

    return lines(before) != lines(after)


class Pane(Vertical):
    """A titled pane. `focus_stops()` are the widgets Tab visits, in order.

    Panes carry the `pane` class; the screen adds `-active` to the one shown in
    the tabbed (small terminal) layout.
    """

    TITLE = ""
    NUMBER = 0
    # Tables `/` filters (see filter.py): table id -> what its rows are, named in the title when
    # the pane has more than one.
    FILTERS: dict[str, str] = {}
    BINDINGS = [
        Binding(
            "escape",
            "clear_table_filter",
            "Clear filter",
            id="filter-clear-table",
            show=False,
            tooltip="Clear the focused table's filter",
        )
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self._title_shown = f"{self.NUMBER} {self.TITLE}"
        self.border_title = self._title_shown
        self._laid_out_width = -1
        self._filters: dict[str, RowFilter] = {}
        self._counts: dict[str, tuple[int, int]] = {}  # table id -> (rows shown, rows in all)

    # -- filtering (`/`) -------------------------------------------------------------

    def row_filter(self, table_id: str) -> RowFilter:
        return self._filters.get(table_id, NO_FILTER)

    def filtered(self, table_id: str, items: Sequence[T], fields: Callable[[T], dict[str, str]]) -> list[T]:
        """The items whose row passes the table's filter (all of them without one); counts them
        for the pane's title. The panes call this on every redraw, so a filter survives them."""
        active = self.row_filter(table_id)
        shown = [item for item in items if active.matches(fields(item))] if active else list(items)
        self._counts[table_id] = (len(shown), len(items))
        self._show_title()
        return shown

    def _show_title(self) -> None:
        """`1 Jobs · /fail 1 of 6`: the active filters, and how many rows pass each."""
        title = f"{self.NUMBER} {self.TITLE}"
        for table_id, what in self.FILTERS.items():
            active = self.row_filter(table_id)
            if active:
                shown, everything = self._counts.get(table_id, (0, 0))
                label = f"{what} " if len(self.FILTERS) > 1 else ""
                title += f" · {label}/{printable(active.text)} {shown} of {everything}"
        if self._title_shown != title:
            self._title_shown = title
            self.border_title = title_text(title)  # a typed filter is text, never markup

    def open_filter(self, table_id: str) -> None:
        """`/` on one of the pane's tables: show its filter input, with the focus in it.

        The input is mounted above its table on the first `/`, not composed with the pane: three
        hidden Inputs styled at start-up cost the first frame for a widget many sessions never open.
        """
        field = mounted(self, f"#{table_id}-filter", FilterInput)
        if field is None:
            field = FilterInput(table_id)
            self.mount(field, before=self.query_one(f"#{table_id}"))
        field.display = True
        self.call_after_refresh(field.focus)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            event.stop()
            self._filters[event.input.table_id] = RowFilter.parse(event.value)
            self.relayout()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):  # enter: back to the rows, the filter kept
            event.stop()
            event.input.display = bool(event.input.value.strip())
            self.query_one(f"#{event.input.table_id}").focus()

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()
        self.clear_filter(event.field.table_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_table_filter":  # escape does nothing (and shows nothing) without a filter
            focused = self.screen.focused
            return focused is not None and bool(self.row_filter(focused.id or ""))
        return True

    def action_clear_table_filter(self) -> None:
        focused = self.screen.focused
        if focused is not None and focused.id in self.FILTERS:
            self.clear_filter(focused.id)

    def clear_filter(self, table_id: str) -> None:
        field = mounted(self, f"#{table_id}-filter", FilterInput)
        if field is not None:
            field.value = ""
            field.display = False
        self._filters.pop(table_id, None)
        self.relayout()
        self._show_title()
        self.query_one(f"#{table_id}").focus()

    def on_resize(self, event: events.Resize) -> None:
        # Column widths follow the pane's width; redraw only when the width really changed
        # (a layout pass that keeps the size must not refill the tables).
        if event.size.width != self._laid_out_width:
            self._laid_out_width = event.size.width
            self.call_after_refresh(self._relayout_if_mounted)

    def _relayout_if_mounted(self) -> None:
        if self.is_mounted and self.app.is_running:
            self.relayout()

    def relayout(self) -> None:
        """Redraw what depends on the pane's width (the panes with tables override this)."""

    def detail(self) -> tuple[str, list[str]] | None:
        """The selected row in full, for the detail view (`v`): a title and its lines; None when
        nothing is selected (or the pane has no rows to show in full)."""
        return None

    def focus_stops(self) -> list[Widget]:
        return [w for w in self.query("DataTable, .focus-stop") if w.focusable or w.can_focus]
