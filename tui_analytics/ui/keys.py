"""Every key of the dashboard, declared once.

The app's BINDINGS, the footer, the `?` help screen and the command palette
all read this list, so a key is never described in two places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import format_key

from tui_analytics.ui.access import CHANGING


@dataclass(frozen=True)
class KeyGroup:
    """A heading in the help screen and the bindings under it."""

    title: str
    bindings: tuple[Binding, ...]


JOBS = KeyGroup(
    "Jobs and cache",
    (
        Binding(
            "t",
            "trigger_job",
            "Run",
            id="trigger",
            tooltip="Run the selected job now (skipped if it is already running). Jobs pane",
        ),
        Binding("c", "clear_cache", "Clear", id="clear-cache", tooltip="Clear the whole analytics cache (asks first)"),
        Binding(
            "i",
            "invalidate",
            "Invalidate",
            id="invalidate",
            tooltip="Invalidate cache keys matching a glob pattern such as user-growth*",
        ),
        Binding("p", "toggle_scheduler", "Pause", id="pause", tooltip="Pause or resume the scheduler (manual triggers still work)"),
        Binding(
            "z",
            "toggle_job",
            "Pause job",
            id="pause-job",
            show=False,
            tooltip="Pause or resume the selected job alone: the scheduler leaves it out, t still runs it. Jobs pane",
        ),
        Binding(
            "s",
            "job_interval",
            "Interval",
            id="job-interval",
            show=False,
            tooltip="Change how often the selected job runs (30s, 5m, 1h; kept across restarts). Jobs pane",
        ),
    ),
)

DATA = KeyGroup(
    "Export and reports",
    (
        Binding("e", "export", "Export", id="export", tooltip="Export a dataset to a CSV or JSON file"),
        Binding("n", "new_template", "New", id="new-template", tooltip="Create a report template"),
        Binding(
            "enter",
            "edit_template",
            "Edit",
            id="edit-template",
            show=False,
            tooltip="Edit the selected report template. Reports pane",
        ),
        Binding(
            "d",
            "delete_template",
            "Delete",
            id="delete-template",
            tooltip="Delete the selected report template (asks first). Reports pane",
        ),
        Binding(
            "g", "generate_report", "Generate", id="generate", tooltip="Generate the selected report template now. Reports pane"
        ),
    ),
)

NAVIGATION = KeyGroup(
    "Moving around",
    (
        Binding("1", "show_pane('jobs')", "Jobs", id="pane-jobs", show=False, tooltip="Go to the Jobs pane"),
        Binding("2", "show_pane('metrics')", "Metrics", id="pane-metrics", show=False, tooltip="Go to the Metrics pane"),
        Binding("3", "show_pane('analytics')", "Analytics", id="pane-analytics", show=False, tooltip="Go to the Analytics pane"),
        Binding("4", "show_pane('reports')", "Reports", id="pane-reports", show=False, tooltip="Go to the Reports pane"),
        Binding("tab", "next_pane", "Next pane", id="next-pane", show=False, tooltip="Move to the next pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", id="previous-pane", show=False, tooltip="Move to the previous pane"),
        Binding("question_mark", "help", "Help", id="help", key_display="?", tooltip="Show every key"),
        Binding(
            "v",
            "view_detail",
            "Details",
            id="details",
            show=False,
            tooltip="The selected job, template or report run in full (error, path, recipients); y copies it",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="filter",
            key_display="/",
            show=False,
            tooltip="Filter the rows of the Jobs, templates or history table by text (fail, a name, words "
            "of an error; status:failed, template:NAME); escape clears it",
        ),
        Binding(
            "m",
            "messages",
            "Messages",
            id="messages",
            show=False,
            tooltip="Notification history: every message and error in full, newest first",
        ),
        Binding(
            "a",
            "audit",
            "Audit",
            id="audit",
            show=False,
            tooltip="Audit log: who changed what (runs, pauses, templates, exports), from where, and how it ended",
        ),
        Binding("ctrl+p", "app.command_palette", "Commands", id="palette", show=False, tooltip="Search every command"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Stop the scheduler and leave"),
    ),
)

GROUPS: tuple[KeyGroup, ...] = (JOBS, DATA, NAVIGATION)

# Actions on a pane's selection. In the tabbed layout they show in the footer only while their
# pane is shown; typed on another tab they still work, through ELSEWHERE.
PANE_ACTIONS = {
    "trigger_job": "jobs",
    "toggle_job": "jobs",
    "job_interval": "jobs",
    "edit_template": "reports",
    "delete_template": "reports",
    "generate_report": "reports",
}

# The app's BINDINGS. Tab / shift+tab are app bindings (not focus moves) so they
# step between panes rather than between every focusable widget.
BINDINGS: list[Binding] = [b for group in GROUPS for b in group.bindings]

# Hidden twins of the changing keys, for a read-only dashboard (ui/access.py): the key itself is off
# there (MainScreen.check_action), so its twin says in one line why nothing happens.
REFUSALS: list[Binding] = [Binding(b.key, f"refuse({b.id!r})", show=False, id=b.id) for b in BINDINGS if b.id in CHANGING]

# Hidden twins of the pane keys: Textual tries a key's bindings in order, and the first is off while
# its pane is out of sight, so the twin shows that pane and acts there (never on a row out of sight).
# A twin has its binding's id, so a key remapped in the configuration ([keys]) moves both.
ELSEWHERE: list[Binding] = [
    Binding(b.key, f"from_elsewhere({b.action!r})", show=False, id=b.id) for b in BINDINGS if b.action in PANE_ACTIONS
]

# The words an operator types into the palette for each action, beyond its name and tooltip.
PALETTE_WORDS = {
    "trigger": "trigger run start refresh job now",
    "clear-cache": "clear empty flush wipe cache",
    "invalidate": "invalidate forget remove evict cache keys pattern",
    "pause": "pause resume stop start hold scheduler",
    "pause-job": "pause resume hold stop skip disable enable one job",
    "job-interval": "interval every often frequency schedule period rate job minutes",
    "export": "export download save file csv json dataset",
    "new-template": "new create add template report schedule",
    "edit-template": "edit change modify schedule template",
    "delete-template": "delete remove template",
    "generate": "generate send make run report now",
    "details": "details why failed error errors full path view show",
    "messages": "messages notifications errors why failed history log",
    "audit": "audit log who changed changes did trail history users",
    "filter": "filter search find rows failed status template history jobs",
    "help": "help keys shortcuts bindings",
    "quit": "quit exit leave close",
}

# Shown in the command palette (the palette itself and tab are not useful there).
PALETTE_EXCLUDE = {"palette", "next-pane", "previous-pane"}


def key_label(binding: Binding, keymap: Mapping[str, str] | None = None) -> str:
    """How a key is written in help and the palette: `?`, `enter`, `shift+tab`; as remapped in
    `keymap` (the `[keys]` of the configuration, see keymap.py) when it moves this binding."""
    remapped = (keymap or {}).get(binding.id or "")
    if remapped is None:
        return binding.key_display or binding.key
    return ", ".join(_display(key) for key in remapped.split(","))


def _display(key: str) -> str:
    *modifiers, base = key.split("+")
    return "+".join([*modifiers, format_key(base) if len(base) > 1 else base])


def palette_bindings() -> list[Binding]:
    """The bindings offered in the command palette, in help order."""
    return [b for b in BINDINGS if b.id not in PALETTE_EXCLUDE]
