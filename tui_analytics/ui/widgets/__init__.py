"""The dashboard's widgets: header, the four panes, and the bar chart they draw with."""

from .analytics import AnalyticsPane
from .chart import BarChart
from .header import StatusHeader
from .jobs import JobsPane
from .metrics import MetricsPane
from .reports import ReportsPane

__all__ = ["AnalyticsPane", "BarChart", "JobsPane", "MetricsPane", "ReportsPane", "StatusHeader"]
