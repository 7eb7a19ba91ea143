"""What every dialog shares: escape cancels, a titled box, and a validator over core checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input

from tui_analytics.runtime.errors import one_line
from tui_analytics.ui.screens.backdrop import CachedBackdrop

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT], CachedBackdrop[ResultT], Generic[ResultT]):
    """A modal dialog; escape dismisses it with None (nothing happens)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog-cancel", tooltip="Close without changes")]

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler. On the first resume, just after the dialog was mounted
        # (each widget styled as it mounted), Screen would match the stylesheet against every
        # node again: 50-100 ms with the loop held for the template editor's fields. Later
        # resumes (back from a dialog opened over this one) refresh as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        # The backdrop now, in the mount's turn of the loop, rather than in the first layout's
        # (which also lays out and draws the whole dialog): two shorter holds of the loop.
        self._backdrop_for(self.app.size)
        # Screenshot tests turn the blink off app-wide; each dialog's inputs follow.
        blink = getattr(self.app, "cursor_blink", True)
        for field in self.query(Input):
            field.cursor_blink = blink

    def action_cancel(self) -> None:
        self.dismiss(None)


def dialog_body() -> VerticalScroll:
    """The part of a dialog above its buttons. It scrolls when the terminal is too short (80x24
    with a long preview or error), so the buttons, docked below it, always stay in sight."""
    return VerticalScroll(classes="body", can_focus=False)


class Toggle(Checkbox):
    """A Checkbox whose glyph says its state: `▐X▌` on, `▐ ▌` off.

    Textual's Checkbox always draws an X and shows the state only by colour, which
    NO_COLOR (and some palettes) erase.
    """

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a class constant in Checkbox
        return "X" if self.value else " "


class Raises(Validator):
    """Valid when `check(value)` does not raise; the failure is the check's own one-line message.

    Lets the dialogs reuse the services' validation (the same messages as the CLI).
    """

    def __init__(self, check: Callable[[str], object]) -> None:
        super().__init__()
        self._check = check

    def validate(self, value: str) -> ValidationResult:
        try:
            self._check(value)
        except (ValueError, KeyError) as exc:
            return self.failure(one_line(exc))
        return self.success()
