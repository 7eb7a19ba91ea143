"""The palette's "Backfill <template>…": a range of days, and how many reports it would make."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from tui_analytics.reports.models import BackfillRequest, ReportTemplate
from tui_analytics.reports.periods import periods_starting
from tui_analytics.runtime.daterange import parse_day
from tui_analytics.ui.screens.base import Dialog, Raises, Toggle, dialog_body
from tui_analytics.ui.widgets.titles import title_text


def plan(template: ReportTemplate, tz: tzinfo, now: datetime, first: date, last: date) -> tuple[int, int]:
    """(periods that would be made or checked, periods left out because they have not ended);
    ValueError for a reversed or too long range."""
    periods = periods_starting(template.schedule, template.effective_cron, tz, first, last)
    due = sum(1 for p in periods if p.end_utc <= now)
    return due, len(periods) - due


class BackfillDialog(Dialog[BackfillRequest]):
    """From and To (the days a period may start on), force, e-mail; says how many periods that is
    as it is typed. Dismisses with a BackfillRequest, or None on escape."""

    def __init__(self, template: ReportTemplate, tz: tzinfo, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._template = template
        self._tz = tz
        self._now = now

    def compose(self) -> ComposeResult:
        today = self._now().astimezone(self._tz).date()
        start = (today - timedelta(days=7)).isoformat()
        end = (today - timedelta(days=1)).isoformat()
        with Vertical(id="dialog", classes="backfill") as box:
            box.border_title = title_text(f"Backfill {self._template.name}")
            with dialog_body():
                with Grid(classes="form"):
                    yield Label("From")
                    yield Input(start, id="start", compact=True, placeholder="YYYY-MM-DD", validators=[Raises(parse_day)])
                    yield Label("To")
                    yield Input(end, id="end", compact=True, placeholder="YYYY-MM-DD (included)", validators=[Raises(parse_day)])
                    yield Label("")
                    yield Toggle("Make again what was made", value=False, id="force", compact=True)
                    yield Label("")
                    yield Toggle(
                        "E-mail the recipients",
                        value=bool(self._template.recipients),
                        id="deliver",
                        compact=True,
                        disabled=not self._template.recipients,
                    )
                yield Static("", id="plan", classes="hint", markup=False)
                error = Static("", id="error", classes="error", markup=False)
                error.display = False
                yield error
            with Horizontal(classes="buttons"):
                yield Button("Backfill", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._check()
        self.query_one("#start", Input).focus()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _check(self) -> BackfillRequest | None:
        """Show how many reports the range makes, or the first problem; the request when valid."""
        error, hint = self.query_one("#error", Static), self.query_one("#plan", Static)
        try:
            first = parse_day(self.query_one("#start", Input).value)
            last = parse_day(self.query_one("#end", Input).value)
            if first > last:
                raise ValueError(f"From {first.isoformat()} is after To {last.isoformat()}")
            due, not_over = plan(self._template, self._tz, self._now(), first, last)
            if not due:
                raise ValueError(f"no {self._template.schedule} period that has ended starts in this range")
        except ValueError as exc:
            error.update(str(exc))
            error.display = True
            hint.update(f"One report per {self._template.schedule} period that starts from From to To.")
            return None
        error.display = False
        force = self.query_one("#force", Checkbox).value
        made = "each made again" if force else "those already made are left alone"
        later = f"; {not_over} not over yet, left out" if not_over else ""
        hint.update(f"{due} {self._template.schedule} period{'s' if due != 1 else ''} ({made}){later}.")
        return BackfillRequest(first, last, force, self.query_one("#deliver", Checkbox).value)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        request = self._check()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
