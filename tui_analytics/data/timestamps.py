"""How timestamps are stored: naive UTC in every engine (see schema.py).

The one place that converts between the aware UTC datetimes the code uses and
the naive UTC values the databases hold, and that writes them as ISO 8601.
"""

from __future__ import annotations

from datetime import datetime, timezone


def to_db(value: datetime | None) -> datetime | None:
    """Naive UTC for storing or binding; a naive value is taken to be UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def from_db(value: datetime | None) -> datetime | None:
    """Aware UTC from a stored value (naive means UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso(value: datetime) -> str:
    """ISO 8601 with an offset; a naive value is read as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()
