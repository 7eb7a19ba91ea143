"""A small vertical bar chart drawn with block characters (eighths of a cell)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from tui_analytics.ui.format import number

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def bar_rows(values: Sequence[float], rows: int, bar_width: int = 1, gap: int = 0) -> list[str]:
    """Text rows (top first) drawing one bar per value, scaled so the largest fills `rows`.

    A positive value always shows at least one eighth, so small days do not vanish.
    """
    top = max((v for v in values), default=0) or 1
    levels = [0 if v <= 0 else max(1, round(v / top * rows * 8)) for v in values]
    lines = []
    for row in range(rows):
        from_bottom = rows - 1 - row
        cells = []
        for level in levels:
            fill = min(8, max(0, level - from_bottom * 8))
            cells.append(_EIGHTHS[fill] * bar_width + " " * gap)
        lines.append("".join(cells).rstrip() if gap else "".join(cells))
    return lines


class BarChart(Widget):
    """Bars for a series of (label, value) points, with the peak on the y axis and the first
    and last labels under the bars. The newest points win when the width is short.

    | Component class | What |
    | --- | --- |
    | `barchart--bar` | the bars |
    | `barchart--axis` | axis labels |
    | `barchart--empty` | the "no data" text |
    """

    class Shown(Message):
        """The number of points drawn changed (a resize, new data): a title that counts them redraws."""

        def __init__(self, chart: BarChart, count: int) -> None:
            super().__init__()
            self.chart = chart
            self.count = count

        @property
        def control(self) -> BarChart:
            return self.chart

    COMPONENT_CLASSES = {"barchart--bar", "barchart--axis", "barchart--empty"}

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 3; }
    """

    def __init__(self, *, empty: str = "no data yet", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._points: list[tuple[str, float]] = []
        self._empty = empty
        self._title = ""
        self._drawn = 0  # points drawn last time (Shown tells the parent when it changes)

    @property
    def points(self) -> list[tuple[str, float]]:
        return list(self._points)

    def set_points(self, points: Sequence[tuple[str, float]], *, empty: str | None = None, title: str = "") -> None:
        """New data; `title` is drawn as the first line when there is room for it and a chart."""
        drawn = (self._points, self._empty, self._title)
        self._points = [(str(label), float(value or 0)) for label, value in points]
        if empty is not None:
            self._empty = empty
        self._title = title
        if (self._points, self._empty, self._title) != drawn:  # the same chart again: nothing to repaint
            self.refresh()
            self._tell_drawn()

    def shown(self) -> int:
        """How many points the chart draws at its present size (the newest ones); 0 when it draws none."""
        width, height = self.content_size.width, self.content_size.height
        if self._title and self._points:
            height -= 1
        if height < 3 or not self._points or width < 4:
            return 0
        return len(_layout(self._points, width)[1])

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        axis = self.get_component_rich_style("barchart--axis", partial=True)
        title = Text()
        if self._title and self._points:
            height -= 1
            title = Text(self._title + "\n", style=axis)
        if height < 3:
            return Text("")  # no room for a chart worth reading
        if not self._points or width < 4:
            return Text(self._empty, style=self.get_component_rich_style("barchart--empty", partial=True))
        gutter, points = _layout(self._points, width)
        peak = max(v for _, v in points)  # of the bars drawn: a day cut away does not label the axis
        room = width - gutter
        slot = room // len(points)
        gap = 1 if slot >= 2 else 0
        bar_width = max(1, min(4, slot - gap))
        rows = bar_rows([v for _, v in points], height - 1, bar_width, gap)
        bar = self.get_component_rich_style("barchart--bar", partial=True)
        text = Text(no_wrap=True, overflow="crop")
        text.append_text(title)
        for index, line in enumerate(rows):
            label = number(peak) if index == 0 else ("0" if index == len(rows) - 1 else "")
            text.append(label.rjust(gutter - 1) + " ", style=axis)
            text.append(line, style=bar)
            text.append("\n")
        first, last = points[0][0], points[-1][0]
        span = len(points) * (bar_width + gap) - gap
        if len(points) == 1 or len(first) + 1 + len(last) > span:
            footer = last.rjust(span) if len(points) > 1 else first  # no room for both: the newest
        else:
            footer = first + last.rjust(span - len(first))
        text.append(" " * gutter + footer, style=axis)
        return text

    def on_resize(self) -> None:
        self._tell_drawn()

    def _tell_drawn(self) -> None:
        """Post Shown when the count changed (not from render: Textual drops what it posts)."""
        count = self.shown()
        if count != self._drawn:
            self._drawn = count
            self.post_message(self.Shown(self, count))


def _layout(points: Sequence[tuple[str, float]], width: int) -> tuple[int, list[tuple[str, float]]]:
    """The y axis's width and the newest points that fit beside it, one column each at least.

    The axis is labelled with the peak of the points drawn, so its width depends on them: a
    narrower label leaves room for more points, whose peak must still fit it.
    """
    gutter = len(number(max(v for _, v in points))) + 1
    drawn = list(points[-max(1, width - gutter) :])
    while True:
        narrower = len(number(max(v for _, v in drawn))) + 1
        if narrower >= gutter:
            return gutter, drawn
        wider = list(points[-max(1, width - narrower) :])
        if len(number(max(v for _, v in wider))) + 1 > narrower:
            return narrower, drawn  # more points would need the wider label again: keep these
        gutter, drawn = narrower, wider
