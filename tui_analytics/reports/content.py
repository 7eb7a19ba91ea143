"""Building a report's content with the export service's repository, renderers and writers.

A thin adapter over tui_analytics.export: a template lists datasets, and a report
over a whole month or quarter needs every day and month of that period, while
the export service's comprehensive report uses fixed window sizes (30 days). So
the rows are fetched here, sized to the period, and rendered with the export
service's own renderers: a single dataset exactly as `export_dataset` would
write it; several datasets as one table with a `section` column (CSV, like the
comprehensive export) or one object keyed by section (JSON).

Blocking: call `build_report` from a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tui_analytics.export import CONTENT_TYPES, ExportOptions, ExportResult, build_metadata, rows_to_csv
from tui_analytics.export.jsonfmt import ExportMetadata, document, dumps
from tui_analytics.export.options import DATASET_COLUMNS, SECTION_KEYS, trend_columns
from tui_analytics.export.render import Row, Sections, render_export, xlsx_bytes
from tui_analytics.export.trends import other_unit, period_rows
from tui_analytics.reports.models import ReportTemplate
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.memory import process_memory

if TYPE_CHECKING:
    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)

# Rows per list dataset in a report: top items and the newest activities of the period.
TOP_ITEMS = 20
RECENT_ACTIVITY = 1000
COMPREHENSIVE_RECENT_ACTIVITY = 100
# What "comprehensive" stands for, in the order the sections are written.
COMPREHENSIVE = ("summary", "user-growth", "activity-trends", "top-items", "recent-activity")
SECTION_ORDER = COMPREHENSIVE + ("performance",)

# The performance section: measured through the repository, given the scheduler's state.
PerformanceSource = Callable[["SourceRepository", str], dict[str, object]]


class ReportMetadata(ExportMetadata):
    """A report's metadata block: the export's, then the template it was made from."""

    reportTemplate: str
    reportName: str


def expand_datasets(datasets: list[str]) -> list[str]:
    """The template's datasets with 'comprehensive' expanded, in section order, no repeats."""
    wanted: set[str] = set()
    for name in datasets:
        wanted.update(COMPREHENSIVE if name == "comprehensive" else (name,))
    return [name for name in SECTION_ORDER if name in wanted]


def period_sizes(date_range: DateRange, zone: tzinfo = timezone.utc) -> tuple[int, int]:
    """(months, days) that cover the whole range in `zone`, for the repository's window arguments."""
    start, last = date_range.start_utc.astimezone(zone), (date_range.end_utc - timedelta(microseconds=1)).astimezone(zone)
    days = (last.date() - start.date()).days + 1
    months = (last.year - start.year) * 12 + (last.month - start.month) + 1
    return max(1, months), max(1, days)


@runtime_checkable
class Rezoning(Protocol):
    """A repository that can count in another zone's days and months (the real one can)."""

    def in_zone(self, zone: tzinfo) -> SourceRepository: ...


def in_zone(repository: SourceRepository, zone: tzinfo) -> SourceRepository:
    """`repository` counting days and months in `zone` (a report template's zone): a repository that
    cannot (a test's fake, a wrapper) keeps its own."""
    return repository.in_zone(zone) if isinstance(repository, Rezoning) else repository


def section_key(dataset: str) -> str:
    return SECTION_KEYS.get(dataset, dataset)


