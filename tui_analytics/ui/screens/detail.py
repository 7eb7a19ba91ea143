"""`v` (and `enter` on a job or a report run): the selected row in full, for reading and copying.

The line under each table is cut at the pane's width; errors quote paths and SQL that do
not fit. Here every fact is a line of its own, wrapped, scrollable, and `y` copies the
whole text to the clipboard (through the terminal, OSC 52); the mouse selection works too.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...runtime.printable import printable
from .base import Dialog


class DetailScreen(Dialog[None]):
    """One selection in full; escape, `v` or `q` closes it, `y` copies it."""

    BINDINGS = [
        Binding("v,q", "cancel", "Close", id="detail-close", tooltip="Close the detail view"),
        Binding("y", "copy", "Copy", id="detail-copy", tooltip="Copy the text to the clipboard"),
    ]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self._title = title
        self.text = "\n".join(printable(line) for line in lines)  # names and errors come from the data

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = self._title
            box.border_subtitle = "y copies · escape closes"
            yield Static(Text(self.text), id="detail-text")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # arrows and page keys scroll

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Copied to the clipboard (through the terminal).", title=self._title)
