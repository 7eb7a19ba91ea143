"""Saving template changes: a new template, changes to one, deleting one.

Each change is validated whole before anything is saved, and no two templates
share a name (they could not be told apart in lists, history and file names).
Changing a template's schedule drops the fire times of the old one: they are
never caught up.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from tui_analytics.reports.destinations import unmask
from tui_analytics.reports.store import TemplateStore
from tui_analytics.reports.templates import SCHEDULE_FIELDS, check_known, new_template_id, normalise_new, validate_whole
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.errors import TemplateValidationError, UnknownTemplateError, unknown

# The fields a change is validated with (the stored ones, overlaid by the change).
EDITED_FIELDS = (
    "name",
    "description",
    "schedule",
    "format",
    "include_metadata",
    "recipients",
    "is_active",
    "cron",
    "timezone",
    "datasets",
    "skip_empty",
    "max_attachment_mb",
    "by",
)


class TemplateEditor:
    """Writes template rows for the reports service; one change at a time."""

    def __init__(self, templates: TemplateStore, clock: Clock) -> None:
        self.templates = templates
        self.clock = clock
        self._lock = threading.RLock()

    def unknown_template(self, template_id: str) -> UnknownTemplateError:
        ids = [row["id"] for row in self.templates.load_all()]
        return UnknownTemplateError(unknown("report template", template_id, ids))

    def create(self, fields: dict[str, object]) -> str:
        """Store a new template (id `custom-<hex>`) from its canonical fields; returns its id."""
        clean = normalise_new(fields)
        now = self.clock.now()
        with self._lock:
            self._refuse_taken_name(clean["name"])
            template_id = new_template_id()
            while self.templates.get(template_id) is not None:  # 48 random bits; belt and braces
                template_id = new_template_id()
            self.templates.insert({**clean, "id": template_id, "is_default": False, "created_at": now, "updated_at": now})
        return template_id

    def update(self, template_id: str, updates: dict[str, object]) -> None:
        """Change some fields of a template (canonical fields)."""
        check_known(updates, updating=True)
        with self._lock:
            row = self.templates.get(template_id)
            if row is None:
                raise self.unknown_template(template_id)
            stored: Mapping[str, object] = row
            current = {key: stored[key] for key in EDITED_FIELDS}
            if "recipients" in updates:  # an editor shows URLs masked: unchanged ones come back masked
                updates = {**updates, "recipients": unmask(updates["recipients"], list(row["recipients"] or []))}
            clean = validate_whole({**current, **updates})
            if "name" in updates:
                self._refuse_taken_name(clean["name"], template_id)
            checked: Mapping[str, object] = clean
            values = {key: checked[key] for key in updates}
            now = self.clock.now()
            values["updated_at"] = now
            reschedules = any(checked[k] != current[k] for k in SCHEDULE_FIELDS) or (
                clean["is_active"] and not current["is_active"]
            )
            if reschedules:
                # Fire times before this change belong to the old schedule: no catch-up for them.
                values["last_scheduled_for"] = max(now, row["last_scheduled_for"] or now)
            self.templates.update(template_id, values)

    def delete(self, template_id: str) -> bool:
        with self._lock:
            return self.templates.delete(template_id)

    def _refuse_taken_name(self, name: str, own_id: str | None = None) -> None:
        wanted = name.strip().casefold()
        for row in self.templates.load_all():
            if row["id"] != own_id and str(row["name"]).strip().casefold() == wanted:
                raise TemplateValidationError(f"a template named {row['name']!r} exists already: {row['id']}")
            # Commands take an id or a name: a name that is another template's id would make
            # `report delete NAME` delete that other template.
            if row["id"] != own_id and str(row["id"]).casefold() == wanted:
                raise TemplateValidationError(f"{name.strip()!r} is the id of the template {row['name']!r}: choose another name")
