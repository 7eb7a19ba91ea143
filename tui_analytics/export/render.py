"""Rendering fetched rows as an export held in memory (ExportResult): CSV or JSON, gzip when asked.

The export service renders its in-memory exports here, and the reports service its reports.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from datetime import datetime

from tui_analytics.export.csvfmt import rows_to_csv
from tui_analytics.export.jsonfmt import build_metadata, document, dumps
from tui_analytics.export.options import (
    CONTENT_TYPES,
    DATASET_COLUMNS,
    SECTION_KEYS,
    ExportOptions,
    ExportResult,
    build_filename,
    trend_columns,
)
from tui_analytics.export.stream import GZIP_LEVEL

# A row as the writers take it, and the comprehensive report: section key -> the summary or a dataset's rows.
Row = Mapping[str, object]
Sections = Mapping[str, Row | Sequence[Row]]


def comprehensive_rows(report: Sections) -> list[dict[str, object]]:
    """The comprehensive report as one table: a `section` column, then `<section>.<column>` columns."""
    rows: list[dict[str, object]] = [{"section": "summary", "summary": report.get("summary", {})}]
    for key in SECTION_KEYS.values():
        if key == "summary":
            continue
        rows.extend({"section": key, key: row} for row in report.get(key, []))
    return rows


def render_export(dataset: str, data: Sequence[Row] | Sections, options: ExportOptions, when: datetime) -> ExportResult:
    """Turn fetched data (rows, or the comprehensive report's sections) into an ExportResult (CSV or
    JSON text, gzip bytes when compressed)."""
    table = comprehensive_rows(data) if isinstance(data, Mapping) else data
    count = len(table)
    metadata = None
    if options.include_metadata:
        metadata = build_metadata(
            generated_at=when, date_range=options.date_range, total_records=count, export_format=options.format
        )
    if options.format == "csv":
        text, _ = rows_to_csv(table, columns=_empty_header(dataset, options.by), bom=options.excel_bom)
    else:
        text = dumps(document(data, metadata)) + "\n"
    payload: str | bytes = text
    if options.compression:
        payload = gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=int(when.timestamp()))
    size = len(payload) if isinstance(payload, bytes) else len(text.encode("utf-8"))
    return ExportResult(
        data=payload,
        filename=build_filename(dataset, when, options),
        content_type=CONTENT_TYPES[options.format],
        size=size,
        timestamp=when,
        dataset=dataset,
        format=options.format,
        record_count=count,
        metadata=metadata,
        content_encoding="gzip" if options.compression else None,
    )


def _empty_header(dataset: str, by: str | None) -> tuple[str, ...]:
    if dataset == "comprehensive":
        return ("section",) + tuple(f"summary.{c}" for c in DATASET_COLUMNS["summary"])
    return trend_columns(dataset, by)
