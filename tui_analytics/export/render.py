"""Rendering fetched rows as an export held in memory (ExportResult): CSV or JSON, gzip when asked.

The export service renders its in-memory exports here, and the reports service its reports.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone, tzinfo

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
from tui_analytics.export.xlsxfmt import XlsxBook, write_metadata, write_table

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


def render_export(
    dataset: str, data: Sequence[Row] | Sections, options: ExportOptions, when: datetime, zone: tzinfo = timezone.utc
) -> ExportResult:
    """Turn fetched data (rows, or the comprehensive report's sections) into an ExportResult (CSV or
    JSON text, XLSX bytes with its times in `zone`, gzip bytes when compressed)."""
    table = comprehensive_rows(data) if isinstance(data, Mapping) else data
    count = len(table)
    metadata = None
    if options.include_metadata:
        metadata = build_metadata(
            generated_at=when, date_range=options.date_range, total_records=count, export_format=options.format
        )
    payload: str | bytes
    if options.format == "xlsx":
        payload = xlsx_bytes(dataset, data, metadata, zone, _empty_header(dataset, options.by))
    elif options.format == "csv":
        payload, _ = rows_to_csv(table, columns=_empty_header(dataset, options.by), bom=options.excel_bom)
    else:
        payload = dumps(document(data, metadata)) + "\n"
    raw = payload.encode("utf-8") if isinstance(payload, str) else payload
    if options.compression:
        payload = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=int(when.timestamp()))
    size = len(payload) if isinstance(payload, bytes) else len(raw)
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


def xlsx_bytes(
    dataset: str, data: Sequence[Row] | Sections, metadata: Mapping[str, object] | None, zone: tzinfo, columns: Sequence[str]
) -> bytes:
    """A workbook in memory: one sheet for a dataset's rows, or one per section (a mapping is one row)."""
    buffer = io.BytesIO()
    book = XlsxBook(buffer, zone)
    if isinstance(data, Mapping):
        datasets = {key: name for name, key in SECTION_KEYS.items()}
        for key, rows in data.items():
            write_table(book, key, [rows] if isinstance(rows, Mapping) else rows, DATASET_COLUMNS.get(datasets.get(key, key), ()))
    else:
        write_table(book, dataset, data, columns)
    if metadata is not None:
        write_metadata(book, metadata)
    book.close()
    return buffer.getvalue()


def _empty_header(dataset: str, by: str | None) -> tuple[str, ...]:
    if dataset == "comprehensive":
        return ("section",) + tuple(f"summary.{c}" for c in DATASET_COLUMNS["summary"])
    return trend_columns(dataset, by)
