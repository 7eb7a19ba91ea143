"""A dashboard attached to another scheduling process shows that process's pause, driven with Pilot."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from textual.widgets import DataTable

from tests.support.sample import app_for, concrete, sample_services
from tests.support.ui import cell, settle, static_text
from tui_analytics.ui.screen import MainScreen

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)


async def test_attached_to_a_paused_process_the_jobs_say_paused_not_a_countdown(settings) -> None:
    from tui_analytics.data.state import channel_tables as channel
    from tui_analytics.data.state import locking

    other = locking.SchedulerLock(settings.resolved_state_url)  # another process holds the lock
    locking.set_program("serve")
    try:
        assert other.join("other")
    finally:
        locking.set_program("")
    try:
        services = sample_services(settings, shown_paths=False, processor_options={"warm_on_start": False})
        soon = (services.clock.now() + timedelta(minutes=3)).isoformat()
        holder = {"pid": os.getpid(), "host": "db1", "program": "serve"}
        status = {"state": "paused", "holder": holder, "nextRuns": {"user-growth": soon, "top-items": soon}}
        channel.write_status(concrete(services).open_state(), status)
        services.load_last_known(remote=True)  # as opening does when another process holds the lock
        app = app_for(services, start_scheduler=True)
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, MainScreen)
            assert services.processor.read_only
            assert static_text(app.screen.header.query_one("#scheduler")).endswith("· paused")
            jobs = app.screen.query_one("#jobs-table", DataTable)
            assert "⏸ paused" in cell(jobs, "user-growth", "next")
            assert "⏸ paused" in cell(jobs, "top-items", "next")
            app.exit()
    finally:
        other.leave("other")
        other.release()
