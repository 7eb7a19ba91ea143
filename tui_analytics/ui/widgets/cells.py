"""A table cell drawn without Rich's general layout: the dashboard's cells are one-line texts that
fit their column.

DataTable draws each cell as `Styled(Padding(text))` through two rounds of Rich's line layout
(render, split, crop, pad): ~45 us a cell, ~7 ms of the first frame's 150 cells. For a one-line,
left-aligned text no wider than its column, the same segments come from the text's own render
plus the padding: ~14 us. Anything else (wider, several lines, tabs, another alignment) returns
None and is drawn DataTable's way. tests/ui/test_ui_cells.py compares both ways cell by cell.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_NO_STYLE = Style.null()  # what Rich's Padding gives its spaces (style "none")


def plain_cell_lines(
    console: Console, cell: Text, width: int, padding: int, pre_style: Style, post_style: Style | None, justify: str | None
) -> list[list[Segment]] | None:
    """The one line of `cell` in a column `width` cells wide (padding included), styled as DataTable
    styles it (`pre_style` under the text's own styles, `post_style` over them); None when the
    cell needs Rich's general layout. `justify` is the console options' alignment."""
    room = width - 2 * padding
    plain = cell.plain
    if (
        room < 1
        or cell.justify not in (None, "default")
        or justify not in (None, "default")
        or "\n" in plain
        or "\t" in plain
        or cell.cell_len > room
    ):
        return None
    # Rich lays a text out as its lines joined by "\n" (the text's style becomes a span): one line here.
    segments = list(Text("\n").join([cell]).render(console))
    used = sum(segment.cell_length for segment in segments)
    if used > room:  # Rich would crop it
        return None
    line = [Segment(" " * padding, _NO_STYLE)] if padding else []
    line += segments
    if used < room:
        line.append(Segment(" " * (room - used), _NO_STYLE))
    if padding:
        line.append(Segment(" " * padding, _NO_STYLE))
    return [list(Segment.apply_style(line, style=pre_style, post_style=post_style))]
