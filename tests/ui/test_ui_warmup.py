"""The dialogs are warmed after the first frame (their figures: `python -m benchmarks --only dialogs`)."""

from __future__ import annotations

import pytest

from tests.support.sample import sample_app
from tests.support.ui import settle, until
from tui_analytics.ui.warmup import MODULES, warm_dialogs


def test_every_module_the_warm_up_names_imports() -> None:
    assert warm_dialogs() == []
    assert "tui_analytics.ui.screens.template" in MODULES and "tui_analytics.ui.screens.export" in MODULES


@pytest.mark.slow
async def test_the_dialogs_widget_styles_are_registered_before_any_dialog_opens(settings) -> None:
    app = sample_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def registered() -> set[str]:
            return {name for _path, name in app.stylesheet.source if name.endswith(".DEFAULT_CSS")}

        await until(pilot, lambda: {"Select.DEFAULT_CSS", "ToggleButton.DEFAULT_CSS", "CommandPalette.DEFAULT_CSS"} <= registered())
        assert app.screen is app.main_screen  # no dialog was opened for it
        await pilot.press("e")  # and a dialog opened after it is styled as before
        await pilot.pause()
        assert type(app.screen).__name__ == "ExportDialog"
        assert app.screen.query_one("#dialog").styles.border_top[0] == "round"
