"""`n` / `enter`: the report template editor, with inline validation and a cron preview."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TypedDict, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui_analytics.config.notify_urls import warm as warm_notify_urls
from tui_analytics.reports.cron import as_tz, describe_cron, next_fire_times
from tui_analytics.reports.cron.describe import schedule_mismatch
from tui_analytics.reports.cron.parse import parse_cron
from tui_analytics.reports.destinations import unmask
from tui_analytics.reports.models import SCHEDULE_CRONS, SCHEDULES, ReportTemplate
from tui_analytics.reports.validation import validate_field, validate_fields, validate_timezone
from tui_analytics.runtime.errors import TemplateValidationError
from tui_analytics.runtime.redact import is_notification_url, mask_destination
from tui_analytics.ui.screens.base import Dialog, Raises, Toggle, dialog_body
from tui_analytics.ui.screens.confirm import ConfirmDialog
from tui_analytics.ui.screens.export import FORMAT_CHOICES

PREVIEW_COUNT = 5


@dataclass(frozen=True)
class TemplateForm:
    """What the editor produced: `template_id` None for a new template; `fields` as the service takes them."""

    template_id: str | None
    fields: dict[str, object] = field(default_factory=dict)


class FormValues(TypedDict):
    """What the editor's fields show: text as typed, and the three switches."""

    name: str
    description: str
    schedule: str
    cron: str
    timezone: str
    format: str
    datasets: str
    recipients: str
    include_metadata: bool
    is_active: bool
    skip_empty: bool
    max_attachment_mb: str


def preview(cron: str, tz: tzinfo, now: datetime, count: int = PREVIEW_COUNT) -> tuple[str, list[datetime]]:
    """(plain English, next fire times) for an expression; TemplateValidationError when it is bad."""
    return describe_cron(cron), next_fire_times(cron, tz, now, count)


def fire_label(moment: datetime, zone: tzinfo, here: tzinfo) -> str:
    """`Wed 2026-12-02 06:30 CET`, with the configured zone's time beside it when that reads differently."""
    there, local = moment.astimezone(zone), moment.astimezone(here)
    shown = there.strftime("%a %Y-%m-%d %H:%M %Z")
    if (there.utcoffset(), there.tzname()) != (local.utcoffset(), local.tzname()):
        shown += local.strftime(" (%H:%M %Z)" if local.date() == there.date() else " (%a %H:%M %Z)")
    return shown


def form_values(fields: Mapping[str, object]) -> FormValues:
    """Editor values (text fields as typed) from service fields, to reopen the form after a refused save."""
    return {
        "name": _text(fields.get("name")),
        "description": _text(fields.get("description")),
        "schedule": _text(fields.get("schedule"), "weekly"),
        "cron": _text(fields.get("cron")),
        "timezone": _text(fields.get("timezone")),
        "format": _text(fields.get("format"), "csv"),
        "datasets": _listed(fields.get("datasets")),
        "recipients": _listed(fields.get("recipients")),
        "include_metadata": bool(fields.get("include_metadata", True)),
        "is_active": bool(fields.get("is_active", True)),
        "skip_empty": bool(fields.get("skip_empty", False)),
        "max_attachment_mb": _mb_text(fields.get("max_attachment_mb")),
    }


def _text(value: object, default: str = "") -> str:
    return str(value) if value else default


def _listed(value: object) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, (list, tuple)) else ""


