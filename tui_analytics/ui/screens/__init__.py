"""The dashboard's dialogs (one per module), the help screen and the notification history.

Imported on first use (runtime.lazy): the export and template dialogs pull in the
export and reports packages (SQLAlchemy among them), which the first frame does
not need. The keys import a dialog's module when they open it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .backfill import BackfillDialog, BackfillRequest
    from .confirm import ConfirmDialog, QuitDialog
    from .detail import DetailScreen
    from .export import ExportDialog, ExportRequest
    from .help import HelpScreen
    from .interval import IntervalChoice, IntervalDialog
    from .invalidate import InvalidateDialog
    from .messages import MessagesScreen
    from .template import TemplateDialog, TemplateForm

_EXPORTS = {
    "BackfillDialog": "backfill",
    "BackfillRequest": "backfill",
    "ConfirmDialog": "confirm",
    "QuitDialog": "confirm",
    "DetailScreen": "detail",
    "ExportDialog": "export",
    "ExportRequest": "export",
    "HelpScreen": "help",
    "IntervalChoice": "interval",
    "IntervalDialog": "interval",
    "InvalidateDialog": "invalidate",
    "MessagesScreen": "messages",
    "TemplateDialog": "template",
    "TemplateForm": "template",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
