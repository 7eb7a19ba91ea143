"""The baseline of the terminal-output case, run as `python -m benchmarks.output_child`.

A bare Textual app as an operator might write one: a header with a clock and a
six-row DataTable whose countdown cells change every second (`update_cell`).
"""

from __future__ import annotations

import time

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Header


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("job", key="job")
        table.add_column("status", key="status")
        table.add_column("next run", key="next")
        for n in range(6):
            table.add_row(f"job {n}", "scheduled", self._countdown(n), key=str(n))
        self.set_interval(1.0, self._tick)

    @staticmethod
    def _countdown(n: int) -> str:
        return f"in {(60 * (n + 1) - int(time.monotonic())) % (60 * (n + 1))}s"

    def _tick(self) -> None:
        table = self.query_one(DataTable)
        for n in range(6):
            table.update_cell(str(n), "next", self._countdown(n))


if __name__ == "__main__":
    Bare().run()
