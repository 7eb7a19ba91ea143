"""Bring an older state database up to the current tables: add the columns added since.

`create_all` creates missing tables but never changes a table that exists, so a state
database made by an earlier version lacks the newer columns, and every read of
`report_templates` would then fail. `upgrade_state` adds each missing column (nullable,
so existing rows stay valid and read as the column's default). It only reads when nothing
is missing, so read commands on an up-to-date database still write nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, inspect
from sqlalchemy.schema import Column, Table

from .schema import report_runs, report_templates

log = logging.getLogger(__name__)

# Columns added after the first release, per table (each nullable).
ADDED_COLUMNS: dict[Table, tuple[str, ...]] = {
    report_templates: ("skip_empty", "max_attachment_mb"),
    report_runs: ("period_start", "period_end"),
}


def missing_columns(engine: Engine) -> dict[str, list[Column]]:
    """Table name -> the columns of ADDED_COLUMNS it lacks (a read of the catalogue)."""
    inspector = inspect(engine)
    missing: dict[str, list[Column]] = {}
    for table, names in ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table.name)}
        lacking = [table.c[name] for name in names if name not in present]
        if lacking:
            missing[table.name] = lacking
    return missing


def upgrade_state(engine: Engine) -> list[str]:
    """Add the missing columns; returns them as `table.column` (empty when up to date)."""
    missing = missing_columns(engine)
    if not missing:
        return []
    added: list[str] = []
    with engine.begin() as conn:
        for table_name, columns in missing.items():
            preparer = conn.dialect.identifier_preparer
            for column in columns:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(
                    f"ALTER TABLE {preparer.quote(table_name)} ADD COLUMN {preparer.quote(column.name)} {kind} NULL"
                )
                added.append(f"{table_name}.{column.name}")
    log.info("upgraded the state database: added %s", ", ".join(added))
    return added
