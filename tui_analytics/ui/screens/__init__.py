"""The dashboard's dialogs (one per module) and the help screen."""

from .confirm import ConfirmDialog
from .export import ExportDialog, ExportRequest
from .help import HelpScreen
from .invalidate import InvalidateDialog
from .template import TemplateDialog, TemplateForm

__all__ = [
    "ConfirmDialog",
    "ExportDialog",
    "ExportRequest",
    "HelpScreen",
    "InvalidateDialog",
    "TemplateDialog",
    "TemplateForm",
]
