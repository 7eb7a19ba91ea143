"""`m`: the notification history, newest first, each message whole.

Toasts time out and only a few show at once; errors quoted in them (a job's failure,
a report's delivery) stay readable here until the dashboard quits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_analytics.ui.screens.base import Dialog

_STYLES = {"error": "bold red", "warning": "yellow"}


def history_table(entries: Iterable[tuple[datetime, str, str, str]], tz: tzinfo) -> Table | Text:
    """Time, title and message of each entry, newest first; the texts are shown literally."""
    rows = list(entries)
    if not rows:
        return Text("No notifications yet.")
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("when", no_wrap=True, width=8)
    table.add_column("what", ratio=1)
    for when, severity, title, message in reversed(rows):
        head = Text(title or severity.capitalize(), style=_STYLES.get(severity, "bold"))
        table.add_row(Text(when.astimezone(tz).strftime("%H:%M:%S"), style="dim"), head)
        table.add_row("", Text(message, overflow="fold"))  # a path has no spaces to wrap at: fold it, never cut
    return table


class MessagesScreen(Dialog[None]):
    """The notification history; escape, `m` or `q` closes it."""

    BINDINGS = [Binding("m,q", "cancel", "Close", id="messages-close", tooltip="Close the history")]

    def __init__(self, entries: Iterable[tuple[datetime, str, str, str]], tz: tzinfo) -> None:
        super().__init__()
        self.table = history_table(entries, tz)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Notifications"
            box.border_subtitle = "newest first · escape closes"
            yield Static(self.table, id="messages")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # arrows and page keys scroll the list
