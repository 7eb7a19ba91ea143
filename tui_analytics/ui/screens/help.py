"""`?`: every key, read from the one list of bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keys import GROUPS, key_label
from .base import Dialog


def help_table() -> Table:
    """The keys by group: key, what it does (the binding's tooltip)."""
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("key", no_wrap=True, width=10)
    table.add_column("does", ratio=1)
    for index, group in enumerate(GROUPS):
        if index:
            table.add_row("", "")
        table.add_row(Text(group.title, style="bold underline"), "")
        for binding in group.bindings:
            table.add_row(Text(key_label(binding), style="bold"), binding.tooltip or binding.description)
    table.add_row("", "")
    table.add_row(Text("In dialogs", style="bold underline"), "")
    table.add_row(Text("escape", style="bold"), "Close the dialog without changes")
    table.add_row(Text("tab", style="bold"), "Next field")
    return table


class HelpScreen(Dialog[None]):
    """The key reference; escape, `?` or `q` closes it."""

    BINDINGS = [
        Binding("question_mark,q", "cancel", "Close", id="help-close", tooltip="Close the help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape closes"
            yield Static(help_table(), id="help-keys")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # arrows and page keys scroll the list
