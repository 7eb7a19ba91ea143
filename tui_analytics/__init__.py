"""tui-analytics: a terminal dashboard for an application's analytics.

The public API is importable from here. Names load on first use, so importing
the package stays cheap and never pulls in Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors see; at run time the names load on first use
    from tui_analytics.api import (
        get_analytics_background_processor as get_analytics_background_processor,
    )
    from tui_analytics.api import (
        get_analytics_scheduled_reports_service as get_analytics_scheduled_reports_service,
    )
    from tui_analytics.api import (
        stop_analytics_background_processor as stop_analytics_background_processor,
    )
    from tui_analytics.api import (
        stop_analytics_scheduled_reports as stop_analytics_scheduled_reports,
    )
    from tui_analytics.config.settings import Settings as Settings
    from tui_analytics.config.settings import load_settings as load_settings
    from tui_analytics.config.settings import mask_url as mask_url
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository as AdminAnalyticsOptimizedRepository
    from tui_analytics.data.state.locking import LockHolder as LockHolder
    from tui_analytics.data.state.locking import SchedulerLock as SchedulerLock
    from tui_analytics.export import (
        AnalyticsExportService as AnalyticsExportService,
    )
    from tui_analytics.export import (
        ExportOptions as ExportOptions,
    )
    from tui_analytics.export import (
        ExportResult as ExportResult,
    )
    from tui_analytics.processor import (
        AnalyticsBackgroundProcessor as AnalyticsBackgroundProcessor,
    )
    from tui_analytics.processor import (
        JobMetrics as JobMetrics,
    )
    from tui_analytics.processor import (
        JobRun as JobRun,
    )
    from tui_analytics.processor import (
        JobStatus as JobStatus,
    )
    from tui_analytics.processor.cache import AnalyticsCache as AnalyticsCache
    from tui_analytics.processor.cache import CacheEntry as CacheEntry
    from tui_analytics.reports import (
        AnalyticsScheduledReportsService as AnalyticsScheduledReportsService,
    )
    from tui_analytics.reports import (
        GeneratedReport as GeneratedReport,
    )
    from tui_analytics.reports import (
        ReportStatistics as ReportStatistics,
    )
    from tui_analytics.reports import (
        ReportTemplate as ReportTemplate,
    )
    from tui_analytics.reports import (
        ScheduledReport as ScheduledReport,
    )
    from tui_analytics.runtime.clock import Clock as Clock
    from tui_analytics.runtime.clock import FrozenClock as FrozenClock
    from tui_analytics.runtime.clock import SystemClock as SystemClock
    from tui_analytics.runtime.daterange import DateRange as DateRange
    from tui_analytics.runtime.errors import (
        ConfigError as ConfigError,
    )
    from tui_analytics.runtime.errors import (
        DatabaseError as DatabaseError,
    )
    from tui_analytics.runtime.errors import (
        ExportOptionsError as ExportOptionsError,
    )
    from tui_analytics.runtime.errors import (
        SourceSchemaError as SourceSchemaError,
    )
    from tui_analytics.runtime.errors import (
        TemplateValidationError as TemplateValidationError,
    )
    from tui_analytics.runtime.errors import (
        TuiAnalyticsError as TuiAnalyticsError,
    )
    from tui_analytics.runtime.errors import (
        UnknownJobError as UnknownJobError,
    )
    from tui_analytics.runtime.errors import (
        UnknownTemplateError as UnknownTemplateError,
    )
    from tui_analytics.runtime.events import EventBus as EventBus
    from tui_analytics.runtime.events import ServiceEvent as ServiceEvent
    from tui_analytics.runtime.retry import RetryPolicy as RetryPolicy
    from tui_analytics.runtime.stall import Stall as Stall
    from tui_analytics.runtime.stall import StallMonitor as StallMonitor
    from tui_analytics.wiring import Services as Services


from tui_analytics.runtime.version import __version__ as __version__  # noqa: E402 - after the lazy names

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
