"""The dashboard's dialogs (one per module), the help screen and the notification history.

Imported on first use (runtime.lazy): the export and template dialogs pull in the
export and reports packages (SQLAlchemy among them), which the first frame does
not need. The keys import a dialog's module when they open it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them (`X as X`: exported, not only imported)
    from tui_analytics.reports.models import BackfillRequest as BackfillRequest
    from tui_analytics.ui.screens.backfill_dialog import BackfillDialog as BackfillDialog
    from tui_analytics.ui.screens.confirm import ConfirmDialog as ConfirmDialog
    from tui_analytics.ui.screens.confirm import QuitDialog as QuitDialog
    from tui_analytics.ui.screens.detail import DetailScreen as DetailScreen
    from tui_analytics.ui.screens.export import ExportDialog as ExportDialog
    from tui_analytics.ui.screens.export import ExportRequest as ExportRequest
    from tui_analytics.ui.screens.help import HelpScreen as HelpScreen
    from tui_analytics.ui.screens.interval import IntervalChoice as IntervalChoice
    from tui_analytics.ui.screens.interval import IntervalDialog as IntervalDialog
    from tui_analytics.ui.screens.invalidate import InvalidateDialog as InvalidateDialog
    from tui_analytics.ui.screens.message_log import MessagesScreen as MessagesScreen
    from tui_analytics.ui.screens.template import TemplateDialog as TemplateDialog
    from tui_analytics.ui.screens.template import TemplateForm as TemplateForm

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
