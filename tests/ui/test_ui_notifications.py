"""Toasts: a few at a time, each text once; every notification stays readable in the history (`m`)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tests.support.sample import app_for
from tests.support.ui import settle
from tui_analytics.ui.screens.message_log import MessagesScreen

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

NARROW = (80, 24)
WIDE = (160, 50)


def showing(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.parametrize(("size", "limit"), [(NARROW, 2), (WIDE, 4)])
async def test_at_most_a_few_toasts_show_and_the_newest_win(services, size, limit) -> None:
    app = app_for(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.clear_notifications()
        for n in range(8):
            app.notify(f"message {n}")
        await pilot.pause()
        assert showing(app) == [f"message {n}" for n in range(8 - limit, 8)]


async def test_the_same_text_showing_is_not_stacked_again(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.clear_notifications()
        for _ in range(3):
            app.notify("top-items skipped: it is already running.", title="Skipped", severity="warning")
        await pilot.pause()
        assert showing(app) == ["top-items skipped: it is already running."]


async def test_m_shows_every_notification_whole_newest_first(services) -> None:
    app = app_for(services)
    long_error = "cannot connect to postgresql://app:***@db.example/analytics: " + "x" * 300 + " END"
    long_path = "/srv/reports/" + "weekly-user-growth-report_2026-11-23_2026-11-29_20261130T090000Z" * 3 + ".csv"
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        for n in range(5):
            app.notify(f"message {n}")
        app.notify(long_error, title="Job failed", severity="error")
        app.notify(long_path, title="Report generated")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MessagesScreen)
        console = Console(width=80, record=True, file=io.StringIO())
        console.print(app.screen.table)
        text = console.export_text()
        flat = "".join(text.split())
        assert "END" in flat and "x" * 300 in flat and long_path in flat  # whole, not cut (folded at the width)
        assert all(f"message {n}" in text for n in range(5))
        assert text.index("Report generated") < text.index("Job failed") < text.index("message 4") < text.index("message 0")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessagesScreen)


@pytest.mark.parametrize("key", ["question_mark", "m", "e"])
async def test_no_toast_covers_a_dialog_at_80x24(services, key) -> None:
    from textual.widgets._toast import Toast  # Textual's toast widget (no public name)

    from tui_analytics.ui.screen import MainScreen

    app = app_for(services)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        app.notify("user-growth completed in 3 ms.", title="Job finished", timeout=60)
        await pilot.pause()
        assert any(t.display for t in app.screen.query(Toast))  # on the main screen it shows
        await pilot.press(key)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, MainScreen)
        assert not any(t.display for t in app.screen.query(Toast))  # over the dialog it does not
        assert showing(app) == ["user-growth completed in 3 ms."]  # still there, and in the log (m)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert any(t.display for t in app.screen.query(Toast))  # back on the main screen
