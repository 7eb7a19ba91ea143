"""Column widths by content: each column as wide as its widest cell, and when the table does not
fit its room, the widest of the columns that may be cut (names, errors, paths) give way first.

A table used to hand out fixed shares (an Error column took whatever the columns before it were
guessed to leave, ~30 blank columns at 160x50, while item and user names were cut at 16 and 6);
measured, short columns keep their text and the cut falls on the longest names only.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from rich.cells import cell_len
from rich.text import Text

from tui_analytics.runtime.printable import printable

PADDING = 2  # DataTable's cell padding: one space either side of every column

K = TypeVar("K", bound=Hashable)


def cell_width(value: object) -> int:
    return value.cell_len if isinstance(value, Text) else cell_len(str(value))


def measure(
    columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]], min_widths: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Each column's width: its label's, its widest cell's, or its minimum, whichever is most."""
    widths = {key: max(cell_len(label), (min_widths or {}).get(key, 0)) for key, label in columns}
    for cells in rows:
        for (key, _), value in zip(columns, cells):
            widths[key] = max(widths[key], cell_width(value))
    return widths


def total(widths: Mapping[K, int]) -> int:
    """Cells a table of these column widths takes, padding included."""
    return sum(width + PADDING for width in widths.values())


def fit(widths: Mapping[K, int], room: int, squeeze: Sequence[K], floors: Mapping[K, int] | None = None) -> dict[K, int]:
    """`widths` within `room` cells (padding included): the widest column of `squeeze` loses one
    character at a time, never below its floor (default 6). Columns not in `squeeze` keep their
    width; the result may still be wider than `room` when the floors are reached."""
    out = dict(widths)
    excess = total(out) - room
    floors = floors or {}
    while excess > 0:
        cuttable = [key for key in squeeze if out[key] > floors.get(key, 6)]
        if not cuttable:
            break
        widest = max(out[key] for key in cuttable)
        tied = [key for key in cuttable if out[key] == widest]
        below = max([floors.get(key, 6) for key in tied] + [out[key] for key in cuttable if out[key] < widest])
        # Take the tied columns down together, to the next width or as far as the excess asks.
        step = min(widest - below, max(1, excess // len(tied)))
        for key in tied:
            cut = min(step, excess)
            if cut <= 0:
                break
            out[key] -= cut
            excess -= cut
    return out


def cut(value: object, width: int) -> object:
    """A cell within `width` cells, with an ellipsis when cut (Text keeps its style)."""
    if cell_width(value) <= width:
        return value
    if isinstance(value, Text):
        shown = value.copy()
        shown.truncate(width, overflow="ellipsis")
        return shown
    text = printable(str(value))
    while cell_len(text) > max(0, width - 1):
        text = text[:-1]
    return text + "…"
