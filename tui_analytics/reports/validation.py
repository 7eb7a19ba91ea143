"""Validation of report template fields, usable one field at a time (the editor) or whole.

Every check raises TemplateValidationError (a ValueError) with one line that names
the field and says what is wrong; the service validates everything before it
writes anything, so a rejected template leaves no trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import cast

from tui_analytics.reports.cron import as_tz, normalise_cron
from tui_analytics.reports.destinations import validate_url
from tui_analytics.reports.models import DATASETS, FORMATS, MAX_ATTACHMENT_MB, SCHEDULES, TemplateFields
from tui_analytics.runtime.errors import TemplateValidationError, unknown
from tui_analytics.runtime.redact import is_notification_url, mask_destination

BY_UNITS = ("day", "week", "month")  # as the export's `by` takes them

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_RECIPIENTS = 100

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Bidi embeddings, overrides and isolates reorder the text around them (U+202E shows
# "evil\u202Etxt.exe" as "evilexe.txt"); zero-width and other format characters show nothing.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u2064\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# RFC 5321/5322 dot-atom local part and a dotted DNS domain (ASCII only: sending
# to non-ASCII addresses needs SMTPUTF8, which we do not assume).
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")


def _text(field: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TemplateValidationError(f"{field} must be text, got {type(value).__name__}")
    return value


def validate_name(value: object) -> str:
    name = _text("name", value).strip()
    if not name:
        raise TemplateValidationError("name must not be empty")
    if _CONTROL.search(name):
        raise TemplateValidationError("name must not contain line breaks or control characters")
    if _BIDI.search(name):
        raise TemplateValidationError("name must not contain bidirectional override characters (U+202A-U+202E, U+2066-U+2069)")
    if not _INVISIBLE.sub("", name).strip():
        raise TemplateValidationError("name must contain visible characters (not only zero-width or format characters)")
    if len(name) > MAX_NAME:
        raise TemplateValidationError(f"name is too long ({len(name)} characters; at most {MAX_NAME})")
    return name


def validate_description(value: object) -> str:
    text = _text("description", value).strip()
    if len(text) > MAX_DESCRIPTION:
        raise TemplateValidationError(f"description is too long ({len(text)} characters; at most {MAX_DESCRIPTION})")
    return text


def validate_schedule(value: object) -> str:
    schedule = _text("schedule", value).strip().lower()
    if schedule not in SCHEDULES:
        raise TemplateValidationError(f"unknown schedule {value!r} (use one of: {', '.join(SCHEDULES)})")
    return schedule


def validate_format(value: object) -> str:
    fmt = _text("format", value).strip().lower()
    if fmt not in FORMATS:
        raise TemplateValidationError(f"unknown format {value!r} (use one of: {', '.join(FORMATS)})")
    return fmt


def validate_cron(value: object) -> str | None:
    """The normalised expression, or None when empty (the schedule's standard cron applies)."""
    text = _text("cron", value).strip()
    return normalise_cron(text) if text else None


def validate_timezone(value: object) -> str | None:
    """An IANA zone name, or None when empty (the configured zone applies)."""
    name = _text("timezone", value).strip()
    if not name or name.lower() == "local":
        return None
    as_tz(name)  # resolve_timezone's one line for anything ZoneInfo cannot open ('Europe', 5,000 characters)
    return name


def validate_email(value: object) -> str:
    """One address, e.g. 'ops@example.com'; refuses anything that could add a mail header."""
    if not isinstance(value, str):
        raise TemplateValidationError(f"e-mail address must be text, got {type(value).__name__}")
    if _CONTROL.search(value):
        raise TemplateValidationError(f"e-mail address {value!r} contains a line break or control character")
    address = value.strip()
    match = _EMAIL.fullmatch(address)
    if not match or len(address) > 254 or len(match.group(1)) > 64:
        raise TemplateValidationError(f"invalid e-mail address {address!r} (expected name@example.com)")
    return address


def validate_destination(value: object) -> str:
    """An e-mail address, or a notification URL apprise can read (`slack://...`, `json://...`)."""
    if isinstance(value, str) and is_notification_url(value):
        if _CONTROL.search(value):
            raise TemplateValidationError(f"destination {mask_destination(value)} contains a line break or control character")
        return validate_url(value)
    return validate_email(value)


def validate_recipients(value: object) -> list[str]:
    """A list of e-mail addresses and notification URLs (or one string separated by commas or
    semicolons); duplicates dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        if _CONTROL.search(value):
            shown = "" if "://" in value else f" {value!r}"  # a URL is a secret: not echoed
            raise TemplateValidationError(f"recipients{shown} contain a line break or control character")
        items: Iterable[object] = [part for part in re.split(r"[,;]", value) if part.strip()]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise TemplateValidationError(f"recipients must be a list of e-mail addresses, got {type(value).__name__}")
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        address = validate_destination(item)
        if address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    if len(out) > MAX_RECIPIENTS:
        raise TemplateValidationError(f"too many recipients ({len(out)}; at most {MAX_RECIPIENTS})")
    return out


def validate_datasets(value: object) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        raise TemplateValidationError(f"datasets must be a non-empty list (choose from: {', '.join(DATASETS)})")
    out: list[str] = []
    for item in value:
        name = _text("dataset", item).strip().lower()
        if name not in DATASETS:
            raise TemplateValidationError(unknown("dataset", item, DATASETS))
        if name not in out:
            out.append(name)
    return out


def validate_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise TemplateValidationError(f"{field} must be true or false, got {value!r}")


def validate_max_attachment_mb(value: object) -> float | None:
    """Megabytes above which a report is mailed as its path: a number over 0 and at most 1,024,
    or None / empty text for no cap. Text (the CLI, the editor) may say `none`."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,7}(\.[0-9]{1,3})?", value.strip()):
        number = float(value)
    if number is None or not 0 < number <= MAX_ATTACHMENT_MB:  # NaN fails too
        shown = repr(value) if len(repr(value)) <= 30 else repr(value)[:27] + "..."
        raise TemplateValidationError(
            f"max_attachment_mb must be a number of megabytes over 0 and at most {MAX_ATTACHMENT_MB:,.0f} "
            f"(or none for no cap), got {shown}"
        )
    return number