def fetch_sections(
    repository: SourceRepository,
    datasets: list[str],
    date_range: DateRange,
    *,
    zone: tzinfo | None = None,
    performance: PerformanceSource | None = None,
    scheduler_state: str = "unknown",
    by: str | None = None,
) -> dict[str, Row | Sequence[Row]]:
    """The rows of every dataset the template lists, keyed by the export's section names; days and
    months are `zone`'s (the template's), as its period is (None: the repository's own); the
    trends per `by` period when it names another unit than theirs."""
    if zone is not None:
        repository = in_zone(repository, zone)
    months, days = period_sizes(date_range, zone or timezone.utc)
    names = expand_datasets(datasets)
    recent = RECENT_ACTIVITY if "recent-activity" in datasets else COMPREHENSIVE_RECENT_ACTIVITY
    out: dict[str, Row | Sequence[Row]] = {}
    for name in names:
        if name == "summary":
            out[section_key(name)] = repository.summary(date_range=date_range)
        elif other_unit(name, by) is not None:
            assert by is not None
            out[section_key(name)] = period_rows(repository, name, by, None, date_range, 1)
        elif name == "user-growth":
            out[section_key(name)] = repository.user_growth(months, date_range=date_range)
        elif name == "activity-trends":
            out[section_key(name)] = repository.activity_trends(days, date_range=date_range)
        elif name == "top-items":
            out[section_key(name)] = repository.top_items(TOP_ITEMS, date_range=date_range)
        elif name == "recent-activity":
            out[section_key(name)] = repository.recent_activity(recent, date_range=date_range)
        elif name == "performance":
            out["performance"] = (performance or performance_figures)(repository, scheduler_state)
    return out


class JobCounts(Protocol):
    """The processor's job metrics, as a report's performance section reads them."""

    @property
    def total_jobs(self) -> int: ...
    @property
    def successful_jobs(self) -> int: ...
    @property
    def failed_jobs(self) -> int: ...
    @property
    def average_job_duration_ms(self) -> float: ...


class JobFigures(Protocol):
    """What a report's performance section reads from the background processor."""

    @property
    def latest_performance(self) -> Mapping[str, object] | None: ...

    def get_job_metrics(self) -> JobCounts: ...


def performance_figures(repository: SourceRepository, scheduler_state: str, jobs: JobFigures | None = None) -> dict[str, object]:
    """Performance figures measured now, plus the processor's latest ones when one is given
    (without one: a report made by a process that runs no jobs). The composition root binds
    `jobs` to its own processor for the reports service."""
    figures: dict[str, object] = {}
    if jobs is not None:
        figures.update(jobs.latest_performance or {})
        try:
            metrics = jobs.get_job_metrics()
            figures.update(
                totalJobs=metrics.total_jobs,
                successfulJobs=metrics.successful_jobs,
                failedJobs=metrics.failed_jobs,
                averageJobDurationMs=metrics.average_job_duration_ms,
            )
        except Exception:  # the processor is optional here; its absence is not a report failure
            log.debug("processor metrics unavailable", exc_info=True)
    try:
        figures["databaseLatencyMs"] = round(float(repository.ping()), 2)
        figures["databaseError"] = None
    except Exception as exc:  # a report says the database is down; it does not fail for it
        figures["databaseLatencyMs"] = None
        figures["databaseError"] = one_line(exc)
    memory = process_memory()
    figures["memoryRssMb"] = memory.get("rssMb")
    figures["memoryVmsMb"] = memory.get("vmsMb")
    figures["schedulerState"] = scheduler_state
    return figures


