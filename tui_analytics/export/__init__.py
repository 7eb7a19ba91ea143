"""Exports: the AnalyticsExportService of docs/api.md, CSV/JSON writers, atomic files and safe names.

No Textual here: the dashboard, the CLI and the reports service all use these.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them (`X as X`: exported, not only imported)
    from tui_analytics.export.csvfmt import ExportDataError as ExportDataError
    from tui_analytics.export.csvfmt import flatten as flatten
    from tui_analytics.export.csvfmt import neutralise as neutralise
    from tui_analytics.export.csvfmt import rows_to_csv as rows_to_csv
    from tui_analytics.export.files import AtomicFile as AtomicFile
    from tui_analytics.export.files import check_filename as check_filename
    from tui_analytics.export.files import remove_stale_temps as remove_stale_temps
    from tui_analytics.export.files import resolve_inside as resolve_inside
    from tui_analytics.export.files import safe_filename as safe_filename
    from tui_analytics.export.files import save_export as save_export
    from tui_analytics.export.files import sidecar_path as sidecar_path
    from tui_analytics.export.files import write_atomic as write_atomic
    from tui_analytics.export.jsonfmt import EXPORT_VERSION as EXPORT_VERSION
    from tui_analytics.export.jsonfmt import build_metadata as build_metadata
    from tui_analytics.export.options import CONTENT_TYPES as CONTENT_TYPES
    from tui_analytics.export.options import DATASETS as DATASETS
    from tui_analytics.export.options import FORMATS as FORMATS
    from tui_analytics.export.options import ExportOptions as ExportOptions
    from tui_analytics.export.options import ExportResult as ExportResult
    from tui_analytics.export.options import build_filename as build_filename
    from tui_analytics.export.options import check_export_options as check_export_options
    from tui_analytics.export.options import extension_for as extension_for
    from tui_analytics.export.options import validate_export_options as validate_export_options
    from tui_analytics.export.render import comprehensive_rows as comprehensive_rows
    from tui_analytics.export.render import render_export as render_export
    from tui_analytics.export.service import AnalyticsExportService as AnalyticsExportService
    from tui_analytics.export.service import FileExport as FileExport

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
