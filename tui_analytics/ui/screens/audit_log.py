"""`a`: the audit log, newest first: who changed what, from where, and how it ended.

Read from the state database (data/state/audit.py) when the screen opens, in a worker thread.
Every text is shown literally (a template name is not Rich markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_analytics.ui.screens.base import Dialog

if TYPE_CHECKING:
    from tui_analytics.data.state.audit import AuditEntry

SHOWN = 500  # the newest rows shown; `tui-analytics audit` reads them all


def audit_table(rows: Sequence[AuditEntry], tz: tzinfo) -> Table | Text:
    """When, who@host (face, pid), what and target, and the outcome of each row."""
    if not rows:
        return Text("No changes recorded yet.")
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("when", no_wrap=True, width=14)
    table.add_column("what", ratio=1)
    for row in rows:
        failed = row.outcome.startswith(("failed", "interrupted"))
        head = Text(f"{row.action} {row.target}", style="bold red" if failed else "bold")
        table.add_row(Text(row.at.astimezone(tz).strftime("%m-%d %H:%M:%S"), style="dim"), head)
        who = f"{row.user}@{row.host} ({row.face}, pid {row.pid}): {row.outcome}"
        table.add_row("", Text(who, overflow="fold"))
    return table


class AuditScreen(Dialog[None]):
    """The audit log; escape, `a` or `q` closes it."""

    BINDINGS = [Binding("a,q", "cancel", "Close", id="audit-close", tooltip="Close the audit log")]

    def __init__(self, rows: Sequence[AuditEntry], tz: tzinfo) -> None:
        super().__init__()
        self.table = audit_table(rows, tz)
        self.count = len(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Audit log"
            box.border_subtitle = f"{self.count} newest first · escape closes"
            yield Static(self.table, id="audit")

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()
