"""Exports: the AnalyticsExportService of docs/api.md, CSV/JSON writers, atomic files and safe names.

No Textual here: the dashboard, the CLI and the reports service all use these.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them
    from tui_analytics.export.csvfmt import ExportDataError, flatten, neutralise, rows_to_csv
    from tui_analytics.export.files import (
        AtomicFile,
        check_filename,
        remove_stale_temps,
        resolve_inside,
        safe_filename,
        save_export,
        sidecar_path,
        write_atomic,
    )
    from tui_analytics.export.jsonfmt import EXPORT_VERSION, build_metadata
    from tui_analytics.export.options import (
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
    from tui_analytics.export.render import comprehensive_rows, render_export
    from tui_analytics.export.service import AnalyticsExportService, FileExport

_EXPORTS = {
    "ExportDataError": "csvfmt",
    "flatten": "csvfmt",
    "neutralise": "csvfmt",
    "rows_to_csv": "csvfmt",
    "AtomicFile": "files",
    "check_filename": "files",
    "remove_stale_temps": "files",
    "resolve_inside": "files",
    "safe_filename": "files",
    "save_export": "files",
    "sidecar_path": "files",
    "write_atomic": "files",
    "EXPORT_VERSION": "jsonfmt",
    "build_metadata": "jsonfmt",
    "CONTENT_TYPES": "options",
    "DATASETS": "options",
    "FORMATS": "options",
    "ExportOptions": "options",
    "ExportResult": "options",
    "build_filename": "options",
    "check_export_options": "options",
    "extension_for": "options",
    "validate_export_options": "options",
    "AnalyticsExportService": "service",
    "FileExport": "service",
    "comprehensive_rows": "render",
    "render_export": "render",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
