"""A yes/no question before a destructive action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui_analytics.runtime.printable import printable
from tui_analytics.ui.screens.base import Dialog, dialog_body
from tui_analytics.ui.widgets.titles import title_text


class ConfirmDialog(Dialog[bool]):
    """Asks before clearing, invalidating or deleting; dismisses True only on a clear yes.

    | Key | Does |
    | --- | --- |
    | `y` | confirm |
    | `n`, `escape` | cancel |
    """

    BINDINGS = [
        Binding("y", "confirm", "Yes", id="confirm-yes", tooltip="Go ahead"),
        Binding("n", "cancel", "No", id="confirm-no", tooltip="Leave everything as it is"),
    ]

    def __init__(
        self, title: str, message: str, *, confirm_label: str = "Yes", confirm_key: str = "y", cancel_label: str = "Cancel"
    ) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._confirm_label = confirm_label
        self._confirm_key = confirm_key  # the key the button names (the text says the same one)
        self._cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm") as box:
            box.border_title = title_text(self._title)
            with dialog_body():
                yield Static(printable(self._message, newlines=True), id="message", markup=False)
            with Horizontal(classes="buttons"):  # docked below the body: always in sight
                yield Button(f"{self._confirm_label} ({self._confirm_key})", id="yes", variant="error")
                yield Button(f"{self._cancel_label} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe choice has focus: enter does not destroy

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class QuitDialog(ConfirmDialog):
    """Asked by `q` while work is in flight; a second `q` (or `y`) quits. The text and the
    button both name q, the key the operator just pressed."""

    BINDINGS = [Binding("q", "confirm", "Quit", id="confirm-quit", tooltip="Quit and cut the work short")]

    def __init__(self, lost: list[str]) -> None:
        super().__init__(
            "Quit while work is running?",
            "Quitting now stops:\n" + "\n".join(f"• {item}" for item in lost) + "\n\nPress q again to quit, n to stay.",
            confirm_label="Quit",
            confirm_key="q",
            cancel_label="Stay",
        )
