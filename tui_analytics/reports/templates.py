"""The default templates and the conversions between template rows, fields and ReportTemplate."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, TypedDict

from tui_analytics.reports.cron import as_tz, next_fire_time
from tui_analytics.reports.models import ReportTemplate, TemplateFields
from tui_analytics.reports.validation import EDITABLE_FIELDS, validate_fields
from tui_analytics.runtime.errors import TemplateValidationError

if TYPE_CHECKING:
    from tui_analytics.reports.store import TemplateRow

# Datasets of a template created without a list, by schedule (as the defaults).
DATASETS_BY_SCHEDULE: dict[str, list[str]] = {
    "daily": ["activity-trends", "recent-activity"],
    "weekly": ["user-growth"],
    "monthly": ["comprehensive"],
    "quarterly": ["comprehensive", "performance"],
    "custom": ["comprehensive"],
}


class DefaultTemplate(TypedDict):
    """What a default template says; default_rows adds the fields every default has alike."""

    id: str
    name: str
    description: str
    schedule: str
    format: str
    datasets: list[str]


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    {
        "id": "daily-activity-summary",
        "name": "Daily Activity Summary",
        "description": "The previous day's activity: the day's totals and its newest activities.",
        "schedule": "daily",
        "format": "csv",
        "datasets": ["activity-trends", "recent-activity"],
    },
    {
        "id": "weekly-user-growth",
        "name": "Weekly User Growth Report",
        "description": "New and total users for the previous week (Monday to Sunday).",
        "schedule": "weekly",
        "format": "csv",
        "datasets": ["user-growth"],
    },
    {
        "id": "monthly-comprehensive",
        "name": "Monthly Comprehensive Analytics",
        "description": "Summary, user growth, activity trends, top items and recent activity for the previous month.",
        "schedule": "monthly",
        "format": "json",
        "datasets": ["comprehensive"],
    },
    {
        "id": "quarterly-performance",
        "name": "Quarterly Performance Review",
        "description": "Every dataset for the previous quarter, with database, cache and scheduler performance.",
        "schedule": "quarterly",
        "format": "csv",
        "datasets": ["comprehensive", "performance"],
    },
)
DEFAULT_IDS = tuple(t["id"] for t in DEFAULT_TEMPLATES)

# The camelCase spellings docs/api.md mentions (includeMetadata, isActive), accepted as aliases.
_ALIASES = {"includeMetadata": "include_metadata", "isActive": "is_active"}
READ_ONLY_FIELDS = ("id", "last_generated", "next_generation", "created_at", "is_default", "lastGenerated", "nextGeneration")
SCHEDULE_FIELDS = ("schedule", "cron", "timezone")


def default_rows(now: datetime) -> list[dict[str, object]]:
    """The four default templates as report_templates rows."""
    return [
        {
            **t,
            "cron": None,
            "timezone": None,
            "include_metadata": True,
            "recipients": [],
            "is_active": True,
            "skip_empty": False,
            "max_attachment_mb": None,
            "by": None,
            "is_default": True,
            "created_at": now,
            "updated_at": now,
        }
        for t in DEFAULT_TEMPLATES
    ]


def new_template_id() -> str:
    return f"custom-{uuid.uuid4().hex[:12]}"


def canonical_fields(data: Mapping[str, object] | None, fields: Mapping[str, object]) -> dict[str, object]:
    """Merge a positional mapping and keyword fields, with camelCase aliases renamed."""
    merged: dict[str, object] = {}
    for source in (data or {}, fields):
        for key, value in source.items():
            merged[_ALIASES.get(key, key)] = value
    return merged


def check_known(fields: Mapping[str, object], *, updating: bool) -> None:
    for key in fields:
        if key in READ_ONLY_FIELDS:
            if updating:
                raise TemplateValidationError(f"{key} cannot be changed")
            raise TemplateValidationError(f"{key} is set by the service, not by the caller")
        if key not in EDITABLE_FIELDS:
            raise TemplateValidationError(f"unknown template field {key!r} (editable: {', '.join(EDITABLE_FIELDS)})")


def normalise_new(fields: Mapping[str, object]) -> TemplateFields:
    """The validated fields of a new template, with defaults filled in."""
    check_known(fields, updating=False)
    missing: list[str] = []
    if fields.get("schedule") in (None, ""):
        if not fields.get("cron"):
            missing.append("schedule is required (daily, weekly, monthly, quarterly or custom)")
        else:
            fields = {**fields, "schedule": "custom"}
    if "name" not in fields:
        missing.append("name must not be empty")
    if missing:  # and whatever else is wrong with the fields given, in the same line
        try:
            validate_fields({key: value for key, value in fields.items() if key != "schedule" and value is not None})
        except TemplateValidationError as exc:
            missing.append(str(exc))
        raise TemplateValidationError("; ".join(missing))
    full = {
        "description": "",
        "format": "csv",
        "include_metadata": True,
        "recipients": [],
        "is_active": True,
        "cron": None,
        "timezone": None,
        "skip_empty": False,
        "max_attachment_mb": None,
        "by": None,
        **fields,
    }
    if full.get("datasets") is None:
        full.pop("datasets", None)
    clean = validate_whole(full)
    clean.setdefault("datasets", list(DATASETS_BY_SCHEDULE[clean["schedule"]]))
    return clean


def validate_whole(fields: Mapping[str, object]) -> TemplateFields:
    """Every field checked, then the rules that join fields."""
    clean = validate_fields(fields)
    if clean.get("schedule") == "custom" and not clean.get("cron"):
        raise TemplateValidationError("schedule 'custom' needs a cron expression")
    return clean


def to_template(row: TemplateRow, default_tz: tzinfo, now: datetime | None) -> ReportTemplate:
    """A ReportTemplate from a stored row; next_generation from its cron when active and `now` is given."""
    template = ReportTemplate(
        id=row["id"],
        name=row["name"],
        description=row.get("description") or "",
        schedule=row["schedule"],
        format=row["format"],
        include_metadata=bool(row["include_metadata"]),
        recipients=list(row.get("recipients") or []),
        last_generated=row.get("last_generated"),
        next_generation=None,
        is_active=bool(row["is_active"]),
        cron=row.get("cron"),
        timezone=row.get("timezone"),
        datasets=list(row.get("datasets") or []),
        is_default=bool(row.get("is_default")),
        created_at=row.get("created_at"),
        skip_empty=bool(row.get("skip_empty")),  # NULL in rows older than the column: off
        max_attachment_mb=row.get("max_attachment_mb"),
        by=row.get("by"),
    )
    if template.is_active and now is not None:
        try:
            tz = as_tz(template.timezone) if template.timezone else default_tz
            nxt = next_fire_time(template.effective_cron, tz, now)
        except (TemplateValidationError, ValueError):
            nxt = None  # a row edited by hand into nonsense: shown without a next run, not a crash
        template = replace(template, next_generation=nxt)
    return template


def sort_key(template: ReportTemplate) -> tuple[int, float, str]:
    """Defaults first in their documented order, then custom templates by creation."""
    order = DEFAULT_IDS.index(template.id) if template.id in DEFAULT_IDS else len(DEFAULT_IDS)
    created = template.created_at.timestamp() if template.created_at else 0.0
    return (order, created, template.id)