def _mb_text(value: object) -> str:
    """The cap as the editor shows it: `5`, `0.5`, or empty for no cap."""
    if value is None or value == "":
        return ""
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class TemplateDialog(Dialog[TemplateForm]):
    """Create (template None) or edit a template. Each field is checked as it is typed with the
    reports service's own validators; the preview shows the schedule in words and its next five
    fire times in the template's time zone."""

    def __init__(
        self,
        *,
        template: ReportTemplate | None = None,
        default_tz: str,
        now: Callable[[], datetime],
        error: str | None = None,
        values: FormValues | None = None,
        focus: str = "name",
    ) -> None:
        super().__init__()
        self._focus_field = focus
        self._template = template
        self._default_tz = default_tz
        self._now = now
        self._error = error
        values = values or self._from_template(template)
        # Notification URLs are secrets: shown masked, and a masked one sent back means "keep it".
        typed = _split(values["recipients"])
        self._urls = [r for r in [*(template.recipients if template else []), *typed] if is_notification_url(r)]
        self._values: FormValues = {**values, "recipients": ", ".join(mask_destination(r) for r in typed)}
        self._initial: dict[str, object] | None = None
        self._dirty = error is not None

    @staticmethod
    def _from_template(template: ReportTemplate | None) -> FormValues:
        if template is None:
            return {
                "name": "",
                "description": "",
                "schedule": "weekly",
                "cron": "",
                "timezone": "",
                "format": "csv",
                "datasets": "",
                "recipients": "",
                "include_metadata": True,
                "is_active": True,
                "skip_empty": False,
                "max_attachment_mb": "",
            }
        return {
            "name": template.name,
            "description": template.description,
            "schedule": template.schedule,
            "cron": template.cron or "",
            "timezone": template.timezone or "",
            "format": template.format,
            "datasets": ", ".join(template.datasets),
            "recipients": ", ".join(template.recipients),
            "include_metadata": template.include_metadata,
            "is_active": template.is_active,
            "skip_empty": template.skip_empty,
            "max_attachment_mb": _mb_text(template.max_attachment_mb),
        }

    def _text_input(self, key: str, placeholder: str = "", *, optional: bool = False) -> Input:
        """The field `key` of the form, checked as the service would check it (an optional one when given)."""

        def check(text: str) -> object:
            if key == "recipients":  # stored URLs were checked when saved: only new ones go to apprise here
                items = unmask(text, self._urls)
                return validate_field(key, [i for i in items if i not in self._urls] if isinstance(items, list) else items)
            return None if optional and not text.strip() else validate_field(key, text)

        value = str(cast(Mapping[str, object], self._values)[key])
        return Input(value, id=key, compact=True, placeholder=placeholder, validators=[Raises(check)])

    def compose(self) -> ComposeResult:
        v = self._values
        with Vertical(id="dialog", classes="template") as box:
            box.border_title = f"Edit template {self._template.id}" if self._template else "New report template"
            with dialog_body():
                with Grid(classes="form"):
                    yield Label("Name")
                    yield self._text_input("name")
                    yield Label("Description")
                    yield self._text_input("description")
                    yield Label("Schedule")
                    yield Select([(s, s) for s in SCHEDULES], value=v["schedule"], allow_blank=False, id="schedule", compact=True)
                    yield Label("Cron")
                    yield self._text_input("cron")
                    yield Label("Time zone")
                    yield self._text_input("timezone", f"{self._default_tz} (configured)")
                    yield Label("Format")
                    yield Select(FORMAT_CHOICES, value=v["format"], allow_blank=False, id="format", compact=True)
                    yield Label("Datasets")
                    yield self._text_input("datasets", "default for the schedule", optional=True)
                    yield Label("Recipients")
                    yield self._text_input("recipients", "ops@example.com, …")
                    yield Label("Attach ≤ MB")
                    yield self._text_input("max_attachment_mb", "no limit (a larger report is mailed as its path)")
                    yield Label("")
                    with Horizontal(classes="checks"):
                        yield Toggle("Include metadata", value=v["include_metadata"], id="include_metadata", compact=True)
                        yield Toggle("Active", value=v["is_active"], id="is_active", compact=True)
                        yield Toggle("Skip empty periods", value=v["skip_empty"], id="skip_empty", compact=True)
                yield Static("", id="preview", classes="preview", markup=False)
                error = Static(self._error or "", id="error", classes="error", markup=False)
                error.display = bool(self._error)  # shown with a problem; no blank line otherwise (80x24 has none to spare)
                yield error
            with Horizontal(classes="buttons"):  # docked below the body: always in sight
                yield Button("Save", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        # Checking a notification URL loads apprise (~1 s the first time): in a thread, not on the loop.
        self.run_worker(warm_notify_urls, thread=True, group="warm-apprise")
        self._refresh_preview()
        self.query_one(f"#{self._focus_field}", Input).focus()
        self._initial = self._fields()

    # -- reading the form ----------------------------------------------------

    def _typed(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def _fields(self) -> dict[str, object]:
        text = self._typed
        fields: dict[str, object] = {
            "name": text("name"),
            "description": text("description"),
            "schedule": str(self.query_one("#schedule", Select).value),
            "cron": text("cron").strip() or None,
            "timezone": text("timezone").strip() or None,
            "format": str(self.query_one("#format", Select).value),
            "recipients": unmask(_split(text("recipients")), self._urls),
            "include_metadata": self.query_one("#include_metadata", Checkbox).value,
            "is_active": self.query_one("#is_active", Checkbox).value,
            "skip_empty": self.query_one("#skip_empty", Checkbox).value,
            "max_attachment_mb": text("max_attachment_mb").strip() or None,
        }
        datasets = _split(text("datasets"))
        if datasets or self._template is not None:
            fields["datasets"] = datasets or None
        if fields.get("datasets") is None:
            fields.pop("datasets", None)
        return fields

    def _effective_cron(self) -> str:
        cron = self.query_one("#cron", Input).value.strip()
        schedule = str(self.query_one("#schedule", Select).value)
        return cron or SCHEDULE_CRONS.get(schedule, "")

    def _zone(self) -> tzinfo:
        """The zone typed (checked like the service checks it), else the configured one."""
        typed = self.query_one("#timezone", Input).value.strip()
        return as_tz(validate_timezone(typed) or self._default_tz)

    # -- live feedback ---------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._refresh_preview()
        # Check once something differs from how the form opened (not while it is being built).
        if self._initial is not None and (self._dirty or self._fields() != self._initial):
            self._dirty = True
            self._check()

    def _refresh_preview(self) -> None:
        box = self.query_one("#preview", Static)
        schedule = str(self.query_one("#schedule", Select).value)
        self.query_one("#cron", Input).placeholder = (
            "required, e.g. 30 7 * * 1-5" if schedule == "custom" else f"{SCHEDULE_CRONS[schedule]} (standard)"
        )
        cron = self._effective_cron()
        if not cron:
            box.update("Preview: a custom schedule needs a cron expression.")
            return
        try:
            zone = self._zone()
            words, times = preview(cron, zone, self._now())
        except (TemplateValidationError, ValueError):
            box.update("Preview: none until the schedule is valid (see below).")
            self._check()  # say why, even before any edit
            return
        try:
            here = as_tz(self._default_tz)
        except ValueError:  # a configured zone with no IANA name: show the template's zone alone
            here = zone
        listed = ", ".join(fire_label(t, zone, here) for t in times)
        text = f"{words} ({cron}, {getattr(zone, 'key', str(zone))})\nNext: {listed}"
        if self.query_one("#cron", Input).value.strip():
            warning = schedule_mismatch(schedule, parse_cron(cron))
            text += f"\nNote: {warning}" if warning else ""
        box.update(text)

    def _check(self) -> dict[str, object] | None:
        """Validate the whole form; show the first problem; return clean fields or None."""
        error = self.query_one("#error", Static)
        try:
            fields = self._fields()
            validate_fields(fields)
            if fields["schedule"] == "custom" and not fields["cron"]:
                raise TemplateValidationError("schedule 'custom' needs a cron expression")
        except TemplateValidationError as exc:
            error.update(str(exc))
            error.display = True
            return None
        error.update("")
        error.display = False
        return fields

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        fields = self._check()
        if fields is not None:
            self.dismiss(TemplateForm(self._template.id if self._template else None, fields))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Escape or Cancel: close at once when nothing was changed, else ask before discarding."""
        if self._initial is None or self._fields() == self._initial:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog("Discard changes?", "What you changed in this template will be lost.", confirm_label="Discard"), answered
        )
