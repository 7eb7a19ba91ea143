"""The state database: report templates, report history, job run history."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, SupportsInt

from sqlalchemy import Select, Table, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import describe_error, get_engine
from tui_analytics.data.schema import job_runs, report_runs, state_metadata
from tui_analytics.data.timestamps import to_db
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.errors import DatabaseError

log = logging.getLogger(__name__)

# A run this old cannot still be alive in another process (each query is limited
# by the query timeout; a report is a handful of queries and one e-mail).
STALE_RUN_SECONDS = 3600.0


class StateUser:
    """Base of the classes that read and write state tables (job history, report stores).

    Holds the state engine, or a callable that opens it on first use, so that the
    services owning these classes do no I/O when they are constructed.
    """

    def __init__(self, engine: Engine | Callable[[], Engine]) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()


class InsertResult(Protocol):
    """What inserted_id reads of an INSERT's result (SQLAlchemy's CursorResult)."""

    @property
    def inserted_primary_key(self) -> Sequence[SupportsInt] | None: ...


def inserted_id(result: InsertResult) -> int:
    """The primary key of the row an INSERT made (every insert into the state tables makes one)."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def newest_runs(
    table: Table,
    owner_column: str,
    owner: str | None = None,
    *,
    status: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Select[Any]:
    """The rows of a run history (job_runs, report_runs), newest first; each filter given narrows them
    (all must hold): `owner` in `owner_column`, `status`, `since` (started at or after)."""
    c = table.c
    query = select(table).order_by(c.started_at.desc(), c.id.desc())
    if owner is not None:
        query = query.where(c[owner_column] == owner)
    if status is not None:
        query = query.where(c.status == status)
    if since is not None:
        query = query.where(c.started_at >= to_db(since))
    return query if limit is None else query.limit(limit)


def open_state(settings: Settings, clock: Clock | None = None) -> Engine:
    """The state engine with every table created (idempotent; only reads once they exist).

    The first call in a process also registers it as a user of the database
    (locking.join_presence). Nothing is written here once the tables are current (an
    older database first gets the columns added since, data/upgrade.py): a read command (`report list`)
    works while another process holds the database's write lock. Runs a dead process
    left 'running' are marked by the process that takes the scheduler lock
    (`recover_interrupted`, called by the services when they claim it).
    """
    url = settings.resolved_state_url
    engine = get_engine(url)
    try:
        _create_tables(engine)
        add_missing_columns(engine)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open the state database {describe_error(url, exc)}") from None
    from tui_analytics.data.state.locking import join_presence

    join_presence(url)
    return engine


def check_writable(engine: Engine, url: str) -> None:
    """DatabaseError (one line) unless this process may write to the state database: a command
    whose work is a record there (`jobs run`) asks first, rather than run and record nothing.

    A DELETE that matches no row writes nothing, but still needs write access: SQLite refuses
    it on a file this user may only read ("attempt to write a readonly database"), a server
    on a role without the privilege."""
    from sqlalchemy import delete, false

    try:
        with engine.begin() as conn:
            conn.execute(delete(job_runs).where(false()))
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot write to the state database {describe_error(url, exc)}") from None


def _create_tables(engine: Engine) -> None:
    # Several processes started together on a new state database (a shell loop, serve and a
    # dashboard) race between "does the table exist" and CREATE TABLE: the loser sees "already
    # exists". Looking again then finds every table the winner made.
    for attempt in range(3):
        try:
            state_metadata.create_all(engine)
            return
        except SQLAlchemyError as exc:
            if "already exists" not in str(exc) or attempt == 2:
                raise


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the nullable columns a newer release added to a state table that already exists.

    `create_all` only creates missing tables; a state database made by an older release
    would otherwise fail on the first query naming a new column. Returns "table.column"
    for each column added (nothing is written when none is missing).
    """
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    present_tables = set(inspector.get_table_names())
    added: list[str] = []
    for table in state_metadata.sorted_tables:
        if table.name not in present_tables:
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            quote = engine.dialect.identifier_preparer.quote
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"))
            added.append(f"{table.name}.{column.name}")
    if added:
        log.info("state database upgraded: added %s", ", ".join(added))
    return added


def recover_interrupted(
    engine: Engine, *, alone: bool, now: datetime, tables: tuple[str, ...] = ("job_runs", "report_runs")
) -> dict[str, int]:
    """Mark runs left 'running' by a process that died as 'interrupted'; returns counts per table.

    `alone` (no other live process used this database when this one joined) makes
    every such run dead; otherwise only runs older than STALE_RUN_SECONDS are, so a
    dashboard starting never marks a report another live process is making. Called by
    the process that takes the scheduler lock, never by a read command.
    """
    naive_now = to_db(now)
    assert naive_now is not None
    cutoff = naive_now - timedelta(seconds=STALE_RUN_SECONDS)
    counts: dict[str, int] = {}
    try:
        with engine.begin() as conn:
            for name, table, values in (
                ("job_runs", job_runs, {"error": "the process stopped before the run finished"}),
                ("report_runs", report_runs, {"error": "interrupted: the app stopped during generation", "finished_at": naive_now}),
            ):
                if name not in tables:
                    continue
                where = table.c.status == "running"
                if not alone:
                    where = where & (table.c.started_at < cutoff)
                result = conn.execute(update(table).where(where).values(status="interrupted", **values))
                counts[name] = int(result.rowcount or 0)
    except SQLAlchemyError as exc:  # recovery is a courtesy; the services still start
        log.warning("could not mark interrupted runs: %s", describe_error(str(engine.url), exc))
        return {}
    if any(counts.values()):
        log.warning("marked runs interrupted by a stopped process: %s", counts)
    return counts
