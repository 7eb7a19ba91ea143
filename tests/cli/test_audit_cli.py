"""The CLI's changes in the audit log (one row each, face cli, with user, host and pid),
`tui-analytics audit [--since] [--json]`, and `--read-only` refusing every changing command."""

from __future__ import annotations

import json
import os
import socket
import sqlite3

import pytest

from tests.support.serving import cli

pytestmark = pytest.mark.slow  # CLI processes

CHANGES = [
    (("jobs", "run", "user-growth"), "job.run", "user-growth"),
    (("jobs", "pause", "top-items"), "job.pause", "top-items"),
    (("jobs", "resume", "top-items"), "job.resume", "top-items"),
    (("jobs", "interval", "top-items", "5m"), "job.interval", "top-items 5m"),
    (("cache", "clear"), "cache.clear", "*"),
    (("cache", "invalidate", "top*"), "cache.invalidate", "top*"),
    (("report", "create", "--name", "Audit me", "--schedule", "daily"), "template.create", "Audit me"),
    (("report", "update", "Audit me", "--description", "edited"), "template.edit", "Audit me"),
    (("report", "delete", "Audit me"), "template.delete", "Audit me"),
    (("export", "top-items", "-o", "-", "-q"), "export", "top-items csv -> -"),
]


def test_each_cli_change_is_one_audit_row_and_audit_json_lists_them(data_dir) -> None:
    for args, _action, _target in CHANGES:
        done = cli(data_dir, *args)
        assert done.returncode == 0, (args, done.stderr)
    listed = cli(data_dir, "audit", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = list(reversed(json.loads(listed.stdout)))
    assert [(r["action"], r["target"]) for r in rows] == [(action, target) for _args, action, target in CHANGES]
    assert {(r["face"], r["host"], r["outcome"]) for r in rows} == {("cli", socket.gethostname(), "ok")}
    assert all(r["user"] and r["pid"] > 0 and r["pid"] != os.getpid() for r in rows)
    assert len({r["pid"] for r in rows}) == len(CHANGES)  # one process each
    table = cli(data_dir, "audit", "--since", "1h")
    assert table.stdout.splitlines()[0].split() == ["AT", "USER", "HOST", "PID", "FACE", "ACTION", "TARGET", "OUTCOME"]
    assert len(table.stdout.splitlines()) == len(CHANGES) + 1
    assert cli(data_dir, "audit", "--since", "2999-01-01").stdout.strip() == "no changes recorded since then"


def test_read_only_refuses_every_changing_command_in_one_line(data_dir) -> None:
    for args, _action, _target in CHANGES:
        refused = cli(data_dir, "--read-only", *args)
        assert refused.returncode == 77, (args, refused.stdout, refused.stderr)
        line = refused.stderr.strip()
        assert "\n" not in line and line.startswith("tui-analytics: error: read-only mode (--read-only): "), line
    assert json.loads(cli(data_dir, "audit", "--json").stdout) == []
    assert cli(data_dir, "--read-only", "jobs", "status").returncode == 0  # looking still works


def test_a_failed_change_is_recorded_as_failed_and_bad_input_not_at_all(data_dir) -> None:
    """A run that fails is a change tried: recorded. An unknown template is bad input, refused
    before anything is done: like any bad input, it saves nothing, no audit row either."""
    assert cli(data_dir, "report", "delete", "no-such-template").returncode == 1
    assert json.loads(cli(data_dir, "audit", "--json").stdout) == []
    with sqlite3.connect(data_dir / "demo.sqlite3") as source:  # the source loses a table: the job fails
        source.execute("ALTER TABLE activities RENAME TO activities_gone")
    assert cli(data_dir, "jobs", "run", "top-items").returncode == 1
    (row,) = json.loads(cli(data_dir, "audit", "--json").stdout)
    assert row["action"] == "job.run" and row["target"] == "top-items" and row["outcome"].startswith("failed")
