"""The command palette (ctrl+p): every key's action, found by the words an operator would type,
from the same list as the keys; plus "Export <dataset>, last 30 days" for each dataset, and "Edit
recipients of <template>" and "Backfill <template>…" for each template."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, TypeAlias, cast

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui_analytics.runtime.redact import mask_destination
from tui_analytics.ui.keys import PALETTE_WORDS, key_label, palette_bindings
from tui_analytics.ui.widgets.titles import help_markup, highlighted, title_text

if TYPE_CHECKING:
    from tui_analytics.ui.screen import MainScreen

# The palette's "Export <dataset>, last 30 days" entries: (dataset, its name in the entry).
EXPORT_ENTRIES = (
    ("user-growth", "user growth"),
    ("activity-trends", "activity trends"),
    ("top-items", "top items"),
    ("recent-activity", "recent activity"),
    ("comprehensive", "comprehensive report"),
)

# (title, help, words to match, what to run)
Command: TypeAlias = tuple[str, str, str, Callable[[], Awaitable[None]]]


class DashboardCommands(Provider):
    """One command per binding in keys.py, run on the main screen (where the bindings live)."""

    def _commands(self) -> list[Command]:
        """(title, help, words to match, what to run) for each binding and each template's recipients."""
        screen = self._main()
        commands: list[Command] = [
            (
                f"{self._description(screen, binding)} ({key_label(binding, getattr(self.app, 'keymap', None))})",
                binding.tooltip,
                PALETTE_WORDS.get(binding.id or "", ""),
                partial(self._run, binding.action, binding.id or ""),
            )
            for binding in palette_bindings()
        ]
        for dataset, name in EXPORT_ENTRIES:
            commands.append(
                (
                    f"Export {name}, last 30 days",
                    "CSV with its metadata file, saved in the export directory (e chooses the format and period)",
                    f"export save file csv download {dataset} last 30 days month",
                    partial(self._export_last_days, dataset),
                )
            )
        for template in getattr(screen, "templates", ()):
            commands.append(
                (
                    f"Edit recipients of {template.name}",
                    ", ".join(mask_destination(r) for r in template.recipients) or "no recipients yet",
                    "recipients e-mail email send to",
                    partial(self._recipients, template.id),
                )
            )
            commands.append(
                (
                    f"Backfill {template.name}…",
                    f"Make its report for every {template.schedule} period of a range of past days",
                    "backfill fill missing past periods history regenerate catch up",
                    partial(self._backfill, template.id),
                )
            )
        return commands

    @staticmethod
    def _description(screen: object, binding: Binding) -> str:
        """What the key says now (the screen swaps some, e.g. `p` says Resume while paused)."""
        current = getattr(screen, "_bindings", None)
        shown = current.key_to_bindings.get(binding.key, []) if current is not None else []
        return shown[0].description if shown and shown[0].action == binding.action else binding.description

    def _main(self) -> MainScreen:
        # The dashboard's main screen, where the bindings live (the current screen in an app without one).
        return cast("MainScreen", getattr(self.app, "main_screen", None) or self.screen)

    async def _run(self, action: str, change: str) -> None:
        main = self._main()
        # A refused change is off (MainScreen.check_action), and run_action would say nothing: say why.
        refused = getattr(self.app, "access", None) is not None and self.app.access.refuses(change)  # type: ignore[attr-defined]
        await main.run_action(f"refuse({change!r})" if refused else action)

    async def _export_last_days(self, dataset: str) -> None:
        self._main().export_last_days(dataset, 30)

    async def _recipients(self, template_id: str) -> None:
        self._main().edit_recipients(template_id)

    async def _backfill(self, template_id: str) -> None:
        self._main().backfill(template_id)

    async def discover(self) -> Hits:
        for title, help_text, _words, run in self._commands():
            yield DiscoveryHit(title_text(title), run, text=title, help=help_markup(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, words, run in self._commands():
            # The name and the operator's words rank above a word met in passing in a description.
            score = max(matcher.match(title), matcher.match(words) * 0.95, matcher.match(help_text) * 0.7)
            if score > 0:
                yield Hit(score, highlighted(matcher, title), run, text=title, help=help_markup(help_text))
