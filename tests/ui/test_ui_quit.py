"""`q` quits at once when nothing runs, and asks first (saying what will be lost) when work is in flight."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Button, Select

from tests.support.processor_fakes import WrappedRepository
from tests.support.sample import app_for, sample_services
from tests.support.ui import current_screen, gated_services, settle, static_text, until
from tui_analytics.data.source.recent_stream import RecentActivityStream
from tui_analytics.ui.messages import ExportProgress, ExportStarted
from tui_analytics.ui.screens.confirm import QuitDialog
from tui_analytics.ui.screens.export import ExportDialog

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
        assert "Press q again to quit, n to stay." in message
        buttons = [str(b.label) for b in app.screen.query(Button)]
        assert buttons == ["Quit (q)", "Stay (n)"]  # the buttons name the keys the text names
        await pilot.press("escape")
        await pilot.pause()
        assert not app.quitting


class BufferedStream(WrappedRepository):
    """Recent activity read whole first, then handed out batch by batch, as psycopg's client-side
    cursor does (stopping the statement then stops nothing); held after the first batch."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.entered = threading.Event()
        self.release = threading.Event()

    def iter_recent_activity(self, limit=None, date_range=None, batch_size=5000) -> RecentActivityStream:
        fetched = list(self.inner.iter_recent_activity(limit, date_range, 1000).column_batches())

        def batches():
            for number, batch in enumerate(fetched):
                yield batch
                if number == 0:
                    self.entered.set()
                    self.release.wait(10)

        return RecentActivityStream(batches())


async def test_quitting_during_an_export_leaves_no_file(settings) -> None:
    repositories: list[BufferedStream] = []

    def wrap(repository):
        repositories.append(BufferedStream(repository))
        return repositories[0]

    services = sample_services(settings, wrap=wrap, shown_paths=False)
    exporter = services.export_service
    ended = threading.Event()
    write_file = exporter.write_file

    def writing(*args, **kwargs):
        try:
            return write_file(*args, **kwargs)
        finally:
            ended.set()

    exporter.write_file = writing  # type: ignore[method-assign]
    gate = repositories[0]
    app = app_for(services)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(current_screen(app), ExportDialog))
            current_screen(app).query_one("#dataset", Select).value = "recent-activity"
            await pilot.press("ctrl+s")  # every row: the export runs until the gate opens
            await until(pilot, gate.entered.is_set)
            await pilot.press("q")
            await until(pilot, lambda: isinstance(current_screen(app), QuitDialog))
            assert "discarded" in static_text(current_screen(app).query_one("#message"))
            await pilot.press("q")
            await until(pilot, lambda: app.quitting)
    finally:
        gate.release.set()  # the writer goes on with the rows it holds, after the app has gone
    assert ended.wait(10)
    exports = settings.resolved_export_dir
    assert not exports.exists() or list(exports.iterdir()) == []  # no file, no .meta.json, no temp
