"""The command palette (ctrl+p): every key's action, found by name, from the same list as the keys."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import key_label, palette_bindings


class DashboardCommands(Provider):
    """One command per binding in keys.py, run on the main screen (where the bindings live)."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for each binding."""
        return [
            (f"{binding.description} ({key_label(binding)})", binding.tooltip, binding.action)
            for binding in palette_bindings()
        ]

    async def _run(self, action: str) -> None:
        screen = getattr(self.app, "main_screen", None) or self.screen
        await screen.run_action(action)

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = max(matcher.match(title), matcher.match(help_text))
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=help_text)
