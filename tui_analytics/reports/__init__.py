"""Scheduled reports: templates, crontab schedules, generation, history, catch-up, e-mail.

No Textual here: the dashboard, the CLI and scripts use the same service.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them (`X as X`: exported, not only imported)
    from tui_analytics.reports.cron import CrontabTrigger as CrontabTrigger
    from tui_analytics.reports.cron import describe_cron as describe_cron
    from tui_analytics.reports.cron import next_fire_times as next_fire_times
    from tui_analytics.reports.cron import previous_fire_time as previous_fire_time
    from tui_analytics.reports.delivery import DeliveryResult as DeliveryResult
    from tui_analytics.reports.models import DATASETS as DATASETS
    from tui_analytics.reports.models import FORMATS as FORMATS
    from tui_analytics.reports.models import SCHEDULE_CRONS as SCHEDULE_CRONS
    from tui_analytics.reports.models import SCHEDULES as SCHEDULES
    from tui_analytics.reports.models import GeneratedReport as GeneratedReport
    from tui_analytics.reports.models import ReportStatistics as ReportStatistics
    from tui_analytics.reports.models import ReportTemplate as ReportTemplate
    from tui_analytics.reports.models import ScheduledReport as ScheduledReport
    from tui_analytics.reports.service import AnalyticsScheduledReportsService as AnalyticsScheduledReportsService
    from tui_analytics.reports.templates import DEFAULT_IDS as DEFAULT_IDS
    from tui_analytics.reports.templates import DEFAULT_TEMPLATES as DEFAULT_TEMPLATES
    from tui_analytics.reports.validation import EDITABLE_FIELDS as EDITABLE_FIELDS
    from tui_analytics.reports.validation import validate_email as validate_email
    from tui_analytics.reports.validation import validate_field as validate_field
    from tui_analytics.reports.validation import validate_fields as validate_fields

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