def validate_by(value: object) -> str | None:
    """The unit the trends are counted in: day, week or month, or None (their own: month and day)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    unit = _text("by", value).strip().lower()
    if unit not in BY_UNITS:
        raise TemplateValidationError(unknown("by", value, BY_UNITS))
    return unit


_VALIDATORS: dict[str, Callable[[object], object]] = {
    "name": validate_name,
    "description": validate_description,
    "schedule": validate_schedule,
    "format": validate_format,
    "cron": validate_cron,
    "timezone": validate_timezone,
    "recipients": validate_recipients,
    "datasets": validate_datasets,
    "include_metadata": lambda v: validate_bool("include_metadata", v),
    "is_active": lambda v: validate_bool("is_active", v),
    "skip_empty": lambda v: validate_bool("skip_empty", v),
    "max_attachment_mb": validate_max_attachment_mb,
    "by": validate_by,
}
EDITABLE_FIELDS = tuple(_VALIDATORS)


def validate_field(name: str, value: object) -> object:
    """Check one field (as the editor does on each change); returns the normalised value."""
    validator = _VALIDATORS.get(name)
    if validator is None:
        raise TemplateValidationError(f"unknown template field {name!r} (editable: {', '.join(EDITABLE_FIELDS)})")
    return validator(value)


def validate_fields(fields: Mapping[str, object]) -> TemplateFields:
    """Normalise every given field, then check the rules that join fields. Every bad field is
    named in the one error, so fixing the first does not meet a second on the next try."""
    out: dict[str, object] = {}
    problems: list[str] = []
    for name, value in fields.items():
        try:
            out[name] = validate_field(name, value)
        except TemplateValidationError as exc:
            problems.append(str(exc))
    if problems:
        raise TemplateValidationError("; ".join(problems))
    if out.get("schedule") == "custom" and "cron" in out and not out["cron"]:
        raise TemplateValidationError("schedule 'custom' needs a cron expression")
    # Each key is a field of TemplateFields (validate_field refuses others), holding what its validator returned.
    return cast(TemplateFields, out)