def render_report(
    template: ReportTemplate, sections: Sections, date_range: DateRange, when: datetime, zone: tzinfo = timezone.utc
) -> ExportResult:
    """Render fetched sections in the template's format, with its metadata choice.

    The metadata block is the export's (generatedAt, dateRange, totalRecords,
    exportFormat, version) plus the template's id and name. As with exports,
    CSV metadata travels beside the file (`save_export` writes `<file>.meta.json`).
    """
    options = ExportOptions(format=template.format, date_range=date_range, include_metadata=False, by=template.by)
    names = [name for name in SECTION_ORDER if section_key(name) in sections]
    data: Sequence[Row] | Sections = sections
    if len(names) == 1 and names[0] in DATASET_COLUMNS and names[0] != "summary":
        rows = sections[section_key(names[0])]
        assert not isinstance(rows, Mapping)  # a dataset's rows: only the summary and performance are one mapping
        data = rows
        result = render_export(names[0], data, options, when, zone)
    elif names == list(COMPREHENSIVE) or template.format == "xlsx":  # XLSX: a sheet per section
        result = render_export("comprehensive", sections, options, when, zone)
    else:
        table = section_rows(sections)
        if template.format == "csv":
            text, _ = rows_to_csv(table, columns=("section",))
        else:
            text = dumps(sections) + "\n"
        result = ExportResult(
            data=text,
            filename="report" + (".csv" if template.format == "csv" else ".json"),
            content_type=CONTENT_TYPES[template.format],
            size=len(text.encode("utf-8")),
            timestamp=when,
            dataset="report",
            format=template.format,
            record_count=len(table),
        )
    if template.include_metadata:
        metadata = ReportMetadata(
            **build_metadata(
                generated_at=when, date_range=date_range, total_records=result.record_count, export_format=template.format
            ),
            reportTemplate=template.id,
            reportName=template.name,
        )
        result.metadata = metadata
        if template.format == "json":  # JSON carries its metadata block inside the document
            text = dumps(document(data, metadata)) + "\n"
            result.data = text
            result.size = len(text.encode("utf-8"))
        elif template.format == "xlsx":  # XLSX too, as its last sheet
            columns = trend_columns(names[0], template.by) if names[0] in DATASET_COLUMNS else ()
            result.data = xlsx_bytes(names[0] if data is not sections else "report", data, metadata, zone, columns)
            result.size = len(result.data)
    return result


def section_rows(sections: Sections) -> list[dict[str, object]]:
    """Sections as one table: a `section` column, then `<section>.<column>` columns (as the comprehensive CSV)."""
    rows: list[dict[str, object]] = []
    for key, value in sections.items():
        if isinstance(value, Mapping):
            rows.append({"section": key, key: value})
        else:
            rows.extend({"section": key, key: row} for row in value)
    return rows


# Per section: the figures that say something happened in the period (a day or month the
# repository fills in with zeros is not data). Performance is measured now, not in the period.
_ACTIVITY_FIGURES = {
    "userGrowth": ("newUsers",),
    "activityTrends": ("activities", "activeUsers"),
    "summary": ("totalActivities", "activeUsers", "newUsers"),
}


def is_empty(sections: Sections) -> bool:
    """True when no section holds data about the period: no activity, no new user, no row of a
    list (top items, recent activity). A report of performance figures alone is never empty."""
    seen = False
    for key, value in sections.items():
        if key == "performance":
            continue
        seen = True
        figures = _ACTIVITY_FIGURES.get(key)
        rows = [value] if isinstance(value, Mapping) else list(value or [])
        if figures is None:
            if rows:
                return False
        elif any(row.get(name) for row in rows for name in figures):
            return False
    return seen


def build_report(
    repository: SourceRepository,
    template: ReportTemplate,
    date_range: DateRange,
    when: datetime,
    *,
    zone: tzinfo | None = None,
    performance: PerformanceSource | None = None,
    scheduler_state: str = "unknown",
) -> ExportResult | None:
    """Fetch and render one report (blocking); None when the template skips empty periods and
    this one is empty (nothing rendered). Days and months are `zone`'s: the template's (XLSX
    date-times too)."""
    built = build_report_parts(
        repository, template, date_range, when, zone=zone, performance=performance, scheduler_state=scheduler_state
    )
    return built[0] if built is not None else None


def build_report_parts(
    repository: SourceRepository,
    template: ReportTemplate,
    date_range: DateRange,
    when: datetime,
    *,
    zone: tzinfo | None = None,
    performance: PerformanceSource | None = None,
    scheduler_state: str = "unknown",
) -> tuple[ExportResult, Sections] | None:
    """`build_report`, with the fetched sections too (what a mail or chat message shows of it)."""
    sections = fetch_sections(
        repository,
        template.datasets,
        date_range,
        zone=zone,
        performance=performance,
        scheduler_state=scheduler_state,
        by=template.by,
    )
    if template.skip_empty and is_empty(sections):
        return None
    return render_report(template, sections, date_range, when, zone or timezone.utc), sections
