"""The dimmed dashboard behind a dialog or the palette, rendered once per size.

Textual draws a translucent screen's backdrop by rendering the whole screen below and tinting each
of its segments, again on every full update of the screen in front: 30-50 ms a time at 160x48, the
longest loop stall of opening a dialog. The backdrop does not need to follow the clock and the
countdowns while something is in front of it.
"""

from __future__ import annotations

from typing import TypeVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.geometry import Size
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import Screen
from textual.strip import Strip

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


class CachedBackdrop(Screen[ResultT]):
    """A screen over the dashboard whose dimmed backdrop is rendered once per size, and which is not
    laid out again (nor the dashboard behind it) for the size it has just been laid out at.

    Listed after the screen class it joins (`class Dialog(ModalScreen, CachedBackdrop)`): Textual
    takes a widget's CSS type names and component classes from its first bases only."""

    _backdrop: tuple[Size, _Lines] | None = None

    def render(self) -> RenderableType:
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

    async def _on_resize(self, event: events.Resize) -> None:
        # Runs before Screen's own handler. A screen gets a Resize just after it is pushed, at the
        # size its resume has just laid it out at; Screen would lay out and draw it again, and the
        # whole dashboard behind it as well: ~45 ms more of the opening's hold of the loop. Only a
        # real change of size (the terminal resized) goes on to Screen's handler.
        size = event.size
        if self._compositor.size == size and all(screen._compositor.size == size for screen in self.app._background_screens):
            event.stop()
            event.prevent_default()
