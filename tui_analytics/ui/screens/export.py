"""`e`: what to export (dataset, format, period, per, size, name, metadata, gzip), validated as typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui_analytics.export.files import check_filename
from tui_analytics.export.options import ExportOptions, check_export_options
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError
from tui_analytics.ui.screens.base import Dialog, Raises, Toggle, dialog_body

DATASET_CHOICES = (
    ("User growth (per month)", "user-growth"),
    ("Activity trends (per day)", "activity-trends"),
    ("Top items", "top-items"),
    ("Recent activity (streamed)", "recent-activity"),
    ("Comprehensive report", "comprehensive"),
)

# What the size field means per dataset, and its default (None: every row in the period).
SIZE_HINTS = {
    "user-growth": ("months", 12),
    "activity-trends": ("days", 7),
    "top-items": ("items", 10),
    "recent-activity": ("rows", None),
    "comprehensive": ("", None),
}


FORMAT_CHOICES = (("CSV", "csv"), ("JSON", "json"), ("XLSX", "xlsx"))

# Per: the trends counted per day, week or month ("": their own units, month and day).
BY_CHOICES = (("Own unit", ""), ("Day", "day"), ("Week", "week"), ("Month", "month"))
BY_DATASETS = ("user-growth", "activity-trends", "comprehensive")

# The period presets: (label, key). Keys 1-6 pick them when the focus is not in a text field.
PERIODS = (
    ("Default period", ""),
    ("1 Today", "today"),
    ("2 Last 7 days", "7d"),
    ("3 Last 30 days", "30d"),
    ("4 This month", "this-month"),
    ("5 Last month", "last-month"),
    ("6 All time", "all"),
    ("Custom (From / To)", "custom"),
)
EPOCH = date(1970, 1, 1)


def data_period(data_ends: date) -> tuple[str, str]:
    """The preset offered when the source's data ends before the last 30 days: its last 30 days."""
    return (f"7 Last 30 days of data (to {data_ends.isoformat()})", "data")


def period_dates(period: str, today: date, data_ends: date | None = None) -> tuple[date, date] | None:
    """From and To (both included) of a preset, for `today` in the operator's zone; None for the
    default period and for custom dates. `data_ends`: the day the source's data ends ("data")."""
    if period == "data" and data_ends is not None:
        return data_ends - timedelta(days=29), data_ends
    if period == "today":
        return today, today
    if period in ("7d", "30d"):
        return today - timedelta(days=int(period[:-1]) - 1), today
    if period == "this-month":
        return today.replace(day=1), today
    if period == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "all":
        return EPOCH, today
    return None


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: the app runs it in a worker and reports the saved path."""

    dataset: str
    options: ExportOptions
    size: int | None = None
    filename: str | None = None


def check_date(text: str) -> date | datetime | None:
    """An ISO date (YYYY-MM-DD) or date-time, or None when empty; ExportOptionsError otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ExportOptionsError(f"{text!r} is not an ISO date (YYYY-MM-DD) or date-time") from None


MAX_SIZE_DIGITS = 9


