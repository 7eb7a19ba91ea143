"""tui-analytics: a terminal dashboard for an application's analytics.

The public API is importable from here. Names load on first use, so importing
the package stays cheap and never pulls in Textual.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # configuration and shared types
    "Settings": "config",
    "load_settings": "config",
    "mask_url": "config",
    "DateRange": "daterange",
    "Clock": "clock",
    "SystemClock": "clock",
    "FrozenClock": "clock",
    "EventBus": "events",
    "ServiceEvent": "events",
    "TuiAnalyticsError": "errors",
    "ConfigError": "errors",
    "DatabaseError": "errors",
    "SourceSchemaError": "errors",
    "UnknownJobError": "errors",
    "UnknownTemplateError": "errors",
    "ExportOptionsError": "errors",
    "TemplateValidationError": "errors",
    # data
    "AdminAnalyticsOptimizedRepository": "repository",
    # background processor
    "AnalyticsBackgroundProcessor": "processor",
    "JobStatus": "processor",
    "JobMetrics": "processor",
    "JobRun": "processor",
    "get_analytics_background_processor": "processor",
    "stop_analytics_background_processor": "processor",
    "AnalyticsCache": "cache",
    # reliability: one scheduler per state database, retries, event-loop stalls
    "SchedulerLock": "locking",
    "LockHolder": "locking",
    "RetryPolicy": "retry",
    "StallMonitor": "stall",
    "Stall": "stall",
    "CacheEntry": "cache",
    # export
    "AnalyticsExportService": "export",
    "ExportOptions": "export",
    "ExportResult": "export",
    # reports
    "AnalyticsScheduledReportsService": "reports",
    "ReportTemplate": "reports",
    "GeneratedReport": "reports",
    "ScheduledReport": "reports",
    "ReportStatistics": "reports",
    "get_analytics_scheduled_reports_service": "reports",
    "stop_analytics_scheduled_reports": "reports",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tui_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
