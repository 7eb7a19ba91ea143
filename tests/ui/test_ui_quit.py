"""`q` quits at once when nothing runs, and asks first (saying what will be lost) when work is in flight."""

from __future__ import annotations

import pytest

from tests.support.sample import app_for
from tests.support.ui import gated_services, settle, static_text, until
from tui_analytics.ui.messages import ExportProgress, ExportStarted
from tui_analytics.ui.screens.confirm import QuitDialog

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)


async def test_q_with_nothing_running_quits_at_once(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, QuitDialog)
        assert app.quitting


async def test_q_during_a_job_run_asks_names_the_job_and_a_second_q_quits(settings) -> None:
    services, gate = gated_services(settings, "user_growth")
    app = app_for(services)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("t")  # user-growth, held in its query
            await until(pilot, gate.entered.is_set)
            await until(pilot, lambda: services.processor.get_job_status("user-growth").status == "running")
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog))
            message = static_text(app.screen.query_one("#message"))
            assert "user-growth" in message and "interrupted" in message
            await pilot.press("n")  # stay
            await pilot.pause()
            assert not app.quitting and not isinstance(app.screen, QuitDialog)
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog))
            await pilot.press("q")  # the second q confirms
            await until(pilot, lambda: app.quitting)
    finally:
        gate.release.set()


async def test_q_during_an_export_says_the_file_is_discarded(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        # What the export worker posts while it writes (the export itself is tested elsewhere).
        app.post_message(ExportStarted("recent-activity"))
        app.post_message(ExportProgress("recent-activity", 470_000, 9_000_000))
        await pilot.pause()
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        message = static_text(app.screen.query_one("#message"))
        assert "recent-activity" in message and "470,000 rows" in message and "discarded" in message
        await pilot.press("escape")
        await pilot.pause()
        assert not app.quitting
