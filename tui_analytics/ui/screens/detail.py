"""`v` (and `enter` on a job or a report run): the selected row in full, for reading and copying.

The line under each table is cut at the pane's width; errors quote paths and SQL that do
not fit. Here every fact is a line of its own, wrapped, scrollable, and `y` copies the
whole text to the clipboard (through the terminal, OSC 52); the mouse selection works too.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_analytics.runtime.printable import printable
from tui_analytics.ui.screens.base import Dialog
from tui_analytics.ui.widgets.titles import title_text


class DetailScreen(Dialog[None]):
    """One selection in full; escape, `v` or `q` closes it, `y` copies it."""

    BINDINGS = [
        Binding("v,q", "cancel", "Close", id="detail-close", tooltip="Close the detail view"),
        Binding("y", "copy", "Copy", id="detail-copy", tooltip="Copy the text to the clipboard"),
    ]

    def __init__(self, title: str, lines: list[str], source: Callable[[], tuple[str, list[str]] | None] | None = None) -> None:
        """`source` reads the selection again (the pane's `detail`): `tick()` redraws from it, so a
        countdown shown here moves as it does in the pane instead of staying as it was when opened."""
        super().__init__()
        self._title = title
        self._source = source
        self.text = self._joined(lines)

    @staticmethod
    def _joined(lines: list[str]) -> str:
        return "\n".join(printable(line) for line in lines)  # names and errors come from the data

    def tick(self) -> None:
        """Once a second (the app's tick, after the panes'): the same selection, read again."""
        found = self._source() if self._source is not None else None
        if found is None or found[0] != self._title:
            return  # the selection went (or the pane redrew onto another row): keep what is shown
        text = self._joined(found[1])
        if text != self.text and self.is_mounted:
            self.text = text
            self.query_one("#detail-text", Static).update(Text(text))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = title_text(self._title)
            box.border_subtitle = "y copies · escape closes"
            yield Static(Text(self.text), id="detail-text")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # arrows and page keys scroll

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Copied to the clipboard (through the terminal).", title=self._title)
