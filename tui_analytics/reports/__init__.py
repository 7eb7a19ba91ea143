"""Scheduled reports: templates, crontab schedules, generation, history, catch-up, e-mail.

No Textual here: the dashboard, the CLI and scripts use the same service.
"""

from __future__ import annotations

from .cron import SCHEDULE_CRONS, CrontabTrigger, describe_cron, next_fire_times, previous_fire_time
from .delivery import DeliveryResult
from .models import (
    DATASETS,
    FORMATS,
    SCHEDULES,
    GeneratedReport,
    ReportStatistics,
    ReportTemplate,
    ScheduledReport,
)
from .service import AnalyticsScheduledReportsService
from .templates import DEFAULT_IDS, DEFAULT_TEMPLATES
from .validation import EDITABLE_FIELDS, validate_email, validate_field, validate_fields

__all__ = [
    "DATASETS",
    "DEFAULT_IDS",
    "DEFAULT_TEMPLATES",
    "EDITABLE_FIELDS",
    "FORMATS",
    "SCHEDULES",
    "SCHEDULE_CRONS",
    "AnalyticsScheduledReportsService",
    "CrontabTrigger",
    "DeliveryResult",
    "GeneratedReport",
    "ReportStatistics",
    "ReportTemplate",
    "ScheduledReport",
    "describe_cron",
    "next_fire_times",
    "previous_fire_time",
    "validate_email",
    "validate_field",
    "validate_fields",
]
