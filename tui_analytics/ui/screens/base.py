"""What every dialog shares: escape cancels, a titled box, and a validator over core checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input

from ...runtime.errors import one_line

ResultT = TypeVar("ResultT")


class _Lines:
    """Lines already rendered, drawn again as they are."""

    def __init__(self, lines: list[list[Segment]]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline


def _tinted(strips: list[Strip], color: Color) -> list[list[Segment]]:
    """The lines as Textual's BackgroundScreen tints them, each distinct style tinted once (a
    screen has thousands of segments and a few dozen styles)."""
    tinted: dict[Style | None, Style | None] = {}
    lines = []
    for strip in strips:
        line = []
        for text, style, control in strip:
            if control:
                line.append(Segment(text, style, control))
                continue
            if style not in tinted:
                tinted[style] = next(iter(BackgroundScreen.process_segments([Segment(" ", style)], color))).style
            line.append(Segment(text, tinted[style]))
        lines.append(line)
    return lines


class Dialog(ModalScreen[ResultT], Generic[ResultT]):
    """A modal dialog; escape dismisses it with None (nothing happens)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog-cancel", tooltip="Close without changes")]

    _backdrop: tuple[Size, _Lines] | None = None

    def render(self) -> RenderableType:
        """The dashboard behind the dialog, dimmed: rendered once per size, then drawn as it was.

        Textual draws a translucent screen's backdrop by rendering the whole screen below and
        tinting each of its segments, again on every full update of the dialog: 30-50 ms a
        time at 160x48, the longest loop stall of opening a dialog. The backdrop does not need
        to follow the clock and countdowns while a dialog is in front."""
        return self._backdrop_for(self.size) or super().render()

    def _backdrop_for(self, size: Size) -> _Lines | None:
        if self._backdrop is None or self._backdrop[0] != size:
            stack = self.app.screen_stack
            under = stack[stack.index(self) - 1] if self in stack and stack.index(self) > 0 else None
            background = self.styles.background
            if under is None or background.a >= 1 or not size.area:
                return None
            self._backdrop = (size, _Lines(_tinted(under._compositor.render_strips(size), background)))
        return self._backdrop[1]

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler. On the first resume, just after the dialog was mounted
        # (each widget styled as it mounted), Screen would match the stylesheet against every
        # node again: 50-100 ms with the loop held for the template editor's fields. Later
        # resumes (back from a dialog opened over this one) refresh as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    async def _on_resize(self, event: events.Resize) -> None:
        # Runs before Screen's own handler. A dialog gets a Resize just after it is pushed, at the
        # size its resume has just laid it out at; Screen would lay out and draw it again, and
        # the whole dashboard behind it as well: ~45 ms more of the opening's hold of the loop.
        # Only a real change of size (the terminal resized) goes on to Screen's handler.
        size = event.size
        if self._compositor.size == size and all(
                screen._compositor.size == size for screen in self.app._background_screens):
            event.stop()
            event.prevent_default()

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

    def __init__(self, check: Callable[[str], Any]) -> None:
        super().__init__()
        self._check = check

    def validate(self, value: str) -> ValidationResult:
        try:
            self._check(value)
        except (ValueError, KeyError) as exc:
            return self.failure(one_line(exc))
        return self.success()
