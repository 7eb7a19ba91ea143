"""The dashboard's dialogs (one per module) and the help screen.

Imported on first use (PEP 562): the export and template dialogs pull in the
export and reports packages (SQLAlchemy among them), which the first frame does
not need. The keys import a dialog's module when they open it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_MODULES = {
    "ConfirmDialog": "confirm",
    "ExportDialog": "export",
    "ExportRequest": "export",
    "HelpScreen": "help",
    "InvalidateDialog": "invalidate",
    "TemplateDialog": "template",
    "TemplateForm": "template",
}

if TYPE_CHECKING:
    from .confirm import ConfirmDialog
    from .export import ExportDialog, ExportRequest
    from .help import HelpScreen
    from .invalidate import InvalidateDialog
    from .template import TemplateDialog, TemplateForm


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


__all__ = [
    "ConfirmDialog",
    "ExportDialog",
    "ExportRequest",
    "HelpScreen",
    "InvalidateDialog",
    "TemplateDialog",
    "TemplateForm",
]
