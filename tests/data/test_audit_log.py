"""The audit log: rows written with who and where, read newest first, redacted, pruned by age;
the trail the faces use records how a change ended; [access] and [web.users] settings."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tui_analytics.config.settings import load_settings
from tui_analytics.data.state import audit
from tui_analytics.data.state.database import open_state
from tui_analytics.runtime.actor import Actor
from tui_analytics.runtime.errors import ConfigError
from tui_analytics.runtime.redact import register_secret
from tui_analytics.wiring.audit import AuditTrail

ALICE = Actor(user="alice", host="db1", pid=4242, face="web")


@pytest.fixture
def engine(settings, frozen_clock):
    return open_state(settings, frozen_clock)


def trail(engine, clock) -> AuditTrail:
    return AuditTrail(lambda: engine, clock, actor=lambda: ALICE)


def test_a_row_names_who_where_what_and_how_it_ended(engine, frozen_clock) -> None:
    trail(engine, frozen_clock).record("job.run", "user-growth", "ok")
    (row,) = audit.read(engine)
    assert (row.user, row.host, row.pid, row.face, row.action, row.target, row.outcome) == (
        "alice",
        "db1",
        4242,
        "web",
        "job.run",
        "user-growth",
        "ok",
    )
    assert row.at == frozen_clock.now()


def test_rows_read_newest_first_and_since_a_moment(engine, frozen_clock) -> None:
    log = trail(engine, frozen_clock)
    log.record("cache.clear", "*", "ok: 3 removed")
    frozen_clock.advance(timedelta(hours=2))
    log.record("template.delete", "weekly-user-growth", "ok")
    assert [r.action for r in audit.read(engine)] == ["template.delete", "cache.clear"]
    assert [r.action for r in audit.read(engine, since=frozen_clock.now() - timedelta(hours=1))] == ["template.delete"]


def test_secrets_never_reach_the_log(engine, frozen_clock) -> None:
    register_secret("hook-secret-123")
    trail(engine, frozen_clock).record(
        "alert.test", "https://hooks.example.com/hook-secret-123", "failed: postgresql://u:hunter2@db/x refused"
    )
    (row,) = audit.read(engine)
    assert "hook-secret-123" not in row.target and "hunter2" not in row.outcome


def test_old_rows_are_pruned_and_recent_ones_kept(engine, frozen_clock) -> None:
    log = trail(engine, frozen_clock)
    log.record("job.pause", "top-items", "ok")
    frozen_clock.advance(timedelta(days=91))
    log.record("job.resume", "top-items", "ok")
    assert audit.prune(engine, frozen_clock.now(), keep_days=90) == 1
    assert [r.action for r in audit.read(engine)] == ["job.resume"]


def test_the_trail_records_a_failure_and_raises_it(engine, frozen_clock) -> None:
    async def fails() -> int:
        raise RuntimeError("the scheduling process did not answer")

    with pytest.raises(RuntimeError):
        asyncio.run(trail(engine, frozen_clock).around("cache.clear", "*", fails()))
    (row,) = audit.read(engine)
    assert row.outcome == "failed: the scheduling process did not answer"


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        audit.entry(ALICE, datetime.now(timezone.utc), "drop.everything", "", "ok")


def test_access_and_web_users_settings(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[access]\nread_only = true\naudit_days = 30\n[web.users]\nalice = { password = "$argon2id$v=19$m=8,t=1,p=1$x$y", '
        'role = "operator" }\nbob = "$argon2id$v=19$m=8,t=1,p=1$x$z"\n'
    )
    access = load_settings(config, env={"TUI_ANALYTICS_DATA_DIR": str(tmp_path)}).access
    assert access.read_only and access.audit_days == 30 and not access.read_only_exports
    assert [(u.name, u.role) for u in access.web_users] == [("alice", "operator"), ("bob", "viewer")]
    assert "argon2" not in repr(access)  # a hash is never shown


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[web.users]\nalice = "hunter2"\n', "needs a password hash"),
        ('[web.users]\nalice = { password = "$argon2id$x", role = "admin" }\n', "role must be viewer or operator"),
        ("[access]\nread_onyl = true\n", "unknown setting(s) in [access]"),
        ("[access]\naudit_days = 0\n", "access.audit_days"),
    ],
)
def test_bad_access_settings_are_one_line(tmp_path: Path, text: str, says: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(config, env={"TUI_ANALYTICS_DATA_DIR": str(tmp_path)})
    assert says in str(raised.value) and "\n" not in str(raised.value)
    assert "hunter2" not in str(raised.value)
