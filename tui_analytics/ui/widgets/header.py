"""The one-line header: title, clock, scheduler state, source database, demo badge."""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import urlsplit

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


MAPPED = " (mapped)"


def fit_database(database: str, width: int) -> str:
    """`db <url>` in `width` cells, keeping what tells the database apart: a server URL drops its
    scheme, user and port, then keeps only host and name; a file keeps its path's end. The
    "(mapped)" mark is kept whole ("… (mapped)" alone said nothing)."""
    url, suffix = (database[: -len(MAPPED)], MAPPED) if database.endswith(MAPPED) else (database, "")
    forms = [url]
    parts = urlsplit(url) if "://" in url else None
    if parts is not None and parts.hostname and not parts.scheme.startswith("sqlite"):
        name = parts.path.lstrip("/")
        forms += [f"{parts.hostname}/{name}" if name else parts.hostname] + ([name] if name else [])
    elif parts is not None and parts.path[1:].strip("/"):
        path = parts.path[1:].rstrip("/")  # sqlite:////srv/a.db is /srv/a.db, sqlite:///a.db is a.db
        room = width - len("db …") - len(suffix)
        name = path.rsplit("/", 1)[-1]
        # a file: as much of its path's end as fits, its name at least
        forms.append(path if room >= len(path) else ("…" + path[len(path) - room :] if room > len(name) else name))
    for form in forms:
        text = f"db {form}{suffix}"
        if not width or len(text) <= width:
            return text
    text = f"db {forms[-1]}{suffix}"
    return "…" + text[len(text) - width + 1 :] if width > 1 else text[:width]


class DatabaseLabel(TailLabel):
    """The header's database: see fit_database."""

    def render(self) -> Text:
        return Text(fit_database(self._text, self.content_size.width), no_wrap=True)


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
        yield DatabaseLabel(self._database, id="database")
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
        self.query_one("#database", DatabaseLabel).update(database)
        self.query_one("#demo", Label).set_class(demo, "-shown")
