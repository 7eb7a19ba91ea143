"""`s` on the Jobs pane: how often the selected job runs, typed as 30s, 5m, 1h or 1d."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tui_analytics.processor.jobsettings import describe_interval, parse_interval
from tui_analytics.runtime.errors import one_line
from tui_analytics.ui.screens.base import Dialog, Raises, dialog_body


@dataclass(frozen=True)
class IntervalChoice:
    """The interval chosen: seconds, or None for the configured interval."""

    seconds: float | None


class IntervalDialog(Dialog[IntervalChoice]):
    """Dismisses with an IntervalChoice, or None on escape. The value is checked as it is typed with
    the same parser as `tui-analytics jobs interval` (1s to 31d; `default` for the configured one)."""

    def __init__(self, job_id: str, current: float, configured: float) -> None:
        super().__init__()
        self._job_id = job_id
        self._current = current
        self._configured = configured

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="interval") as box:
            box.border_title = f"How often {self._job_id} runs"
            with dialog_body():
                yield Label(
                    f"Every (now {describe_interval(self._current)}; configured {describe_interval(self._configured)}):",
                    markup=False,
                )
                yield Input(
                    describe_interval(self._current),
                    id="interval",
                    compact=True,
                    placeholder="30s, 5m, 1h, 1d, or default",
                    validators=[Raises(parse_interval)],
                )
                yield Static(
                    "30s, 5m, 1h, 1d or 1h30m, from 1s to 31d; 'default' for the configured interval. "
                    "The next run is one interval from now; kept across restarts.",
                    classes="hint",
                    markup=False,
                )
                error = Static("", id="error", classes="error", markup=False)
                error.display = False
                yield error
            with Horizontal(classes="buttons"):
                yield Button("Set", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#interval", Input).focus()

    @on(Input.Changed, "#interval")
    def _check(self) -> IntervalChoice | None:
        error = self.query_one("#error", Static)
        try:
            choice = IntervalChoice(parse_interval(self.query_one("#interval", Input).value))
        except ValueError as exc:
            error.update(one_line(exc))
            error.display = True
            return None
        error.display = False
        return choice

    @on(Input.Submitted, "#interval")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        choice = self._check()
        if choice is not None:
            self.dismiss(choice)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
