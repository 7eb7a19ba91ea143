"""The dashboard's widgets: header, the four panes, and the bar chart they draw with."""

from tui_analytics.ui.widgets.analytics_pane import AnalyticsPane
from tui_analytics.ui.widgets.chart import BarChart
from tui_analytics.ui.widgets.header import StatusHeader
from tui_analytics.ui.widgets.jobs_pane import JobsPane
from tui_analytics.ui.widgets.metrics_pane import MetricsPane
from tui_analytics.ui.widgets.reports_pane import ReportsPane

__all__ = ["AnalyticsPane", "BarChart", "JobsPane", "MetricsPane", "ReportsPane", "StatusHeader"]
