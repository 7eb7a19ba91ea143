"""Every pane's border can be seen, focused or not; the focused one stands out."""

from __future__ import annotations

import pytest

from tests.support.sample import app_for
from tests.support.ui import settle
from tui_analytics.ui.screen import MainScreen

pytestmark = pytest.mark.slow  # Pilot

WIDE = (160, 50)


def brightness(color) -> float:
    r, g, b = color.rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


async def test_unfocused_pane_borders_stand_off_the_background(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        background = screen.styles.background
        focused = [p for p in ("jobs", "metrics", "analytics", "reports") if screen.pane(p).has_focus_within]
        assert focused == ["jobs"]
        for name in ("metrics", "analytics", "reports"):
            _, color = screen.pane(name).styles.border_top
            blended = background + color  # a border colour with alpha is drawn over the background
            assert abs(brightness(blended) - brightness(background)) >= 60, (name, blended.hex)
        _, focus_color = screen.pane("jobs").styles.border_top
        assert (background + focus_color).hex != (background + screen.pane("metrics").styles.border_top[1]).hex
