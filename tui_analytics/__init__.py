"""tui-analytics: a terminal dashboard for an application's analytics.

The public API is importable from here. Names load on first use, so importing
the package stays cheap and never pulls in Textual.
"""

from __future__ import annotations

from tui_analytics.runtime.lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # configuration and shared types
    "Settings": "config.settings",
    "load_settings": "config.settings",
    "mask_url": "config.settings",
    "DateRange": "runtime.daterange",
    "Clock": "runtime.clock",
    "SystemClock": "runtime.clock",
    "FrozenClock": "runtime.clock",
    "EventBus": "runtime.events",
    "ServiceEvent": "runtime.events",
    "TuiAnalyticsError": "runtime.errors",
    "ConfigError": "runtime.errors",
    "DatabaseError": "runtime.errors",
    "SourceSchemaError": "runtime.errors",
    "UnknownJobError": "runtime.errors",
    "UnknownTemplateError": "runtime.errors",
    "ExportOptionsError": "runtime.errors",
    "TemplateValidationError": "runtime.errors",
    # data
    "AdminAnalyticsOptimizedRepository": "data.source.repository",
    # background processor
    "AnalyticsBackgroundProcessor": "processor",
    "JobStatus": "processor",
    "JobMetrics": "processor",
    "JobRun": "processor",
    "get_analytics_background_processor": "api",
    "stop_analytics_background_processor": "api",
    "AnalyticsCache": "processor.cache",
    # reliability: one scheduler per state database, retries, event-loop stalls
    "SchedulerLock": "data.state.locking",
    "LockHolder": "data.state.locking",
    "RetryPolicy": "runtime.retry",
    "StallMonitor": "runtime.stall",
    "Stall": "runtime.stall",
    "CacheEntry": "processor.cache",
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
    "get_analytics_scheduled_reports_service": "api",
    "stop_analytics_scheduled_reports": "api",
    # the composition root
    "Services": "wiring",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
