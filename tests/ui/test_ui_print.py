"""Printing while the dashboard runs.

Textual redirects stdout and stderr to the app while it runs; a flush calls the
app's `_flush(stderr=...)`. An app method of the same name that takes other
arguments breaks every `print(..., flush=True)` (a library logging to stdout,
a debugging print), so the app must not shadow Textual's private methods.
"""

from __future__ import annotations

import sys

from tests.support.sample import sample_app
from tests.support.ui import settle
from tui_analytics.ui.screen import MainScreen


async def test_printing_and_flushing_while_the_app_runs_does_not_break_it(settings) -> None:
    app = sample_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        print("x", flush=True)
        sys.stdout.flush()
        print("y", file=sys.stderr, flush=True)
        sys.stderr.flush()
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, MainScreen)
        assert app.return_code is None  # not exited, nothing raised inside the app
        await pilot.press("2")  # still answering keys
        await pilot.pause()
        assert app.screen.active_pane == "metrics"
    # run_test raises at exit what the app caught while it ran; reaching here means nothing did
