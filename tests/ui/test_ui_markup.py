"""Text that looks like Textual markup is shown as text, everywhere: typed into every input, and
as a template's name and description opened in every view. None of it may crash the dashboard."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input

from tests.support.sample import app_for
from tests.support.ui import settle, until
from tui_analytics.ui.screen import MainScreen

pytestmark = pytest.mark.slow  # Pilot

WIDE = (160, 50)
MARKUPS = ("[/x]", "[bold]", "[link=x]", "fail[/]", "[/]", "[b]x[/i]")
NAME = "Sales [/b] weekly [bold] [link=x]y"


def _running(app) -> bool:
    return app.is_running and app.return_code is None


async def _type_everywhere_in(pilot, dialog_key: str) -> None:
    """Open a dialog, type every markup-looking text into each of its inputs, and leave it."""
    app = pilot.app
    await pilot.press(dialog_key)
    await settle(pilot)
    dialog = app.screen
    assert not isinstance(dialog, MainScreen), f"{dialog_key} opened no dialog"
    for field in dialog.query(Input):
        if field.disabled or not field.display:
            continue
        field.focus()
        for text in MARKUPS:
            field.value = ""
            await pilot.press(*text)
            await pilot.pause()
            assert field.value == text
    await pilot.press("escape")
    await settle(pilot)
    if not isinstance(app.screen, MainScreen):  # "discard your changes?"
        await pilot.press("y")
        await settle(pilot)
    assert _running(app)


async def test_markup_typed_into_every_dialog_input_is_text(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await _type_everywhere_in(pilot, "e")  # export: dates, size, file name
        await _type_everywhere_in(pilot, "i")  # invalidate: the pattern
        await _type_everywhere_in(pilot, "s")  # the selected job's interval
        await pilot.press("4")
        await _type_everywhere_in(pilot, "n")  # a new template: every field
        await pilot.press("4")
        await _type_everywhere_in(pilot, "enter")  # editing a template
        assert _running(app)


@pytest.mark.parametrize("pane", ["1", "4"])
async def test_markup_typed_into_the_filter_is_text(services, pane: str) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press(pane)
        for text in MARKUPS:
            await pilot.press("slash", *text)
            await settle(pilot)
            assert _running(app)
            await pilot.press("escape")
            await settle(pilot)
        assert _running(app)


async def test_a_template_named_in_markup_opens_in_every_view(services) -> None:
    template = services.reports.create_report_template(
        name=NAME,
        description="[/x] [bold]not bold[/bold] [link=x]",
        schedule="weekly",
        format="csv",
        include_metadata=True,
        recipients=["ops@example.com"],
        is_active=True,
    )
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        table = app.screen.query_one("#templates-table", DataTable)
        await until(pilot, lambda: template.id in [str(k.value) for k in table.rows])
        table.move_cursor(row=[str(k.value) for k in table.rows].index(template.id))
        await settle(pilot)

        await pilot.press("v")  # the template in full
        await settle(pilot)
        assert not isinstance(app.screen, MainScreen)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+p")  # the palette lists "Edit recipients of <name>"
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Sales")
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: commands.option_count > 0)
        await pilot.pause(0.3)
        prompts = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert any(NAME in prompt for prompt in prompts), prompts
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("enter")  # the editor shows the name as it is
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == NAME
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("g")  # a report of it: the toast and the history name it
        await settle(pilot)
        await pilot.press("m")  # the message history
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert _running(app)
