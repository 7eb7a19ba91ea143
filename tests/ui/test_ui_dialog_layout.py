"""Every dialog keeps its buttons on screen in small terminals, and a toggle's state reads without colour.

At 80x24 (and shorter) a dialog's body scrolls and its buttons stay docked below
it: with a long error and a long preview the template editor is taller than the
terminal, and its Save button must still be there to press.
"""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widgets import Button, Input, Select

from tests.support.sample import app_for
from tests.support.ui import settle
from tui_analytics.ui.screens import ConfirmDialog, ExportDialog, InvalidateDialog, TemplateDialog
from tui_analytics.ui.screens.base import Toggle

pytestmark = pytest.mark.slow  # every dialog at several terminal sizes, driven with Pilot

# (keys that open the dialog, its type, the ids of its buttons)
DIALOGS = [
    (("e",), ExportDialog, ("ok", "cancel")),
    (("4", "n"), TemplateDialog, ("ok", "cancel")),
    (("i",), InvalidateDialog, ("ok", "cancel")),
    (("c",), ConfirmDialog, ("yes", "no")),
]


def _fully_visible(screen, widget) -> bool:
    """The widget's whole region is drawn on the screen (not clipped by a scroll or the terminal)."""
    region = widget.region
    shown = screen.find_widget(widget).visible_region  # clipped by every container it sits in
    return region.area > 0 and shown == region and Region(0, 0, *screen.size).contains_region(region)


async def _too_tall_template(dialog) -> None:
    """The editor at its tallest: a custom cron with a long zone (a three-line preview) and a long error."""
    dialog.query_one("#schedule", Select).value = "custom"
    dialog.query_one("#cron", Input).value = "*/5 0-23 * * 1-5"
    dialog.query_one("#timezone", Input).value = "America/Argentina/ComodRivadavia"
    dialog.query_one("#recipients", Input).value = "ops@example.com, not an address, " + "x" * 60


@pytest.mark.parametrize("size", [(80, 24), (80, 18)], ids=["80x24", "80x18"])
@pytest.mark.parametrize("keys,kind,buttons", DIALOGS, ids=[d[1].__name__ for d in DIALOGS])
async def test_dialog_buttons_stay_on_screen(services, size, keys, kind, buttons) -> None:
    app = app_for(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot, rounds=1)
        dialog = app.screen
        assert isinstance(dialog, kind)
        if kind is TemplateDialog:
            await _too_tall_template(dialog)
            await settle(pilot, rounds=1)
            assert dialog.query_one("#error").display  # the bad recipient is explained
            if size[1] < 24:  # taller than the room: the body scrolls
                body = dialog.query_one(".body")
                assert body.virtual_size.height > body.size.height
        for button_id in buttons:
            button = dialog.query_one(f"#{button_id}", Button)
            assert _fully_visible(dialog, button), f"{button_id} hidden at {size}: {button.region}"


async def test_the_body_scrolls_to_the_focused_field(services) -> None:
    app = app_for(services)
    async with app.run_test(size=(80, 18)) as pilot:
        await settle(pilot)
        await pilot.press("4", "n")
        await settle(pilot, rounds=1)
        dialog = app.screen
        await _too_tall_template(dialog)
        dialog.query_one("#is_active", Toggle).focus()
        await settle(pilot, rounds=1)
        assert _fully_visible(dialog, dialog.query_one("#is_active", Toggle))


async def test_a_toggle_shows_its_state_without_colour(services) -> None:
    app = app_for(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot, rounds=1)
        dialog = app.screen
        metadata, gzip = dialog.query_one("#metadata", Toggle), dialog.query_one("#gzip", Toggle)
        assert metadata.render().plain.startswith("▐X▌") and gzip.render().plain.startswith("▐ ▌")
        gzip.focus()
        await pilot.press("space")
        await pilot.pause()
        assert gzip.value and gzip.render().plain.startswith("▐X▌")
