"""The Jobs pane: one row per background job, with a live next-run countdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from tui_analytics.ui import format as fmt
from tui_analytics.ui.widgets.chart import BarChart
from tui_analytics.ui.widgets.columns import fit, measure, total
from tui_analytics.ui.widgets.pane import Pane, show
from tui_analytics.ui.widgets.table import StyledTable

if TYPE_CHECKING:  # the processor package loads SQLAlchemy: not before the first frame
    from tui_analytics.alerts.models import AlertSummary
    from tui_analytics.processor.models import JobStatus

# status -> tone (a component class of StyledTable, coloured in the stylesheet)
STATUS_TONES = {"running": "busy", "completed": "good", "failed": "bad", "scheduled": "muted"}

COLUMNS = (
    ("job", "Job"),
    ("status", "Status"),
    ("last", "Last run"),
    ("next", "Next run"),
    ("took", "Took"),
    ("trend", "Trend"),
    ("error", "Error"),
)
# The Error column shows only when a job has an error and at least this many characters fit;
# otherwise errors show in the line under the table.
ERROR_MIN = 16
ERROR_CHARS = 500  # an error's first characters, on one line (the table cuts them to its room)
NEXT_MIN = {"next": 10}  # room for the countdown a tick rewrites


class JobsPane(Pane):
    """The six jobs: status (colour and symbol), last run, next run countdown, duration, trend, error.

    `show_jobs()` redraws everything from the processor's statuses; `show_job()` one job's row
    from the status its finished run's event carries; `tick()` only redraws the countdowns
    (once a second).
    """

    TITLE = "Jobs"
    NUMBER = 1
    FILTERS = {"jobs-table": "jobs"}

    def __init__(self, *, tz: tzinfo, id: str = "jobs") -> None:
        super().__init__(id=id)
        self._tz = tz
        self._jobs: dict[str, JobStatus] = {}
        self._schedule_state = "running"
        self._now: datetime | None = None
        self._alerts: Mapping[str, AlertSummary | None] | None = None  # None: no alert target configured

    def compose(self) -> ComposeResult:
        table = StyledTable(id="jobs-table", cursor_type="row", zebra_stripes=False)
        for key, label in COLUMNS[:-1]:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="job-detail", classes="detail one-line")
        yield Static("", id="job-error", classes="detail problem")
        yield BarChart(id="job-chart", empty="no runs yet")

    @property
    def table(self) -> StyledTable:
        return self.query_one("#jobs-table", StyledTable)

    @property
    def selected_job(self) -> str | None:
        """The id of the job under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        return str(key.value)

    def _room(self) -> int:
        """Cells the table may take: its own width once laid out, else the pane's inside."""
        return self.table.size.width or max(0, self.size.width - 4)

    def show_jobs(
        self,
        jobs: Sequence[JobStatus],
        now: datetime,
        *,
        scheduler: str = "running",
        alerts: Mapping[str, AlertSummary | None] | None = None,
    ) -> None:
        """Redraw every row from the processor's JobStatus list (`alerts`: each job's last alert, for `v`)."""
        self._schedule_state = scheduler
        self._alerts = alerts
        self._jobs = {job.id: job for job in jobs}
        self._redraw(now)

    def show_job(self, job: JobStatus, now: datetime) -> bool:
        """Repaint with one job's new status (a finished run's event carries it), the others as they
        were shown: nothing is read back from the processor. False when the job is not shown yet."""
        if job.id not in self._jobs:
            return False
        self._jobs[job.id] = job
        self._redraw(now)
        return True

    def _redraw(self, now: datetime) -> None:
        """The table from the statuses held. Columns are as wide as their content; an error takes what
        the others leave (it is cut there), and the Error column is left out when no job has one or
        too little is left."""
        self._now = now
        jobs = self.filtered("jobs-table", list(self._jobs.values()), self._fields)
        columns = list(COLUMNS)
        rows = [(job.id, self._cells(job, now)) for job in jobs]
        widths: dict[str, int] | None = None
        if any(job.error for job in jobs):
            fitted = fit(measure(columns, (cells for _, cells in rows), NEXT_MIN), self._room(), ["error"], {"error": ERROR_MIN})
            if total(fitted) <= self._room():
                widths = {"error": fitted["error"]}
        if widths is None:
            columns = columns[:-1]
            rows = [(key, cells[:-1]) for key, cells in rows]
        self.table.refill(columns, rows, min_widths=NEXT_MIN, widths=widths)
        self.table.styles.height = len(jobs) + 1  # rows + header, without waiting for the table's idle pass
        self._show_detail()

    @staticmethod
    def _fields(job: JobStatus) -> dict[str, str]:
        """What `/` looks in: `fail`, `status:failed`, `top`, `locked` (from the error)."""
        return {"id": job.id, "name": job.name, "status": str(job.status), "error": job.error or ""}

    def relayout(self) -> None:
        if self._jobs and self._now is not None:
            self._redraw(self._now)

    def tick(self, now: datetime) -> None:
        """Redraw the countdown column only."""
        self._now = now  # the detail view (v) reads its countdown from here
        table = self.table
        for job_id, job in self._jobs.items():
            table.set_cell(job_id, "next", self._next_cell(job, now))

    def _cells(self, job: JobStatus, now: datetime) -> list[str | Text]:
        table = self.table
        status = str(job.status)
        error = job.error or ""
        durations = list(job.recent_durations_ms)
        cells: list[str | Text] = [
            job.id,
            table.tone(fmt.status_label(status), STATUS_TONES.get(status)),
            fmt.recent_time(job.last_run, self._tz, now),
            self._next_cell(job, now),
            fmt.duration_ms(job.duration_ms),
            table.tone(fmt.sparkline(durations, 8), "muted"),
            table.tone(fmt.truncate(error, ERROR_CHARS), "bad") if error else "",
        ]
        return cells

    def _next_cell(self, job: JobStatus, now: datetime) -> str | Text:
        if job.status == "running":
            return self.table.tone("running…", "busy")
        if self._schedule_state == "paused" or job.paused:  # the whole scheduler, or this job alone (z)
            return self.table.tone(f"{fmt.STATUS_SYMBOLS['paused']} paused", "warn")
        if job.next_run is None:
            # starting: not scheduled yet (the last known view); read-only: another process
            # schedules it; otherwise only manual runs (t) happen
            words = {"starting": fmt.DASH, "read-only": "elsewhere"}.get(self._schedule_state, "manual")
            return self.table.tone(words, "muted")
        return fmt.countdown(job.next_run, now)

    def _show_detail(self) -> None:
        """Under the table: the selected job's numbers, its error (or which jobs failed), its durations."""
        job = self._jobs.get(self.selected_job or "")
        detail = self.query_one("#job-detail", Static)
        problem = self.query_one("#job-error", Static)
        chart = self.query_one("#job-chart", BarChart)
        if job is None:
            active = self.row_filter("jobs-table")
            show(detail, f"No job matches /{active.text} (/ changes it, escape in it clears it)." if active else "")
            show(problem, "")
            chart.set_points([])
            return
        show(detail, " · ".join(self._facts(job)))
        if job.error:
            show(problem, f"error: {job.error}")
        else:
            failing = [other.id for other in self._jobs.values() if other.status == "failed"]
            note = f"{fmt.STATUS_SYMBOLS['failed']} failed: {', '.join(failing)} (select it to read the error)"
            show(problem, note if failing else "")
        durations = list(job.recent_durations_ms)
        points = [("oldest" if i == 0 else ("latest" if i == len(durations) - 1 else ""), d) for i, d in enumerate(durations)]
        chart.set_points(
            points, title=f"{job.id}: duration of the last {fmt.plural(len(durations), 'run')} (ms)", empty=f"{job.id}: no runs yet"
        )

    @staticmethod
    def _facts(job: JobStatus) -> list[str]:
        """What the line under the table says about a job (the detail view says it line by line)."""
        parts = [f"{job.name}"]
        if job.paused:
            parts.append("paused (z resumes)")
        if job.interval_s:
            parts.append(f"every {fmt.span(job.interval_s)}")
        parts.append(f"{fmt.plural(job.runs, 'run')}, {job.failed_runs} failed, {job.skipped_runs} skipped")
        if job.average_duration_ms is not None:
            parts.append(f"avg {fmt.duration_ms(job.average_duration_ms)}")
        return parts

    def detail(self) -> tuple[str, list[str]] | None:
        job = self._jobs.get(self.selected_job or "")
        if job is None:
            return None
        lines = [*self._facts(job), f"status: {job.status}"]
        now = self._now
        if job.last_run is not None and now is not None:
            lines.append(
                f"last run: {fmt.short_datetime(job.last_run, self._tz, now)}"
                + (f", took {fmt.duration_ms(job.duration_ms)}" if job.duration_ms is not None else "")
            )
        if job.next_run is not None and now is not None:
            lines.append(f"next run: {fmt.short_datetime(job.next_run, self._tz, now)} ({fmt.countdown(job.next_run, now)})")
        lines.append(f"error: {job.error}" if job.error else "no error")
        if self._alerts is not None:
            alert = self._alerts.get(job.id)
            if alert is None:
                lines.append("last alert: none sent about this job")
            elif now is not None:
                lines.append(f"last alert: {fmt.short_datetime(alert.at, self._tz, now)}, {alert.describe()}")
        return f"Job {job.id}", lines

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
