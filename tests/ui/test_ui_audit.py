"""The dashboard's changes in the audit log, one row each, named as the terminal face; `a` shows
them; a read-only dashboard refuses in one line and records nothing. Driven with Pilot."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tests.support.sample import app_for, concrete
from tests.support.ui import notes, settle
from tui_analytics.data.state import audit
from tui_analytics.runtime import actor
from tui_analytics.runtime.errors import UnknownJobError
from tui_analytics.ui.access import Access
from tui_analytics.ui.screens.audit_log import AuditScreen

pytestmark = pytest.mark.slow  # the whole dashboard driven with Pilot

WIDE = (160, 50)


def rows(services) -> list[audit.AuditEntry]:
    return audit.read(concrete(services).processor.state_engine)


async def test_each_change_is_one_row_naming_the_terminal_user(services, monkeypatch) -> None:
    monkeypatch.setattr(actor, "_face", "tui")
    app = app_for(services)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "t")  # top-items
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.table)
        shown = console.export_text()
        assert app.screen.count == 3 and "job.run top-items" in shown and f"@{actor.current_actor().host} (tui" in shown
    found = [(r.action, r.target, r.outcome, r.face) for r in reversed(rows(services))]
    assert found == [
        ("job.run", "top-items", "ok", "tui"),
        ("job.pause", "top-items", "ok", "tui"),
        ("job.resume", "top-items", "ok", "tui"),
    ]
    assert {r.user for r in rows(services)} == {actor.os_user()}


async def test_a_read_only_dashboard_refuses_and_records_nothing(services) -> None:
    app = app_for(services)
    app.access = Access("Read-only mode", exports=False)
    runs = concrete(services).processor.get_job_status("user-growth").runs
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        for key in ("t", "c", "i", "p", "z", "s", "e", "n", "d", "g"):
            await pilot.press(key)
            await settle(pilot)
        assert app.screen is app.main_screen  # no dialog opened
    refusals = [n[2] for n in notes(app) if n[1] == "Not allowed"]
    assert len(refusals) == 10 and all(r.startswith("Read-only mode: ") and "\n" not in r for r in refusals)
    assert rows(services) == []
    assert concrete(services).processor.get_job_status("user-growth").runs == runs  # t ran nothing


async def test_every_dashboard_change_is_recorded_with_its_outcome(services, monkeypatch) -> None:
    from datetime import date

    from tui_analytics.export.options import ExportOptions
    from tui_analytics.reports.models import BackfillRequest
    from tui_analytics.ui.screens.export import ExportRequest

    monkeypatch.setattr(actor, "_face", "web")
    monkeypatch.setenv(actor.WEB_USER_VARIABLE, "alice")
    await services.clear_cache()
    await services.invalidate_cache("top*")
    await services.set_job_interval("top-items", 300.0)
    made = await services.save_template(None, {"name": "Audit me", "schedule": "daily", "datasets": ["user-growth"]})
    await services.save_template(made.id, {"description": "edited"})
    await services.generate_report(made)
    await services.backfill(made, BackfillRequest(date(2026, 1, 10), date(2026, 1, 11), deliver=False), lambda *_: None)
    await services.export(ExportRequest("top-items", ExportOptions(format="csv")))
    await services.delete_template(made.id)
    with pytest.raises(UnknownJobError):
        await services.trigger_job("no-such-job")
    found = [(r.action, r.outcome.split(":")[0]) for r in reversed(rows(services))]
    assert found == [
        ("cache.clear", "ok"),
        ("cache.invalidate", "ok"),
        ("job.interval", "ok"),
        ("template.create", "ok"),
        ("template.edit", "ok"),
        ("report.generate", "ok"),
        ("report.backfill", "2 periods"),
        ("export", "ok"),
        ("template.delete", "ok"),
        ("job.run", "failed"),
    ]
    assert {(r.user, r.face) for r in rows(services)} == {("alice", "web")}
