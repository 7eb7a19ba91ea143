"""The short way of drawing a table cell (widgets/cells.py) gives DataTable's own segments."""

from __future__ import annotations

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui_analytics.ui.widgets.table import StyledTable

# One-line texts that fit their column: drawn the short way.
SHORT = [
    Text("user-growth"),
    Text("✓ completed", style="green"),
    Text(""),
    Text("", style="bold"),
    Text.assemble(("fail", "bold red"), " · ", ("3 ✗", "italic")),
    Text("数据分析 ✓"),  # wide characters
    Text("🚀 launch"),
    Text("\\x1b[31m"),  # an escaped control sequence, as printable() leaves it
    Text("exactly 11!"),  # as wide as the column
]
# Drawn DataTable's way: too wide, several lines, a tab, another alignment.
LONG = [
    Text("a name far wider than its column"),
    Text("two\nlines"),
    Text("a\ttab"),
    Text("right", justify="right"),
]


class Cells(App[None]):
    def compose(self) -> ComposeResult:
        yield StyledTable()

    def on_mount(self) -> None:
        table = self.query_one(StyledTable)
        table.add_column("Text", width=11, key="text")
        table.add_column(Text("Tone", style="bold"), width=6, key="tone")
        for n, cell in enumerate(SHORT + LONG):
            tone = Text("ok" if n % 2 else "bad", style="red" if n % 3 else "")
            # DataTable's add_row: StyledTable's would escape the newline and the tab.
            add = table.add_row if n < len(SHORT) else DataTable.add_row.__get__(table)
            add(cell, tone, key=str(n))


@pytest.mark.parametrize("fixed", [0, 1])
async def test_each_cell_is_drawn_as_datatable_draws_it(fixed: int) -> None:
    app = Cells()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(StyledTable)
        table.fixed_rows = table.fixed_columns = fixed
        await pilot.pause()
        short_way = 0
        for row in range(-1, table.row_count):
            for column, width in ((0, 13), (1, 8)):  # with a space either side
                for base in (Style.null(), table.rich_style, Style(bgcolor="red", bold=True)):
                    for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                        table._cell_render_cache.clear()
                        theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                        ours = table._render_cell(row, column, base, width, cursor, hover)
                        assert ours == theirs, (row, column, base, cursor, hover)
                        short_way += table._plain_cell(row, column, base, width, cursor, hover) is not None
        # Every cell of SHORT, the header and the tone column went the short way; LONG did not.
        expected = (1 + len(SHORT)) * 2 + len(LONG)
        assert short_way == expected * 3 * 4


async def test_the_long_cells_go_datatables_way() -> None:
    app = Cells()
    async with app.run_test(size=(40, 20)):
        table = app.query_one(StyledTable)
        for n in range(len(SHORT), len(SHORT) + len(LONG)):
            assert table._plain_cell(n, 0, Style.null(), 13, False, False) is None
