"""One job run, from the scheduler to the Jobs pane: a finished run's event brings the job's new
status, and the pane repaints that row from it, without reading the processor back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.sample import app_for, concrete
from tests.support.ui import cell, settle, until
from tui_analytics.runtime.event_types import JobFailed

pytestmark = pytest.mark.slow  # Pilot

WIDE = (160, 50)


async def test_a_finished_run_repaints_its_row_from_the_status_it_brings(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        processor = concrete(services).processor
        table = app.main_screen.jobs.table
        assert "completed" in cell(table, "top-items", "status")
        # No other run meanwhile: another job's run redraws every row from the processor, which
        # would take back the status only the event brings (on a busy machine, before it is seen).
        processor.toggle_scheduler()
        await settle(pilot)
        # A status the processor does not hold: the pane can only have it from the event.
        brought = replace(processor.get_job_status("top-items"), status="failed", error="told by the event")
        processor.bus.publish(
            JobFailed("top-items", "scheduled", duration_ms=5.0, error="told by the event", status=brought, at=services.clock.now())
        )
        await until(pilot, lambda: "failed" in cell(table, "top-items", "status"))
        await settle(pilot)  # the Metrics and Analytics panes redraw with their batch; the row stays
        assert "failed" in cell(table, "top-items", "status")
        assert cell(table, "top-items", "error") == "told by the event"
        assert processor.get_job_status("top-items").status == "completed"


async def test_a_run_relayed_from_another_process_is_read_from_the_processor(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        processor = concrete(services).processor
        table = app.main_screen.jobs.table
        # Read back from the state database by the channel, a relayed event has no status: the
        # pane redraws from what this process's processor says.
        processor.bus.publish(
            JobFailed("top-items", "scheduled", duration_ms=5.0, error="elsewhere", at=services.clock.now(), remote="db1:100")
        )
        await settle(pilot)
        assert "completed" in cell(table, "top-items", "status")
        assert "elsewhere" not in " ".join(str(c) for c in table.get_row("top-items"))
