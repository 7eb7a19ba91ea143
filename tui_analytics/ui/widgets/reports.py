"""The Reports pane: templates (schedule in plain English) and the generation history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Label, Static

from .. import format as fmt
from .pane import Pane, StyledTable

RUN_TONES = {"completed": "good", "failed": "bad", "interrupted": "bad", "running": "busy"}
DELIVERY_TONES = {"sent": "good", "partial": "warn", "failed": "bad"}
TEMPLATE_COLUMNS = [("name", "Template"), ("schedule", "Schedule"), ("next", "Next"), ("recipients", "Recipients"),
                    ("active", "On")]
HISTORY_COLUMNS = [("when", "When"), ("template", "Template"), ("status", "Status"), ("size", "Size"),
                   ("delivery", "Delivery"), ("file", "File")]
DELIVERY_LABELS = {"no-recipients": "no one", "not-sent": "not sent", "pending": "sending"}


@dataclass(frozen=True)
class ReportsView:
    """Templates, history (newest first) and statistics, as read by a worker."""

    templates: Sequence[Any] = ()
    history: Sequence[Any] = ()
    statistics: Any = None
    schedules: dict[str, str] = field(default_factory=dict)  # template id -> plain English


class ReportsPane(Pane):
    """Two tables: templates (enter edits, d deletes, g generates) and history.

    An empty list shows a hint with the key that fills it instead of a bare header.
    """

    TITLE = "Reports"
    NUMBER = 4

    def __init__(self, *, tz: tzinfo, id: str = "reports") -> None:
        super().__init__(id=id)
        self._tz = tz
        self._view = ReportsView()
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Label("Templates", classes="section-title")
        yield StyledTable(id="templates-table", cursor_type="row")
        yield Static("No report templates yet. Press n to create one.", id="templates-empty", classes="empty")
        yield Static("", id="template-detail", classes="detail")
        yield Label("History", id="history-title", classes="section-title")
        yield StyledTable(id="history-table", cursor_type="row", classes="fill")
        yield Static("No reports yet. Press g to generate the selected template now.", id="history-empty",
                     classes="empty")

    @property
    def templates_table(self) -> StyledTable:
        return self.query_one("#templates-table", StyledTable)

    @property
    def selected_template(self) -> Any | None:
        """The template under the cursor, or None when there are none."""
        table = self.templates_table
        if not table.row_count or not self._view.templates:
            return None
        key = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
        return next((t for t in self._view.templates if t.id == key), None)

    def show(self, view: ReportsView, now: datetime) -> None:
        self._view = view
        self._now = now
        table = self.templates_table
        table.refill(TEMPLATE_COLUMNS, ((t.id, self._template_cells(t, view, now)) for t in view.templates))
        # An explicit height (rows + header): `auto` waits for the table's idle pass to measure itself.
        table.styles.height = len(view.templates) + 1
        self.query_one("#templates-empty").display = not view.templates
        table.display = bool(view.templates)
        self._fill_history(view.history, now)
        self._show_detail()
        stats = view.statistics
        title = "History"
        if stats is not None:
            title += (f" · {stats.total_reports} reports, {stats.successful_reports} ok, "
                      f"{stats.failed_reports} failed · {stats.active_templates}/{stats.total_templates} templates active")
        self.query_one("#history-title", Label).update(title)

    def tick(self, now: datetime) -> None:
        """Redraw the selected template's countdown."""
        self._now = now
        self._show_detail()

    def _next(self, template: Any, now: datetime) -> str:
        if not template.is_active or template.next_generation is None:
            return fmt.DASH
        return fmt.short_datetime(template.next_generation, self._tz, now)

    def _template_cells(self, template: Any, view: ReportsView, now: datetime) -> list[Any]:
        table = self.templates_table
        schedule = view.schedules.get(template.id) or template.schedule
        return [
            fmt.truncate(template.name, 22),
            fmt.truncate(schedule, 18),
            self._next(template, now),
            fmt.join_recipients(template.recipients, 16),
            table.tone("✓", "good") if template.is_active else table.tone("○", "muted"),
        ]

    def _fill_history(self, history: Sequence[Any], now: datetime) -> None:
        table = self.query_one("#history-table", StyledTable)
        rows = []
        for run in history:
            delivery = run.delivery_status or fmt.DASH
            rows.append((run, fmt.short_datetime(run.started_at, self._tz, now), fmt.status_label(run.status),
                         fmt.size_bytes(run.size), DELIVERY_LABELS.get(delivery, delivery)))
        # When, Status, Size and Delivery keep their width; Template and File share the rest.
        labels = dict(HISTORY_COLUMNS)
        fixed = sum(max([len(labels[key])] + [len(row[i]) for row in rows])
                    for i, key in ((1, "when"), (2, "status"), (3, "size"), (4, "delivery")))
        width = table.size.width or self.size.width or 76
        room = max(16, width - fixed - 2 * 6 - 1)
        name_room = max(8, room * 2 // 5)
        table.refill(HISTORY_COLUMNS, (
            (str(run.id), [
                when,
                fmt.truncate(run.template_name, name_room),
                table.tone(status, RUN_TONES.get(run.status)),
                size,
                table.tone(delivery, DELIVERY_TONES.get(run.delivery_status or "")),
                table.tone(fmt.truncate(run.filename or run.error or fmt.DASH, room - name_room),
                           None if run.filename else "bad"),
            ])
            for run, when, status, size, delivery in rows
        ), follow_top=True)
        self.query_one("#history-empty").display = not history
        table.display = bool(history)

    def relayout(self) -> None:
        if self._now is not None:
            self._fill_history(self._view.history, self._now)

    def _show_detail(self) -> None:
        template = self.selected_template
        detail = self.query_one("#template-detail", Static)
        if template is None:
            detail.update("")
            return
        schedule = self._view.schedules.get(template.id) or template.schedule
        if template.is_active and template.next_generation is not None and self._now is not None:
            when = (f"next {fmt.short_datetime(template.next_generation, self._tz, self._now)} "
                    f"({fmt.countdown(template.next_generation, self._now)})")
        else:
            when = "inactive" if not template.is_active else "no next run"
        datasets = ", ".join(getattr(template, "datasets", []) or []) or "default datasets"
        recipients = ", ".join(template.recipients) or "no recipients"
        detail.update(Text(
            f"{template.id} · {template.format.upper()} · {schedule} ({template.effective_cron}) · {when} · "
            f"{datasets} · {recipients}"
        ))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "templates-table":
            self._show_detail()
