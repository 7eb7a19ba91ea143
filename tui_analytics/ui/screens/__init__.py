"""The dashboard's dialogs (one per module), the help screen and the notification history.

Imported on first use (runtime.lazy): the export and template dialogs pull in the
export and reports packages (SQLAlchemy among them), which the first frame does
not need. The keys import a dialog's module when they open it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from tui_analytics.reports.models import BackfillRequest
    from tui_analytics.ui.screens.backfill_dialog import BackfillDialog
    from tui_analytics.ui.screens.confirm import ConfirmDialog, QuitDialog
    from tui_analytics.ui.screens.detail import DetailScreen
    from tui_analytics.ui.screens.export import ExportDialog, ExportRequest
    from tui_analytics.ui.screens.help import HelpScreen
    from tui_analytics.ui.screens.interval import IntervalChoice, IntervalDialog
    from tui_analytics.ui.screens.invalidate import InvalidateDialog
    from tui_analytics.ui.screens.message_log import MessagesScreen
    from tui_analytics.ui.screens.template import TemplateDialog, TemplateForm

_EXPORTS = {
    "BackfillDialog": "backfill_dialog",
    "BackfillRequest": "backfill_dialog",
    "ConfirmDialog": "confirm",
    "QuitDialog": "confirm",
    "DetailScreen": "detail",
    "ExportDialog": "export",
    "ExportRequest": "export",
    "HelpScreen": "help",
    "IntervalChoice": "interval",
    "IntervalDialog": "interval",
    "InvalidateDialog": "invalidate",
    "MessagesScreen": "message_log",
    "TemplateDialog": "template",
    "TemplateForm": "template",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
