"""Warming the dialogs after the first frame, so their first opening does not stall the loop.

Opening a dialog the first time imported its module and everything under it (the export and
template dialogs pull in the export and reports packages, Textual's Select, Checkbox and Button)
on the event loop, in the key's handler: 60-70 ms with the loop held (540 ms before the services'
imports moved off the start). The dashboard runs `warm_dialogs` in a worker thread once its
panes are drawn; the loop keeps answering meanwhile (the GIL switches every few milliseconds),
and the first `e`, `n`, `i`, `?`, `v`, `m`, `c` or ctrl+p finds everything loaded.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

# What the dialogs import when they first open, heaviest first.
MODULES = (
    "tui_analytics.ui.screens.template",
    "tui_analytics.ui.screens.export",
    "tui_analytics.ui.screens.invalidate",
    "tui_analytics.ui.screens.confirm",
    "tui_analytics.ui.screens.help",
    "tui_analytics.ui.screens.messages",
    "tui_analytics.ui.screens.detail",
    "textual.command",
    "textual.widgets._select",
    "textual.widgets._checkbox",
    "textual.widgets._button",
    "textual.widgets._input",
    "textual.widgets.option_list",
)


def warm_dialogs() -> list[str]:
    """Import the dialogs' modules (blocking: call in a worker thread); returns those that failed."""
    failed = []
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up that fails only makes the first opening slower
            log.exception("warming %s failed", name)
            failed.append(name)
    return failed
