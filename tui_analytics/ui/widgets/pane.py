"""The base of the four panes: a bordered box with a title and a widget to focus."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable


class Pane(Vertical):
    """A titled pane. `focus_stops()` are the widgets Tab visits, in order.

    Panes carry the `pane` class; the screen adds `-active` to the one shown in
    the tabbed (small terminal) layout.
    """

    TITLE = ""
    NUMBER = 0

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = f"{self.NUMBER} {self.TITLE}"

    def focus_stops(self) -> list[Widget]:
        return [w for w in self.query("DataTable, .focus-stop") if w.focusable or w.can_focus]


class StyledTable(DataTable):
    """A DataTable whose cells can be styled by named component classes.

    Colours come from the stylesheet (`StyledTable > .tone--error { color: $error; }`),
    never from Python, so themes and NO_COLOR apply.
    """

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "tone--good",
        "tone--bad",
        "tone--busy",
        "tone--muted",
        "tone--warn",
    }

    DEFAULT_CSS = """
    StyledTable { height: auto; max-height: 100%; }
    """

    def tone(self, text: str, tone: str | None) -> Text:
        """The text in one of the tones (`good`, `bad`, `busy`, `muted`, `warn`), or plain."""
        if not tone:
            return Text(text)
        style = self.get_component_rich_style(f"tone--{tone}", partial=True)
        return Text(text, style=style if isinstance(style, Style) else "")
