"""Scheduled reports: templates, crontab schedules, generation, history, catch-up, e-mail.

No Textual here: the dashboard, the CLI and scripts use the same service.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them
    from tui_analytics.reports.cron import CrontabTrigger, describe_cron, next_fire_times, previous_fire_time
    from tui_analytics.reports.delivery import DeliveryResult
    from tui_analytics.reports.models import (
        DATASETS,
        FORMATS,
        SCHEDULE_CRONS,
        SCHEDULES,
        GeneratedReport,
        ReportStatistics,
        ReportTemplate,
        ScheduledReport,
    )
    from tui_analytics.reports.service import AnalyticsScheduledReportsService
    from tui_analytics.reports.templates import DEFAULT_IDS, DEFAULT_TEMPLATES
    from tui_analytics.reports.validation import EDITABLE_FIELDS, validate_email, validate_field, validate_fields

_EXPORTS = {
    "SCHEDULE_CRONS": "models",
    "CrontabTrigger": "cron",
    "describe_cron": "cron",
    "next_fire_times": "cron",
    "previous_fire_time": "cron",
    "DeliveryResult": "delivery",
    "DATASETS": "models",
    "FORMATS": "models",
    "SCHEDULES": "models",
    "GeneratedReport": "models",
    "ReportStatistics": "models",
    "ReportTemplate": "models",
    "ScheduledReport": "models",
    "AnalyticsScheduledReportsService": "service",
    "DEFAULT_IDS": "templates",
    "DEFAULT_TEMPLATES": "templates",
    "EDITABLE_FIELDS": "validation",
    "validate_email": "validation",
    "validate_field": "validation",
    "validate_fields": "validation",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
