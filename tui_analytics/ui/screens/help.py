"""`?`: every key, read from the one list of bindings."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_analytics.ui.keys import GROUPS, key_label
from tui_analytics.ui.screens.base import Dialog


def _keys_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("key", no_wrap=True, width=10)
    table.add_column("does", ratio=1)
    for key, does in rows:
        table.add_row(Text(key, style="bold"), Text(does))
    return table


def help_table(keymap: Mapping[str, str] | None = None, hidden: Collection[str] = ()) -> Group:
    """The keys by group: key, what it does (the binding's tooltip), but the `hidden` binding ids (a
    read-only dashboard's changes). Each group's title is a line of its own (in the narrow key column
    it was cut to "Jobs and …")."""
    sections: list[Text | Table] = []
    groups = [
        (g.title, [(key_label(b, keymap), b.tooltip or b.description) for b in g.bindings if b.id not in hidden]) for g in GROUPS
    ]
    groups = [(title, rows) for title, rows in groups if rows]
    groups.append(("In dialogs", [("escape", "Close the dialog without changes"), ("tab", "Next field")]))
    for index, (title, rows) in enumerate(groups):
        sections.append(Text(("\n" if index else "") + title, style="bold underline"))
        sections.append(_keys_table(rows))
    return Group(*sections)


class HelpScreen(Dialog[None]):
    """The key reference, and where the log is; escape, `?` or `q` closes it."""

    BINDINGS = [
        Binding("question_mark,q", "cancel", "Close", id="help-close", tooltip="Close the help"),
    ]

    def __init__(self, log: str, keymap: Mapping[str, str] | None = None, hidden: Collection[str] = (), mode: str = "") -> None:
        super().__init__()
        self._hidden = frozenset(hidden)
        self._mode = mode
        self._log = log
        self._keymap = dict(keymap or {})

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape closes"
            if self._mode:
                yield Static(Text(f"{self._mode}: the keys that change something are left out.", style="bold"), id="help-mode")
            yield Static(help_table(self._keymap, self._hidden), id="help-keys")
            yield Static(Text(f"\nLog: {self._log} (rotated; -v for debug detail)"), id="help-log")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()  # arrows and page keys scroll the list
