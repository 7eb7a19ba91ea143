"""What an export is asked for (ExportOptions) and what it produces (ExportResult).

Validation lives here so the service, the CLI, the dashboard dialog and report
templates all reject the same options with the same one-line messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError

if TYPE_CHECKING:
    from tui_analytics.export.jsonfmt import ExportMetadata

FORMATS = ("csv", "json", "xlsx")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

EXTENSIONS = {"csv": ".csv", "json": ".json", "xlsx": ".xlsx"}

# The units `by` takes, and the datasets it applies to (comprehensive: its two trend sections).
BY_UNITS = ("day", "week", "month")
BY_DATASETS = ("user-growth", "activity-trends", "comprehensive")

# Dataset ids (CLI names, file-name stems) and the keys of the comprehensive report.
DATASETS = ("user-growth", "activity-trends", "top-items", "recent-activity", "comprehensive")

SECTION_KEYS = {
    "summary": "summary",
    "user-growth": "userGrowth",
    "activity-trends": "activityTrends",
    "top-items": "topItems",
    "recent-activity": "recentActivity",
}

# Column names per dataset, as docs/data.md lists them. Used as the CSV header of an
# empty result and of a streamed export (which cannot look ahead at all rows).
DATASET_COLUMNS: dict[str, tuple[str, ...]] = {
    "user-growth": ("month", "newUsers", "totalUsers"),
    "activity-trends": ("date", "activities", "activeUsers"),
    "top-items": ("rank", "itemId", "name", "category", "interactions", "uniqueUsers"),
    "recent-activity": ("timestamp", "userId", "userName", "action", "itemId", "itemName"),
    "summary": ("totalUsers", "activeUsers", "totalItems", "totalActivities"),
}


@dataclass
class ExportOptions:
    """How to export: format, period, metadata, gzip.

    `excel_bom` starts CSV text with a UTF-8 byte order mark so Excel reads it
    as UTF-8 (CSV only: JSON must not carry a BOM, RFC 8259). `by` counts user growth
    and activity trends per `day`, `week` or `month` of the reporting zone instead of
    their own unit (user growth by month, activity trends by day); None keeps those.
    """

    format: str = "csv"
    date_range: DateRange | None = None
    include_metadata: bool = False
    compression: bool = False
    excel_bom: bool = False
    by: str | None = None


@dataclass
class ExportResult:
    """One finished export, held in memory.

    `data` is text, or gzip bytes when compressed; `size` is its length in bytes
    (UTF-8). `content_type` names the format (`text/csv; charset=utf-8`,
    `application/json`); a compressed result keeps it and says
    `content_encoding="gzip"`, as HTTP does. For CSV with metadata the metadata
    is in `metadata`, not in the table; `save_export` writes it beside the file
    as `<filename>.meta.json`.
    """

    data: str | bytes
    filename: str
    content_type: str
    size: int
    timestamp: datetime
    dataset: str = ""
    format: str = "csv"
    record_count: int = 0
    metadata: ExportMetadata | None = None
    content_encoding: str | None = None

    @property
    def compressed(self) -> bool:
        return self.content_encoding == "gzip"

    def to_bytes(self) -> bytes:
        """The file's bytes, exactly as `save_export` writes them."""
        return self.data if isinstance(self.data, bytes) else self.data.encode("utf-8")


def check_export_options(options: object) -> ExportOptions:
    """Return the options if they can be honoured; otherwise raise ExportOptionsError saying why."""
    if not isinstance(options, ExportOptions):
        raise ExportOptionsError(f"export options must be ExportOptions, got {type(options).__name__}")
    fmt = options.format
    if fmt not in FORMATS:
        raise ExportOptionsError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    for name in ("include_metadata", "compression", "excel_bom"):
        if not isinstance(getattr(options, name), bool):
            raise ExportOptionsError(f"{name} must be true or false, got {getattr(options, name)!r}")
    if options.by is not None and options.by not in BY_UNITS:
        raise ExportOptionsError(f"unknown unit for by: {options.by!r}: use one of {', '.join(BY_UNITS)}")
    if options.excel_bom and fmt != "csv":
        raise ExportOptionsError("excel_bom applies to CSV only (JSON must not start with a byte order mark; XLSX is not text)")
    rng = options.date_range
    if rng is not None:
        if not isinstance(rng, DateRange):
            raise ExportOptionsError(f"date_range must be a DateRange, got {type(rng).__name__}")
        for bound in (rng.start, rng.end):
            if not isinstance(bound, (date, datetime)):
                raise ExportOptionsError(f"date range bounds must be dates or datetimes, got {type(bound).__name__}")
        rng.validate()
    return options


def validate_export_options(options: object) -> bool:
    """True when the options can be honoured: a known format (csv, json, xlsx) and start before end."""
    try:
        check_export_options(options)
    except ExportOptionsError:
        return False
    return True


def check_count(value: object, what: str, *, maximum: int = 1_000_000_000) -> int:
    """A positive whole number of months/days/rows, or ExportOptionsError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExportOptionsError(f"{what} must be a whole number, got {value!r}")
    if value < 1 or value > maximum:
        raise ExportOptionsError(f"{what} must be between 1 and {maximum:,}, got {value}")
    return value


def trend_columns(dataset: str, by: str | None) -> tuple[str, ...]:
    """A trend's columns counted by `by`: its unit's column (`date`, `week`, `month`), then its figures."""
    columns = DATASET_COLUMNS[dataset]
    if by is None or dataset not in ("user-growth", "activity-trends"):
        return columns
    return ({"day": "date", "week": "week", "month": "month"}[by],) + columns[1:]


def extension_for(options: ExportOptions) -> str:
    """`.csv`, `.json`, `.xlsx`, plus `.gz` when compressed."""
    return EXTENSIONS[options.format] + (".gz" if options.compression else "")


def build_filename(dataset: str, when: datetime, options: ExportOptions) -> str:
    """dataset + UTC timestamp + extension: `user-growth_20260115T120000Z.csv.gz`."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{dataset}_{stamp}{extension_for(options)}"


def date_range_label(rng: DateRange | None) -> str | None:
    return rng.label() if rng is not None else None
