"""`/` filters the Jobs, templates and history tables; the filter survives the live redraws."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.support.sample import app_for, generate_sample_reports, sample_app
from tests.support.ui import notes, settle, static_text
from tui_analytics.ui.widgets.filter import RowFilter

NARROW = (80, 24)
WIDE = (160, 50)


def test_a_filter_keeps_the_rows_that_hold_every_word_in_their_field_or_anywhere() -> None:
    job = {"id": "top-items", "name": "Top Items Ranking", "status": "failed", "error": "database is locked"}
    assert RowFilter.parse("fail").matches(job)
    assert RowFilter.parse("TOP locked").matches(job)  # every word, any case
    assert not RowFilter.parse("top growth").matches(job)
    assert RowFilter.parse("status:failed").matches(job) and RowFilter.parse("outcome:fail").matches(job)
    assert not RowFilter.parse("status:completed").matches(job)
    assert not RowFilter.parse("status:locked").matches(job)  # in the error, not the status
    assert RowFilter.parse("template:locked").matches(job)  # a field the row lacks: anywhere
    assert RowFilter.parse('"is locked"').matches(job) and not RowFilter.parse('"locked is"').matches(job)
    assert RowFilter.parse('unclosed "quo').terms == ((None, "unclosed"), (None, '"quo'))
    assert not RowFilter.parse("   ")  # no words: no filter


@pytest.mark.slow
async def test_slash_filters_the_jobs_through_redraws_and_ticks_and_escape_clears_it(settings) -> None:
    app = sample_app(settings, failed_job=True)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        pane = app.main_screen.jobs
        assert not pane.query("#jobs-table-filter")  # mounted by the first `/`, not at start-up
        await pilot.press("slash", *"fail")
        await pilot.pause()
        assert [str(key.value) for key in pane.table.rows] == ["top-items"]
        field = pane.query_one("#jobs-table-filter")
        assert pane.children.index(field) == pane.children.index(pane.table) - 1  # just above its table
        assert pane.border_title == "1 Jobs · /fail 1 of 6"
        await pilot.press("enter")  # back to the table, the filter kept
        await pilot.pause()
        assert pane.table.has_focus and pane.selected_job == "top-items"
        app.refresh_panes("jobs", "metrics", "analytics")  # what every job event does
        await settle(pilot)
        app._tick()
        await pilot.pause()
        assert [str(key.value) for key in pane.table.rows] == ["top-items"]
        assert pane.border_title == "1 Jobs · /fail 1 of 6"
        await pilot.press("slash", *" zzz")  # / again: the same input, with its text
        await pilot.pause()
        assert pane.table.row_count == 0 and pane.border_title == "1 Jobs · /fail zzz 0 of 6"
        assert "No job matches /fail zzz" in static_text(pane.query_one("#job-detail"))
        await pilot.press("escape")
        await pilot.pause()
        assert pane.table.row_count == 6 and pane.border_title == "1 Jobs"
        assert not pane.query_one("#jobs-table-filter").display and pane.table.has_focus
        await pilot.press("slash", *"status:completed", "enter", "escape")  # escape on the table clears too
        await pilot.pause()
        assert pane.table.row_count == 6 and pane.border_title == "1 Jobs"


@pytest.mark.slow
async def test_the_history_filters_by_template_and_outcome_and_the_templates_by_name(services) -> None:
    app = app_for(services)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await generate_sample_reports(app.services)
        app.refresh_panes("reports")
        await settle(pilot)
        pane = app.main_screen.reports
        history = pane.query_one("#history-table", DataTable)
        history.focus()
        await pilot.press("slash", *"template:weekly", "enter")
        await settle(pilot)
        assert history.row_count == 1
        assert pane.border_title == "4 Reports · history /template:weekly 1 of 2"
        app.refresh_panes("reports")  # a report event: the pane is read again
        await settle(pilot)
        assert history.row_count == 1
        history.focus()
        await pilot.press("slash", "ctrl+u", *"status:failed", "enter")
        await settle(pilot)
        assert history.row_count == 0 and pane.border_title == "4 Reports · history /status:failed 0 of 2"
        pane.templates_table.focus()
        await pilot.press("slash", *"quarterly", "enter")
        await settle(pilot)
        assert pane.templates_table.row_count == 1 and pane.selected_template is not None
        assert pane.selected_template.name.startswith("Quarterly")
        assert pane.border_title == ("4 Reports · templates /quarterly 1 of 4 · history /status:failed 0 of 2")


@pytest.mark.slow
async def test_slash_on_a_pane_without_a_table_to_filter_says_where_it_works(settings) -> None:
    app = sample_app(settings)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await pilot.pause()
        assert any("/ filters the Jobs table" in n[2] for n in notes(app))