def check_size(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    # isdigit() is also true for '²' and '١٢', which int() refuses or reads as another number.
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_SIZE_DIGITS or int(text) < 1:
        raise ExportOptionsError(f"size must be a whole number from 1 to {'9' * MAX_SIZE_DIGITS}, got {text[:20]!r}")
    return int(text)


def check_name(text: str) -> str | None:
    return check_filename(text.strip()) if text.strip() else None


def build_request(
    dataset: str, fmt: str, start: str, end: str, size: str, name: str, metadata: bool, gzip: bool, by: str = ""
) -> ExportRequest:
    """The request the form describes; ExportOptionsError (one line) when anything is wrong."""
    first, last = check_date(start), check_date(end)
    date_range = None
    if first is not None or last is not None:
        if first is None or last is None:
            raise ExportOptionsError("a date range needs both From and To (or leave both empty)")
        try:
            date_range = DateRange(first, last)
            date_range.validate()
        except OverflowError:  # the day after 9999-12-31 (To is inclusive) does not exist
            raise ExportOptionsError("the period is out of range: To must be before 9999-12-31") from None
    unit = by if by and dataset in BY_DATASETS else None
    options = check_export_options(
        ExportOptions(format=fmt, date_range=date_range, include_metadata=metadata, compression=gzip, by=unit)
    )
    return ExportRequest(dataset, options, check_size(size), check_name(name))


class ExportDialog(Dialog[ExportRequest]):
    """Dismisses with an ExportRequest, or None on escape. Errors show inline; nothing runs
    until the form is valid. A period preset (keys 1-6, or the Period list) fills From and To;
    ctrl+s exports from any field."""

    BINDINGS = [
        *(Binding(str(n), f"period({key!r})", label, show=False) for n, (label, key) in enumerate(PERIODS[1:7], 1)),
        Binding("7", "period('data')", "Last 30 days of data", show=False),
        Binding("ctrl+s", "submit", "Export", id="export-submit", tooltip="Export with these settings"),
    ]

    def __init__(
        self,
        export_dir: Path | str,
        *,
        dataset: str = "user-growth",
        today: Callable[[], date] | None = None,
        data_ends: date | None = None,
    ) -> None:
        super().__init__()
        self._export_dir = export_dir
        self._dataset = dataset
        self._today = today or date.today
        # The source's data ends before the last 30 days (so the default period is empty): the
        # dialog offers, and starts on, the last 30 days that have data.
        self._data_ends = data_ends
        self._periods = PERIODS if data_ends is None else (*PERIODS[:-1], data_period(data_ends), PERIODS[-1])

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="export") as box:
            box.border_title = "Export"
            box.border_subtitle = "1-6 period · ctrl+s export · esc cancel"
            with dialog_body():
                with Grid(classes="form"):
                    yield Label("Dataset")
                    yield Select(DATASET_CHOICES, value=self._dataset, allow_blank=False, id="dataset", compact=True)
                    yield Label("Format")
                    yield Select(FORMAT_CHOICES, value="csv", allow_blank=False, id="format", compact=True)
                    yield Label("Period")
                    yield Select(
                        self._periods, value="data" if self._data_ends else "", allow_blank=False, id="period", compact=True
                    )
                    yield Label("From")
                    yield Input(
                        placeholder="YYYY-MM-DD (empty: default period)",
                        id="start",
                        compact=True,
                        validators=[Raises(check_date)],
                        valid_empty=True,
                    )
                    yield Label("To")
                    yield Input(
                        placeholder="YYYY-MM-DD (included)",
                        id="end",
                        compact=True,
                        validators=[Raises(check_date)],
                        valid_empty=True,
                    )
                    yield Label("Per")
                    yield Select(BY_CHOICES, value="", allow_blank=False, id="by", compact=True)
                    yield Label("Size")
                    yield Input(id="size", compact=True, validators=[Raises(check_size)], valid_empty=True)
                    yield Label("File name")
                    yield Input(
                        placeholder="automatic: dataset_time.ext",
                        id="name",
                        compact=True,
                        validators=[Raises(check_name)],
                        valid_empty=True,
                    )
                    yield Label("")
                    yield Toggle("Include metadata", value=True, id="metadata", compact=True)
                    yield Label("")
                    yield Toggle("Compress (gzip)", value=False, id="gzip", compact=True)
                yield Static(f"Saved in {self._export_dir}", id="where", classes="hint", markup=False)
                error = Static("", id="error", classes="error", markup=False)
                error.display = False  # shown with a problem; no blank line otherwise (80x24 has none to spare)
                yield error
            with Horizontal(classes="buttons"):  # docked below the body: always in sight
                yield Button("Export", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._size_hint()
        if self._data_ends is not None:
            first, last = period_dates("data", self._today(), self._data_ends) or (None, None)
            self._fill(str(first), str(last))
            self.query_one("#where", Static).update(
                f"Saved in {self._export_dir} · the data ends {self._data_ends.isoformat()} (7: its last 30 days)"
            )
        self.query_one("#dataset", Select).focus()

    def _size_hint(self) -> None:
        dataset = self.query_one("#dataset", Select).value
        unit, default = SIZE_HINTS.get(str(dataset), ("", None))
        per = self.query_one("#by", Select)
        per.disabled = dataset not in BY_DATASETS
        if per.value and not per.disabled and unit:
            unit = f"{per.value}s"
        size = self.query_one("#size", Input)
        size.disabled = not unit
        size.placeholder = (f"{unit} (default {default})" if default else f"{unit} (default: all in period)") if unit else "n/a"

    @on(Select.Changed, "#dataset")
    @on(Select.Changed, "#by")
    def _dataset_changed(self) -> None:
        self._size_hint()
        self._validate()

    @on(Select.Changed, "#period")
    def _period_chosen(self, event: Select.Changed) -> None:
        dates = period_dates(str(event.value), self._today(), self._data_ends)
        if dates is None:
            if event.value == "":
                self._fill("", "")
            return
        self._fill(dates[0].isoformat(), dates[1].isoformat())

    def _fill(self, start: str, end: str) -> None:
        self.query_one("#start", Input).value = start
        self.query_one("#end", Input).value = end

    @on(Input.Changed, "#start, #end")
    def _dates_typed(self) -> None:
        """From or To edited by hand (not as the period wrote them): the period is now custom."""
        period = self.query_one("#period", Select)
        if period.value == "custom":
            return
        dates = period_dates(str(period.value), self._today(), self._data_ends)
        written = (dates[0].isoformat(), dates[1].isoformat()) if dates else ("", "")  # the default period: empty
        if (self.query_one("#start", Input).value, self.query_one("#end", Input).value) != written:
            with self.prevent(Select.Changed):
                period.value = "custom"

    def action_period(self, key: str) -> None:
        if any(key == value for _label, value in self._periods):  # "data" only when the data ended early
            self.query_one("#period", Select).value = key

    def action_submit(self) -> None:
        self._submit()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed, "#format")
    @on(Select.Changed, "#period")
    def _validate(self) -> ExportRequest | None:
        """Show the first problem (or none); returns the request when the form is valid."""
        error = self.query_one("#error", Static)
        try:
            request = self._request()
        except ExportOptionsError as exc:
            error.update(str(exc))
            error.display = True
            return None
        error.update("")
        error.display = False
        return request

    def _typed(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _request(self) -> ExportRequest:
        value = self._typed
        size = "" if self.query_one("#size", Input).disabled else value("#size")
        return build_request(
            str(self.query_one("#dataset", Select).value),
            str(self.query_one("#format", Select).value),
            value("#start"),
            value("#end"),
            size,
            value("#name"),
            self.query_one("#metadata", Checkbox).value,
            self.query_one("#gzip", Checkbox).value,
            "" if self.query_one("#by", Select).disabled else str(self.query_one("#by", Select).value),
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        request = self._validate()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
