"""The sub-commands, in help order: the module that builds each one and its one-line help.

`tui-analytics --help` lists the commands from this table without importing their modules (each
pulls in the settings, the export layer or the report models); only the command given on the
command line is built in full (see `build_parser` in cli/__init__.py).
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "demo-data": ("demo", "fill a database with synthetic users, items and activities"),
    "export": ("export_cmd", "export a dataset as CSV or JSON"),
    "report": ("report_cmd", "scheduled report templates and history"),
    "jobs": ("jobs_cmd", "background job statuses, history and manual runs"),
    "cache": ("cache_cmd", "clear or invalidate the analytics cache of the scheduling process"),
    "audit": ("audit_cmd", "who changed what, from where, and how it ended (the audit log)"),
    "alerts": (
        "alerts_cmd",
        "send a test alert; show alert targets, open incidents and deliveries; the data rules now; mute alerts for a while",
    ),
    "source": ("source_cmd", "check the source database and its mapping ([source] in the config file)"),
    "config": ("config_cmd", "which settings file is read (config path)"),
    "serve": ("serve_cmd", "run the jobs and scheduled reports without a screen (for systemd or a container)"),
    "web": ("web_cmd", "serve the dashboard to a web browser, behind a login (textual-serve)"),
}


def summary(name: str) -> str:
    """The one-line help of command `name`, as the top-level --help lists it."""
    return COMMANDS[name][1]
