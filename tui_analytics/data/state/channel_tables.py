"""The channel between processes that share a state database: events, commands, the cache snapshot.

Every process using a state database (the scheduling one, attached dashboards, CLI
commands) appends an event row when something changes, so the others can follow
without asking. A dashboard attached to another process's scheduler appends
commands ("run top-items now") that the scheduling process claims and answers.
The scheduling process also keeps its cached analytics in `cache_snapshot` and its
state in the `scheduler.status` row of app_meta, so a dashboard shows them at once.

Every function is blocking SQL (call it in a thread). On PostgreSQL, appending an
event also sends NOTIFY on CHANNEL in the same transaction (see channel_watch.py).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, delete, func, insert, select, text, update

from tui_analytics.data.schema import app_meta, cache_snapshot, channel_commands, channel_events
from tui_analytics.data.state.database import inserted_id
from tui_analytics.data.state.last_view import VIEW_KEY
from tui_analytics.data.state.last_view import SnapshotEntry as SnapshotEntry  # re-exported: the channel's users name it here
from tui_analytics.data.timestamps import from_db, to_db
from tui_analytics.runtime.event_codec import decode, encode
from tui_analytics.runtime.event_types import Event

CHANNEL = "tui_analytics"  # the PostgreSQL NOTIFY channel
STATUS_KEY = "scheduler.status"
KEEP_EVENTS = 2000  # rows kept; a follower further behind than this only re-reads everything
COMMAND_EVENT = "command.posted"
COMMAND_DONE = "command.done"
# A command nobody claimed within this long is dropped: "run top-items" must not fire an
# hour later because a scheduler finally started.
COMMAND_LIFETIME_S = 60.0
OPS = ("trigger", "clear", "invalidate", "pause", "resume", "generate", "rebuild")


def origin_id() -> str:
    """This process as the channel names it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class ChannelEvent:
    """A row of `channel_events`: `event` is what it stores, made by `origin` (None for a
    command's row, COMMAND_EVENT, and for a row this version cannot read)."""

    id: int
    at: datetime
    origin: str
    kind: str
    subject: str
    event: Event | None


@dataclass(frozen=True)
class Command:
    id: int
    op: str
    argument: str
    origin: str
    status: str
    # The answer, a JSON object whose fields depend on `op` (wiring/channel.py's execute); its readers
    # take the fields they know as they are.
    result: dict[str, Any] | None = None
    done_by: str | None = None


def _notify(conn: Connection, event_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(event_id)})


def post_events(engine: Engine, events: Iterable[Event], now: datetime, origin: str | None = None) -> int:
    """Append events in one transaction (see runtime/event_codec.py); returns the last id (0: none)."""
    rows = [
        {"at": to_db(now), "origin": origin or origin_id(), "kind": kind, "subject": subject[:200], "detail": detail}
        for kind, subject, detail in map(encode, events)
    ]
    if not rows:
        return 0
    last = 0
    with engine.begin() as conn:
        for row in rows:
            last = inserted_id(conn.execute(insert(channel_events).values(**row)))
        _notify(conn, last)
        if last % 200 == 0:  # now and then, not on every write
            conn.execute(delete(channel_events).where(channel_events.c.id <= last - KEEP_EVENTS))
    return last


