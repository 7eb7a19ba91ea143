"""The base of the four panes: a bordered box with a title and a widget to focus."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from ...runtime.printable import printable
from .cells import plain_cell_lines
from .columns import cut, measure
from .filter import NO_FILTER, FilterInput, RowFilter

_MISSING = object()
T = TypeVar("T")
W = TypeVar("W", bound=Widget)


def literal(value: Any) -> Any:
    """A cell as it is shown: a string becomes Text (DataTable would read it as Rich markup, so a
    name like `[/x]` would crash the dashboard) and control characters are escaped (a name from
    the data must not send terminal commands). Text cells keep their style."""
    if isinstance(value, Text):
        plain = value.plain
        safe = printable(plain)
        return value if safe == plain else Text(safe, style=value.style)
    if isinstance(value, str):
        return Text(printable(value))
    return value


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
    BINDINGS = [Binding("escape", "clear_table_filter", "Clear filter", id="filter-clear-table", show=False,
                        tooltip="Clear the focused table's filter")]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = f"{self.NUMBER} {self.TITLE}"
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
        if self.border_title != title:
            self.border_title = title

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


class StyledTable(DataTable):
    """A DataTable whose cells can be styled by named component classes.

    Colours come from the stylesheet (`StyledTable > .tone--error { color: $error; }`),
    never from Python, so themes and NO_COLOR apply.
    """

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "tone--good",
        "tone--bad",
        "tone--busy",
        "tone--muted",
        "tone--warn",
    }

    DEFAULT_CSS = """
    StyledTable { height: auto; max-height: 100%; }
    """

    _filled: tuple[Any, ...] | None = None  # what refill() drew last

    def refill(
        self,
        columns: Sequence[tuple[str, str]],
        rows: Iterable[tuple[str, Sequence[Any]]],
        min_widths: dict[str, int] | None = None,
        follow_top: bool = False,
        widths: dict[str, int] | None = None,
    ) -> None:
        """Replace columns and rows, keeping the cursor on the same row key when it is still there.

        Column widths are measured here and fixed (`min_widths` leaves room for cells a
        tick rewrites later): DataTable otherwise sizes columns on its next idle, so a
        screen drawn in between shows label-wide columns; and an auto column only
        ever grows, keeping the width of text that is gone. With `follow_top` a cursor
        on the first row stays there (newest-first lists follow new entries). `widths` sets
        some columns' widths (see columns.fit); their longer cells are cut with an ellipsis.
        """
        selected = None
        if self.row_count and not (follow_top and self.cursor_row == 0):
            selected = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        given = dict(widths or {})
        rows = [(key, [cut(literal(cell), given[col]) if col in given else literal(cell)
                       for (col, _), cell in zip(columns, cells)]) for key, cells in rows]
        filled = (list(columns), rows, dict(min_widths or {}), given)
        if filled == self._filled and self.row_count == len(rows):
            return  # the same table again (an event that changed nothing shown): no repaint
        self._filled = filled
        measured = measure(columns, (cells for _, cells in rows), min_widths) | given
        self.clear(columns=True)
        for key, label in columns:
            self.add_column(label, key=key, width=measured[key])
        for key, cells in rows:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """DataTable's cell, drawn the short way when it is one line that fits (see cells.py)."""
        lines = self._plain_cell(row_index, column_index, base_style, width, cursor, hover)
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def _plain_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                    cursor: bool, hover: bool) -> list[list[Segment]] | None:
        if column_index < 0:  # a row label: none in the dashboard's tables
            return None
        header = row_index == -1
        key = None if header else self._row_locations.get_key(row_index)
        row = self.rows.get(key) if key is not None else None
        if (self.header_height if header else (row.height if row is not None else 0)) != 1:
            return None
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text):
            return None
        fixed = not header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            header, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        # The cell's place rides on its style, as DataTable's does (a click names its row and column).
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        return plain_cell_lines(self.app.console, cell, width, self.cell_padding, pre_style, post_style,
                                self.app.console_options.justify)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: Any = None) -> RowKey:
        return super().add_row(*(literal(cell) for cell in cells), height=height, key=key, label=label)

    def update_cell(self, row_key: RowKey | str, column_key: Any, value: CellType, *,
                    update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, literal(value), update_width=update_width)

    def set_cell(self, row_key: str, column_key: str, value: CellType) -> bool:
        """Change one cell and repaint only that cell; nothing at all when it already shows `value`.

        For per-second changes (countdowns, ages): DataTable.update_cell repaints the whole
        table, which over SSH is every row, the header and the scrollbar written again each
        second. Returns True when the cell changed."""
        value = literal(value)
        row = self._data.get(RowKey(row_key))
        if row is None or row.get(ColumnKey(column_key), _MISSING) == value:
            return False
        row[ColumnKey(column_key)] = value
        self._filled = None  # the table no longer shows what refill() drew
        self._update_count += 1  # DataTable's render caches are keyed on this count
        self.refresh_coordinate(Coordinate(self.get_row_index(row_key), self.get_column_index(column_key)))
        return True

    def tone(self, text: str, tone: str | None) -> Text:
        """The text in one of the tones (`good`, `bad`, `busy`, `muted`, `warn`), or plain."""
        if not tone:
            return Text(printable(text))
        style = self.get_component_rich_style(f"tone--{tone}", partial=True)
        return Text(printable(text), style=style if isinstance(style, Style) else "")
