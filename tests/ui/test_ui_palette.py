"""The command palette finds each action by the words an operator types, and edits a template's recipients."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from tests.support.sample import app_for, sample_services
from tests.support.ui import settle, until
from tui_analytics.ui.screens.template import TemplateDialog

pytestmark = pytest.mark.slow  # Pilot

NARROW = (80, 24)


async def first_hit(pilot, query: str) -> str:
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    commands = app.screen.query_one(CommandList)
    await until(pilot, lambda: commands.option_count > 0)
    await pilot.pause(0.3)  # the palette searches in a worker: let every provider answer
    title = str(commands.get_option_at_index(0).prompt).splitlines()[0]
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
    return title


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("trigger", "Run"),
        ("forget", "Invalidate"),
        ("download", "Export"),
        ("create template", "New"),
        ("recipients", "Edit recipients of"),
        ("send", "Generate"),
        ("why failed", "Details"),
        ("resume", "Pause"),
        ("shortcuts", "Help"),
        ("flush", "Clear"),
        ("export activity trends", "Export activity trends, last 30 days"),
    ],
)
async def test_the_palette_finds_an_action_by_an_operators_words(services, query, expected) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert (await first_hit(pilot, query)).startswith(expected)


async def test_edit_recipients_from_the_palette_opens_the_editor_in_that_field(services) -> None:
    app = app_for(services)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"recipients weekly")
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: commands.option_count > 0)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TemplateDialog))
        dialog = app.screen
        assert dialog.query_one("#name", Input).value == "Weekly User Growth Report"
        assert app.focused is dialog.query_one("#recipients", Input)


async def test_the_palette_says_resume_while_paused(settings) -> None:
    services = sample_services(settings, shown_paths=False, processor_options={"warm_on_start": False})
    app = app_for(services, start_scheduler=True)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert (await first_hit(pilot, "resume")).startswith("Resume (p)")