def latest_event_id(engine: Engine) -> int:
    """The newest event's id (0 when there is none): the one small query a follower polls."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(channel_events.c.id))).scalar() or 0)


def events_after(engine: Engine, after: int, limit: int = 500) -> list[ChannelEvent]:
    """Events newer than `after`, oldest first."""
    c = channel_events.c
    with engine.connect() as conn:
        rows = conn.execute(select(channel_events).where(c.id > after).order_by(c.id).limit(limit)).all()
    return [_event(row._mapping) for row in rows]


def _event(m: RowMapping) -> ChannelEvent:
    at = from_db(m["at"])
    assert at is not None
    event = decode(m["kind"], m["subject"], m["detail"], at=at, remote=m["origin"])
    return ChannelEvent(int(m["id"]), at, m["origin"], m["kind"], m["subject"], event)


# -- commands -----------------------------------------------------------------------


def post_command(engine: Engine, op: str, argument: str, now: datetime, origin: str | None = None) -> int:
    """Ask the scheduling process to do `op`; returns the command's id. Also appends an event, so
    the scheduling process (which follows the events) claims it at its next look."""
    if op not in OPS:
        raise ValueError(f"unknown command {op!r}")
    who = origin or origin_id()
    with engine.begin() as conn:
        command_id = inserted_id(
            conn.execute(
                insert(channel_commands).values(at=to_db(now), origin=who, op=op, argument=argument[:500], status="pending")
            )
        )
        event_id = inserted_id(
            conn.execute(
                insert(channel_events).values(
                    at=to_db(now), origin=who, kind=COMMAND_EVENT, subject=op, detail=json.dumps({"command": command_id})
                )
            )
        )
        _notify(conn, event_id)
    return command_id


def claim_commands(engine: Engine, by: str, now: datetime) -> list[Command]:
    """The pending commands, each now 'running' for `by` (a compare-and-set: two claimers never
    both get one). Commands older than COMMAND_LIFETIME_S are marked expired instead."""
    c = channel_commands.c
    cutoff = to_db(now - timedelta(seconds=COMMAND_LIFETIME_S))
    claimed: list[Command] = []
    with engine.begin() as conn:
        conn.execute(
            update(channel_commands)
            .where(c.status == "pending", c.at < cutoff)
            .values(status="expired", done_at=to_db(now), result=json.dumps({"error": "no scheduling process took it in time"}))
        )
        rows = conn.execute(select(channel_commands).where(c.status == "pending").order_by(c.id)).all()
        for row in rows:
            taken = conn.execute(
                update(channel_commands).where(c.id == row.id, c.status == "pending").values(status="running", done_by=by)
            )
            if taken.rowcount == 1:
                claimed.append(Command(int(row.id), row.op, row.argument, row.origin, "running", None, by))
    return claimed


def finish_command(engine: Engine, command_id: int, ok: bool, result: Mapping[str, object], now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(channel_commands)
            .where(channel_commands.c.id == command_id)
            .values(status="done" if ok else "failed", result=json.dumps(result, default=str), done_at=to_db(now))
        )


def read_command(engine: Engine, command_id: int) -> Command | None:
    with engine.connect() as conn:
        row = conn.execute(select(channel_commands).where(channel_commands.c.id == command_id)).first()
    if row is None:
        return None
    try:
        result = json.loads(row.result) if row.result else None
    except ValueError:
        result = None
    return Command(int(row.id), row.op, row.argument, row.origin, row.status, result, row.done_by)


# -- the cache snapshot ------------------------------------------------------------------


def write_snapshot(engine: Engine, entries: Iterable[SnapshotEntry], gone: Iterable[str] = ()) -> None:
    """Replace the rows of `entries` and delete the keys in `gone`, in one transaction."""
    entries = list(entries)
    remove = set(gone) | {e.key for e in entries}
    if not remove:
        return
    with engine.begin() as conn:
        conn.execute(delete(cache_snapshot).where(cache_snapshot.c.key.in_(sorted(remove))))
        for e in entries:
            conn.execute(
                insert(cache_snapshot).values(
                    key=e.key,
                    value=json.dumps(e.value, default=str),
                    stored_at=to_db(e.stored_at),
                    expires_at=to_db(e.expires_at),
                    ttl=e.ttl,
                    stale=e.stale,
                    error=e.error,
                    failed_at=to_db(e.failed_at),
                )
            )


def clear_snapshot(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(cache_snapshot))


def read_snapshot(engine: Engine) -> list[SnapshotEntry]:
    """Every stored entry (expired ones too: the reader decides what to show), sorted by key."""
    with engine.connect() as conn:
        rows = conn.execute(select(cache_snapshot).order_by(cache_snapshot.c.key)).all()
    found = []
    for row in rows:
        try:
            value = json.loads(row.value)
        except ValueError:  # a damaged row is skipped; the next refresh rewrites it
            continue
        stored, expires = from_db(row.stored_at), from_db(row.expires_at)
        assert stored is not None and expires is not None
        found.append(
            SnapshotEntry(row.key, value, stored, expires, float(row.ttl), bool(row.stale), row.error, from_db(row.failed_at))
        )
    return found


# -- the scheduling process's status --------------------------------------------------------


def write_status(engine: Engine, status: Mapping[str, object]) -> None:
    write_meta(engine, STATUS_KEY, status)


def write_view(engine: Engine, view: Mapping[str, object]) -> None:
    """The panes' last known view, read by starting dashboards (data/state/last_view.py)."""
    write_meta(engine, VIEW_KEY, view)


def write_meta(engine: Engine, key: str, document: Mapping[str, object]) -> None:
    value = json.dumps(document, default=str)
    with engine.begin() as conn:
        # Not "update, insert when no row changed": MySQL counts an unchanged row as not matched.
        if conn.execute(select(app_meta.c.key).where(app_meta.c.key == key)).first():
            conn.execute(update(app_meta).where(app_meta.c.key == key).values(value=value))
        else:
            conn.execute(insert(app_meta).values(key=key, value=value))


def read_status(engine: Engine) -> dict[str, object] | None:
    with engine.connect() as conn:
        raw = conn.execute(select(app_meta.c.value).where(app_meta.c.key == STATUS_KEY)).scalar()
    try:
        status = json.loads(raw) if raw else None
    except ValueError:
        return None
    return status if isinstance(status, dict) else None
