"""Exports: the AnalyticsExportService of docs/api.md, CSV/JSON writers, atomic files and safe names.

No Textual here: the dashboard, the CLI and the reports service all use these.
"""

from __future__ import annotations

from .csvfmt import ExportDataError, flatten, neutralise, rows_to_csv
from .files import (
    AtomicFile,
    check_filename,
    remove_stale_temps,
    resolve_inside,
    safe_filename,
    save_export,
    sidecar_path,
    write_atomic,
)
from .jsonfmt import EXPORT_VERSION, build_metadata
from .options import (
    CONTENT_TYPES,
    DATASETS,
    FORMATS,
    ExportOptions,
    ExportResult,
    build_filename,
    check_export_options,
    extension_for,
    validate_export_options,
)
from .service import AnalyticsExportService, FileExport, comprehensive_rows, render_export

__all__ = [
    "CONTENT_TYPES",
    "DATASETS",
    "EXPORT_VERSION",
    "FORMATS",
    "AnalyticsExportService",
    "AtomicFile",
    "ExportDataError",
    "ExportOptions",
    "ExportResult",
    "FileExport",
    "build_filename",
    "build_metadata",
    "check_export_options",
    "check_filename",
    "comprehensive_rows",
    "extension_for",
    "flatten",
    "neutralise",
    "remove_stale_temps",
    "render_export",
    "resolve_inside",
    "rows_to_csv",
    "safe_filename",
    "save_export",
    "sidecar_path",
    "validate_export_options",
    "write_atomic",
]
