"""The bar chart: its axis is labelled by the bars it draws, and it tells how many it draws."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tui_analytics.ui.widgets.chart import BarChart

pytestmark = pytest.mark.slow  # a Textual app driven with Pilot


class ChartApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.shown: list[int] = []

    def compose(self) -> ComposeResult:
        yield BarChart(id="chart")

    def on_bar_chart_shown(self, message: BarChart.Shown) -> None:
        self.shown.append(message.count)


async def test_the_peak_label_is_of_a_day_drawn_and_the_count_is_told() -> None:
    # 30 days; the biggest (1,234) is the oldest, cut away at 20 columns
    points = [("11-09", 1234.0)] + [(f"12-{day:02d}", float(day * 10)) for day in range(1, 30)]
    app = ChartApp()
    async with app.run_test(size=(20, 8)) as pilot:
        chart = app.query_one(BarChart)
        chart.set_points(points)
        await pilot.pause()
        lines = str(chart.render()).splitlines()
        drawn = chart.shown()
        assert 0 < drawn < len(points)
        assert lines[0].split()[0] == f"{max(v for _, v in points[-drawn:]):,.0f}"  # 290, not 1,234
        assert len(lines[0]) <= 20
        assert lines[-1].rstrip().endswith("12-29")  # the newest day is drawn
        await pilot.pause()
        assert app.shown[-1] == drawn
        chart.set_points([], empty="nothing")
        await pilot.pause()
        assert app.shown[-1] == 0
