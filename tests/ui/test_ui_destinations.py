"""The template editor with notification-URL destinations: shown masked in the field, the list and
the palette; a masked URL left as it is keeps the stored URL; a URL apprise cannot read is refused
in one masked line."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.support.sample import app_for
from tests.support.ui import settle, static_text
from tui_analytics.runtime.redact import mask_destination
from tui_analytics.ui.screen import MainScreen
from tui_analytics.ui.screens import TemplateDialog

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"


async def test_the_editor_shows_urls_masked_and_keeps_them(services) -> None:
    services.reports.update_report_template("weekly-user-growth", recipients=["ops@example.com", SLACK])
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        assert "TIiajkdnlazk" not in app.export_screenshot()
        await pilot.press("4", "down", "enter")  # weekly-user-growth
        dialog = app.screen
        assert isinstance(dialog, TemplateDialog)
        field = dialog.query_one("#recipients", Input)
        assert field.value == f"ops@example.com, {mask_destination(SLACK)}"
        field.focus()
        await pilot.press("end", *", nonsense://secret-token-999")
        await pilot.pause()
        error = static_text(dialog.query_one("#error"))
        assert "nonsense://***~" in error and "secret-token" not in error
        field.value = f"{mask_destination(SLACK)}, team@example.com"
        await pilot.pause()
        assert static_text(dialog.query_one("#error")) == ""
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        template = services.reports.get_report_template("weekly-user-growth")
        assert template.recipients == [SLACK, "team@example.com"]
        assert "TIiajkdnlazk" not in app.export_screenshot()
