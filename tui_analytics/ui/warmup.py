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
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

log = logging.getLogger(__name__)

# What the dialogs import when they first open, heaviest first.
MODULES = (
    "tui_analytics.ui.screens.template",
    "tui_analytics.ui.screens.export",
    "tui_analytics.ui.screens.invalidate",
    "tui_analytics.ui.screens.confirm",
    "tui_analytics.ui.screens.help",
    "tui_analytics.ui.screens.message_log",
    "tui_analytics.ui.screens.detail",
    "tui_analytics.ui.screens.palette",
    "textual.command",
    "textual.widgets._select",
    "textual.widgets._checkbox",
    "textual.widgets._button",
    "textual.widgets._input",
    "textual.widgets.option_list",
)


def dialog_widgets() -> list[Widget]:
    """One of each widget the dialogs mount (not mounted: only their class's default CSS is read)."""
    from textual.command import CommandPalette
    from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static

    from tui_analytics.ui.screens.base import Toggle

    return [Button(), Checkbox(), Toggle(), Input(), Label(), Select([("a", "a")]), Static(), OptionList(), CommandPalette()]


def register_styles(app: App[None], widget: Widget) -> float:
    """Add one widget's default CSS to the app's stylesheet and parse it now (on the loop, while
    nothing waits) rather than when a dialog first mounts it; returns the milliseconds it took.
    The dashboard calls it once per widget of `dialog_widgets()`, one turn of the loop each."""
    started = time.perf_counter()
    for read_from, css, tie_breaker, scope in widget._get_default_css():
        app.stylesheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope)
    app.stylesheet.rules_map  # noqa: B018 - parses what was added
    return (time.perf_counter() - started) * 1000.0


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
