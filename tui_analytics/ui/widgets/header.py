"""The one-line header: title, clock, scheduler state, source database, demo badge."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from tui_analytics.runtime.printable import printable
from tui_analytics.ui.format import STATUS_SYMBOLS
from tui_analytics.ui.widgets.pane import show


class TailLabel(Widget):
    """One line of text that, when too long, loses its beginning, not its end
    (for paths: the file name is the part worth keeping)."""

    DEFAULT_CSS = """
    TailLabel { height: 1; width: 1fr; }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = printable(text)

    def update(self, text: str) -> None:
        text = printable(text)
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        width = self.content_size.width
        text = self._text
        if width and len(text) > width:
            text = "…" + text[len(text) - width + 1 :]
        return Text(text, no_wrap=True)


class StatusHeader(Horizontal):
    """Title, clock, scheduler state, masked database URL and a demo-data badge.

    The clock is redrawn by the app's one-second tick; the rest changes on events.

    | Class | Applied to | When |
    | --- | --- | --- |
    | `-paused` | `#scheduler` | the scheduler is paused |
    | `-stopped` | `#scheduler` | the scheduler is not running (starting, or tests) |
    """

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        width: 1fr;
    }
    StatusHeader > Label { height: 1; padding: 0 1; text-wrap: nowrap; }
    StatusHeader > #database { padding: 0 1; }
    StatusHeader > #demo { display: none; }
    StatusHeader > #demo.-shown { display: block; }
    """

    def __init__(self, title: str, database: str, *, demo: bool, tz: tzinfo) -> None:
        super().__init__()
        self._title = title
        self._database = database
        self._demo = demo
        self._tz = tz

    def compose(self) -> ComposeResult:
        yield Label(self._title, id="title")
        yield Label("--:--:--", id="clock")
        yield Label("", id="scheduler")
        yield TailLabel(f"db {self._database}", id="database")
        yield Label("DEMO DATA", id="demo", classes="-shown" if self._demo else "")

    def set_time(self, now: datetime) -> None:
        local = now.astimezone(self._tz)
        show(self.query_one("#clock", Label), local.strftime("%H:%M:%S ") + (local.tzname() or ""))

    def set_scheduler(self, state: str, attached: str | None = None) -> None:
        """`running`, `paused`, `stopped`, `starting`, `read-only` (another process schedules) or
        `disabled` (auto sync off); `attached` names the process scheduling instead of this one."""
        label = self.query_one("#scheduler", Label)
        symbol = {"running": STATUS_SYMBOLS["running"], "paused": STATUS_SYMBOLS["paused"], "read-only": "◌"}.get(state, "○")
        show(label, f"{symbol} {printable(attached)}" if attached else f"{symbol} scheduler {state}")
        label.set_class(state in ("paused", "read-only"), "-paused")
        label.set_class(state not in ("running", "paused"), "-stopped")

    def set_database(self, database: str, *, demo: bool) -> None:
        self.query_one("#database", TailLabel).update(f"db {database}")
        self.query_one("#demo", Label).set_class(demo, "-shown")
