"""The CLI's tables: a header line and one line per row, in columns of text.

Every cell is shown with `printable` (names and errors come from data: never terminal
commands), and every line loses its trailing spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui_analytics.runtime.printable import printable


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 0  # 0: as wide as its widest cell or its title
    right: bool = False  # aligned right (numbers, durations)
    cut: bool = False  # a longer cell is cut to the width (else it pushes the rest of its line on)
    gap: int = 1  # spaces before the column (none before the first)


def print_table(columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> None:
    """Print the columns' titles, then the rows (one cell per column)."""
    cells = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [column.width or max([len(column.title), *(len(row[i]) for row in cells)]) for i, column in enumerate(columns)]
    for row in [[column.title for column in columns], *cells]:
        print(_line(columns, widths, row))


def _line(columns: Sequence[Column], widths: Sequence[int], row: Sequence[str]) -> str:
    parts = []
    for index, (column, width, cell) in enumerate(zip(columns, widths, row)):
        text = cell[:width] if column.cut else cell
        parts.append((" " * column.gap if index else "") + (text.rjust(width) if column.right else text.ljust(width)))
    return "".join(parts).rstrip()
