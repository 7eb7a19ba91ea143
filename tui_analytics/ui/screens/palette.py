"""Textual's command palette over a backdrop rendered once (see backdrop.py): opening it rendered
and tinted the whole dashboard behind it on the loop, ~25 ms of its first frame."""

from __future__ import annotations

from textual.command import CommandPalette

from tui_analytics.ui.screens.backdrop import CachedBackdrop


class Palette(CommandPalette, CachedBackdrop[None]):
    """The command palette (ctrl+p): the same widgets, bindings and providers."""

    def on_mount(self) -> None:
        # The backdrop in the mount's turn of the loop, not in the first layout's (see Dialog.on_mount).
        self._backdrop_for(self.app.size)
