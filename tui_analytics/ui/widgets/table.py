"""The dashboard's tables: DataTable with cells shown literally, styled by named tones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeAlias

from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tui_analytics.runtime.printable import printable
from tui_analytics.ui.widgets.cells import plain_cell_lines
from tui_analytics.ui.widgets.columns import cut, measure

_MISSING = object()
# What refill() drew: columns, rows (key, cells), minimum widths, set widths.
_Drawn: TypeAlias = tuple[list[tuple[str, str]], list[tuple[str, Sequence[object]]], dict[str, int], dict[str, int]]


def literal(value: object) -> object:
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


class StyledTable(DataTable[object]):
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

    _filled: _Drawn | None = None  # what refill() drew last

    def refill(
        self,
        columns: Sequence[tuple[str, str]],
        rows: Iterable[tuple[str, Sequence[object]]],
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
        selected = self._selected_key(follow_top)
        given = dict(widths or {})
        rows = [
            (key, [cut(literal(cell), given[col]) if col in given else literal(cell) for (col, _), cell in zip(columns, cells)])
            for key, cells in rows
        ]
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

    def _selected_key(self, follow_top: bool) -> str | None:
        """The key of the row under the cursor, to keep it there (None: none, or following the top)."""
        if not self.row_count or (follow_top and self.cursor_row == 0):
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    def _render_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool = False, hover: bool = False
    ) -> list[list[Segment]]:
        """DataTable's cell, drawn the short way when it is one line that fits (see cells.py)."""
        lines = self._plain_cell(row_index, column_index, base_style, width, cursor, hover)
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def _plain_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool
    ) -> list[list[Segment]] | None:
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
            header,
            False,
            fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        # The cell's place rides on its style, as DataTable's does (a click names its row and column).
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        return plain_cell_lines(
            self.app.console, cell, width, self.cell_padding, pre_style, post_style, self.app.console_options.justify
        )

    def add_row(self, *cells: object, height: int | None = 1, key: str | None = None, label: TextType | None = None) -> RowKey:
        return super().add_row(*(literal(cell) for cell in cells), height=height, key=key, label=label)

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: object, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, literal(value), update_width=update_width)

    def set_cell(self, row_key: str, column_key: str, value: object) -> bool:
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
