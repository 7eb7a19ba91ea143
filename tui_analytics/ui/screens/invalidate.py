"""`i`: a glob pattern, with the cache keys it would remove listed as it is typed."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tui_analytics.ui import format as fmt
from tui_analytics.ui.screens.base import Dialog, dialog_body

MAX_LISTED = 12


class InvalidateDialog(Dialog[str]):
    """Dismisses with the pattern to invalidate (the app then asks to confirm), or None.

    `matching(pattern)` lists the keys a pattern matches (an in-memory read of the cache).
    """

    def __init__(self, matching: Callable[[str], list[str]], pattern: str = "") -> None:
        super().__init__()
        self._matching = matching
        self._pattern = pattern

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="invalidate") as box:
            box.border_title = "Invalidate cache keys"
            with dialog_body():
                # Two short lines: one long line was cut at the dialog's width, losing the example's `*`.
                yield Label(
                    "Glob pattern: * matches any text, ? one character.\nFor example: user-growth*", id="pattern-hint", markup=False
                )
                yield Input(self._pattern, placeholder="user-growth*", id="pattern", compact=True)
                yield Static("", id="matches", markup=False)
            with Horizontal(classes="buttons"):  # docked below the body: always in sight
                yield Button("Invalidate…", id="ok", variant="warning", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show(self._pattern)
        self.query_one("#pattern", Input).focus()

    @on(Input.Changed, "#pattern")
    def _changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, pattern: str) -> None:
        pattern = pattern.strip()
        matches = self._matching(pattern) if pattern else []
        ok = self.query_one("#ok", Button)
        ok.disabled = not matches
        box = self.query_one("#matches", Static)
        if not pattern:
            box.update("Type a pattern; * matches every key.")
        elif not matches:
            box.update(f"No cache key matches {pattern!r}.")
        else:
            listed = "\n".join(f"  {key}" for key in matches[:MAX_LISTED])
            more = f"\n  … and {len(matches) - MAX_LISTED} more" if len(matches) > MAX_LISTED else ""
            box.update(f"{fmt.plural(len(matches), 'key')} would be removed:\n{listed}{more}")

    @on(Input.Submitted, "#pattern")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        pattern = self.query_one("#pattern", Input).value.strip()
        if pattern and self._matching(pattern):
            self.dismiss(pattern)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
