"""The Reports pane: templates (schedule in plain English) and the generation history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Label, Static

from tui_analytics.runtime.redact import mask_destination
from tui_analytics.ui import format as fmt
from tui_analytics.ui.widgets.pane import Pane, show
from tui_analytics.ui.widgets.table import StyledTable

if TYPE_CHECKING:  # the reports package loads SQLAlchemy and APScheduler: not before the first frame
    from tui_analytics.reports.models import ReportStatistics, ReportTemplate, ScheduledReport

RUN_TONES = {"completed": "good", "failed": "bad", "interrupted": "bad", "running": "busy", "skipped": "muted"}
DELIVERY_TONES = {"sent": "good", "partial": "warn", "failed": "bad"}
TEMPLATE_COLUMNS = [
    ("name", "Template"),
    ("schedule", "Schedule"),
    ("next", "Next"),
    ("recipients", "Recipients"),
    ("active", "On"),
]
HISTORY_COLUMNS = [
    ("when", "When"),
    ("template", "Template"),
    ("status", "Status"),
    ("size", "Size"),
    ("delivery", "Delivery"),
    ("file", "File"),
]
NARROW = 70  # history table width below which Size and Delivery move to the line under it
DELIVERY_LABELS = {"no-recipients": "no one", "not-sent": "not sent", "pending": "sending"}


@dataclass(frozen=True)
class ReportsView:
    """Templates, history (newest first) and statistics, as read by a worker."""

    templates: Sequence[ReportTemplate] = ()
    history: Sequence[ScheduledReport] = ()
    statistics: ReportStatistics | None = None
    schedules: dict[str, str] = field(default_factory=dict)  # template id -> plain English
    zones: dict[str, tzinfo] = field(default_factory=dict)  # template id -> the zone its cron runs in
    paths: dict[int, str] = field(default_factory=dict)  # history run id -> file path as shown


class ReportsPane(Pane):
    """Two tables: templates (enter edits, d deletes, g generates) and history.

    An empty list shows a hint with the key that fills it instead of a bare header.
    """

    TITLE = "Reports"
    NUMBER = 4
    FILTERS = {"templates-table": "templates", "history-table": "history"}

    def __init__(self, *, tz: tzinfo, id: str = "reports") -> None:
        super().__init__(id=id)
        self._tz = tz
        self._view = ReportsView()
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Label("Templates", classes="section-title")
        yield StyledTable(id="templates-table", cursor_type="row")
        yield Static("Loading the templates…", id="templates-empty", classes="empty")  # until the first show()
        yield Static("", id="template-detail", classes="detail")
        yield Label("History", id="history-title", classes="section-title")
        yield StyledTable(id="history-table", cursor_type="row", classes="fill")
        yield Static("No reports yet. Press g to generate the selected template now.", id="history-empty", classes="empty")
        yield Static("", id="history-detail", classes="detail")

    @property
    def templates(self) -> Sequence[ReportTemplate]:
        """The templates shown (the palette offers to edit each one's recipients)."""
        return self._view.templates

    @property
    def templates_table(self) -> StyledTable:
        return self.query_one("#templates-table", StyledTable)

    @property
    def selected_template(self) -> ReportTemplate | None:
        """The template under the cursor, or None when there are none."""
        table = self.templates_table
        if not table.row_count or not self._view.templates:
            return None
        key = str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)
        return next((t for t in self._view.templates if t.id == key), None)

    def show(self, view: ReportsView, now: datetime) -> None:
        self._view = view
        self._now = now
        table = self.templates_table
        self._fill_templates()
        empty = self.query_one("#templates-empty", Static)
        empty.update("No report templates yet. Press n to create one.")
        empty.display = not view.templates
        table.display = bool(view.templates)
        self._fill_history(view.history, now)
        self._show_detail()
        stats = view.statistics
        title = "History"
        if stats is not None:
            title += (
                f" · {fmt.plural(stats.total_reports, 'report')}, {stats.successful_reports} ok, "
                f"{stats.failed_reports} failed · {stats.active_templates}/{stats.total_templates} templates active"
            )
        show(self.query_one("#history-title", Label), title)

    def tick(self, now: datetime) -> None:
        """Redraw the selected template's countdown."""
        self._now = now
        self._show_detail()

    def _zone(self, template: ReportTemplate) -> tzinfo:
        return self._view.zones.get(template.id, self._tz)

    def _next(self, template: ReportTemplate, now: datetime) -> str:
        """The next run in the template's own zone, labelled (the detail line adds the local time)."""
        if not template.is_active or template.next_generation is None:
            return fmt.DASH
        return fmt.zoned_datetime(template.next_generation, self._zone(template), now)

    def _template_cells(
        self, template: ReportTemplate, view: ReportsView, now: datetime, name_room: int, schedule_room: int
    ) -> list[str | Text]:
        table = self.templates_table
        schedule = view.schedules.get(template.id) or template.schedule
        return [
            fmt.truncate(template.name, name_room),
            fmt.truncate(schedule, schedule_room),
            self._next(template, now),
            fmt.join_recipients(template.recipients, 16),
            table.tone("✓", "good") if template.is_active else table.tone("○", "muted"),
        ]

    def _fill_templates(self) -> None:
        view, now = self._view, self._now or datetime.now().astimezone()
        table = self.templates_table
        # Next, Recipients (up to 16), On (2) and cell padding are fixed; name and schedule share the rest.
        width = table.size.width or self.size.width or 76
        columns = TEMPLATE_COLUMNS if width >= NARROW else [c for c in TEMPLATE_COLUMNS if c[0] != "recipients"]
        recipients = max([10] + [len(fmt.join_recipients(t.recipients, 16)) for t in view.templates])
        next_width = max([4] + [len(self._next(t, now)) for t in view.templates])
        fixed = next_width + 2 + (recipients if width >= NARROW else 0)
        room = max(20, width - fixed - 2 * len(columns) - 1)
        name_room = max(10, room * 11 // 20)
        keys = [key for key, _ in columns]
        shown = self.filtered("templates-table", view.templates, self._template_fields)
        table.refill(
            columns,
            (
                (
                    t.id,
                    [
                        cell
                        for (key, _), cell in zip(TEMPLATE_COLUMNS, self._template_cells(t, view, now, name_room, room - name_room))
                        if key in keys
                    ],
                )
                for t in shown
            ),
        )
        # An explicit height (rows + header): `auto` waits for the table's idle pass to measure itself.
        table.styles.height = len(shown) + 1

    def _fill_history(self, history: Sequence[ScheduledReport], now: datetime) -> None:
        table = self.query_one("#history-table", StyledTable)
        width = table.size.width or self.size.width or 76
        # Below NARROW the Size and Delivery columns go; the line under the table shows them.
        columns = HISTORY_COLUMNS if width >= NARROW else [c for c in HISTORY_COLUMNS if c[0] not in ("size", "delivery")]
        keys = [key for key, _ in columns]
        history = self.filtered("history-table", history, self._run_fields)
        rows = []
        for run in history:
            delivery = run.delivery_status or fmt.DASH
            rows.append(
                (
                    run,
                    {
                        "when": fmt.zoned_datetime(run.started_at, self._tz, now),
                        "status": fmt.status_label(run.status),
                        "size": fmt.size_bytes(run.size),
                        "delivery": DELIVERY_LABELS.get(delivery, delivery),
                    },
                )
            )
        # The short columns keep their width; Template and File share the rest.
        labels = dict(columns)
        fixed = sum(
            max([len(labels[key])] + [len(cells[key]) for _, cells in rows])
            for key in ("when", "status", "size", "delivery")
            if key in keys
        )
        room = max(16, width - fixed - 2 * len(columns) - 1)
        name_room = max(8, room * 2 // 5)

        def cells(run: ScheduledReport, short: dict[str, str]) -> list[str | Text]:
            out: dict[str, str | Text] = {
                **short,
                "template": fmt.truncate(run.template_name, name_room),
                "status": table.tone(short["status"], RUN_TONES.get(run.status)),
                "delivery": table.tone(short["delivery"], DELIVERY_TONES.get(run.delivery_status or "")),
                "file": table.tone(
                    fmt.truncate(run.filename or run.error or fmt.DASH, room - name_room),
                    None if run.filename else ("muted" if run.status == "skipped" else "bad"),
                ),
            }
            return [out[key] for key in keys]

        table.refill(columns, ((str(run.id), cells(run, short)) for run, short in rows), follow_top=True)
        self.query_one("#history-empty").display = not self._view.history
        table.display = bool(self._view.history)
        self._show_run()

    def _show_run(self) -> None:
        """The line under the history: the highlighted run in full (path, size, delivery, error)."""
        detail = self.query_one("#history-detail", Static)
        run = self._selected_run()
        if run is None:
            show(detail, "")
            return
        # The facts on one line, then the file's path on lines of its own: its folder and its name
        # (wrapped after the facts, the path lost its end at every width); an error wraps below.
        width = detail.content_region.width or max(20, self.content_region.width)
        facts = self._run_facts(run, with_path=False)
        lines = [fmt.truncate(" · ".join(facts), width)]
        where = self._where(run)
        if where:
            lines.extend(fmt.path_lines(where, width))
        if run.status == "skipped":
            lines.append(run.error or "skipped")  # "skipped: empty" is not an error
        elif run.error:
            lines.append(f"error: {run.error}")
        show(detail, "\n".join(lines))
        detail.set_class(bool(run.error) and run.status != "skipped", "-error")

    def _selected_run(self) -> ScheduledReport | None:
        table = self.query_one("#history-table", StyledTable)
        if not table.row_count:
            return None
        key = str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)
        return next((run for run in self._view.history if str(run.id) == key), None)

    def _template_fields(self, template: ReportTemplate) -> dict[str, str]:
        """What `/` looks in on the templates: name, schedule, recipients; `status:inactive`."""
        return {
            "template": f"{template.name} {template.id}",
            "id": template.id,
            "schedule": f"{self._view.schedules.get(template.id, '')} {template.effective_cron} {template.schedule}",
            "recipients": ", ".join(mask_destination(r) for r in template.recipients),
            "format": template.format,
            "datasets": ", ".join(template.datasets),
            "status": "active" if template.is_active else "inactive",
        }

    def _run_fields(self, run: ScheduledReport) -> dict[str, str]:
        """What `/` looks in on the history: `template:weekly`, `status:failed`, `trigger:manual`, errors."""
        return {
            "template": f"{run.template_name} {run.template_id}",
            "status": str(run.status),
            "trigger": str(run.trigger),
            "delivery": run.delivery_status or "",
            "file": self._where(run),
            "error": run.error or "",
        }

    def _where(self, run: ScheduledReport) -> str:
        return self._view.paths.get(run.id) or run.path or run.filename or ""

    def _run_facts(self, run: ScheduledReport, *, with_path: bool = True) -> list[str]:
        """What the lines under the history say about a run (the detail view says it line by line)."""
        delivery = run.delivery_status or "not delivered"
        if run.delivery:
            delivery += " (" + ", ".join(f"{who}: {what}" for who, what in run.delivery.items()) + ")"
        facts = [run.template_name, run.trigger, fmt.size_bytes(run.size), delivery]
        facts += [run.delivery_note] if run.delivery_note else []
        if not with_path:
            return facts
        where = self._where(run)
        facts += [where] if where else []
        if run.status == "skipped":
            facts.append(run.error or "skipped")  # "skipped: empty" is not an error
        elif run.error:
            facts.append(f"error: {run.error}")
        return facts

    def detail(self) -> tuple[str, list[str]] | None:
        """The focused table's selection: a history run, else the selected template."""
        # The main screen's focus (kept while the detail view is in front, which reads this again).
        if self.screen.focused is self.query_one("#history-table", StyledTable):
            run = self._selected_run()
            return None if run is None else (f"Report run {run.id}", self._run_facts(run))
        template = self.selected_template
        return None if template is None else (f"Template {template.name}", self._template_facts(template))

    def relayout(self) -> None:
        if self._now is not None:
            self._fill_templates()
            self._fill_history(self._view.history, self._now)

    def _show_detail(self) -> None:
        template = self.selected_template
        detail = self.query_one("#template-detail", Static)
        if template is None:
            show(detail, "")
            return
        show(detail, " · ".join(self._template_facts(template)))

    def _template_facts(self, template: ReportTemplate) -> list[str]:
        """What the line under the templates says (the detail view says it line by line)."""
        schedule = self._view.schedules.get(template.id) or template.schedule
        if template.is_active and template.next_generation is not None and self._now is not None:
            when = (
                f"next {fmt.with_local(template.next_generation, self._zone(template), self._tz, self._now)} "
                f"({fmt.countdown(template.next_generation, self._now)})"
            )
        else:
            when = "inactive" if not template.is_active else "no next run"
        datasets = ", ".join(template.datasets) or "default datasets"
        recipients = ", ".join(mask_destination(r) for r in template.recipients) or "no recipients"
        facts = [template.id, template.format.upper(), f"{schedule} ({template.effective_cron})", when, datasets, recipients]
        if template.skip_empty:
            facts.append("empty periods skipped")
        if template.max_attachment_mb is not None:
            facts.append(f"attached up to {template.max_attachment_mb:g} MB, larger sent as a path")
        return facts

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "templates-table":
            self._show_detail()
        elif event.data_table.id == "history-table":
            self._show_run()
