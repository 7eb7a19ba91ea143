"""The rollup tables in the state database: closed days of the source, aggregated once.

A day is the reporting zone's day, kept as 'YYYY-MM-DD'. Ids are kept as JSON text
(`encode_id`), so a whole-number id and a text id come back as the source gave them.
The three tables whose size follows the number of distinct (day, item), (day, user)
and (day, item, user) are kept only for the days of the horizon (the longest window a
refresh asks for, plus the lateness); the per-day and per-day-and-action tables hold
the whole history.
"""

from __future__ import annotations

import json

from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, Text

from tui_analytics.data.source.recent_stream import ident
from tui_analytics.data.source.rows import Ident

rollup_metadata = MetaData()

# key -> value: watermark, fingerprint, status, first and last activity.
rollup_meta = Table(
    "rollup_meta",
    rollup_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=True),
)

# Per day: activities, distinct active users, new users (by the users' created time).
rollup_day = Table(
    "rollup_day",
    rollup_metadata,
    Column("day", String(10), primary_key=True),
    Column("activities", BigInteger, nullable=False),
    Column("active_users", BigInteger, nullable=False),
    Column("new_users", BigInteger, nullable=False),
)

rollup_day_action = Table(
    "rollup_day_action",
    rollup_metadata,
    Column("day", String(10), primary_key=True),
    Column("action", String(255), primary_key=True),
    Column("activities", BigInteger, nullable=False),
)

rollup_day_item = Table(
    "rollup_day_item",
    rollup_metadata,
    Column("day", String(10), primary_key=True),
    Column("item", String(255), primary_key=True),
    Column("interactions", BigInteger, nullable=False),
)

rollup_day_user = Table(
    "rollup_day_user",
    rollup_metadata,
    Column("day", String(10), primary_key=True),
    Column("user", String(255), primary_key=True),
)

rollup_day_item_user = Table(
    "rollup_day_item_user",
    rollup_metadata,
    Column("day", String(10), primary_key=True),
    Column("item", String(255), primary_key=True),
    Column("user", String(255), primary_key=True),
    Index("ix_rollup_item_user_item", "item", "day"),
)

# Derived from the three above whenever days are replaced (once a day, and after late rows):
# what a window ending at the watermark reads. The last day each user, and each (item, user),
# was active in the horizon, so "active since day D" is one index range; and the interactions
# per item over the default window's whole days.
rollup_user_last = Table(
    "rollup_user_last",
    rollup_metadata,
    Column("user", String(255), primary_key=True),
    Column("last_day", String(10), nullable=False),
    Index("ix_rollup_user_last_day", "last_day"),
)

rollup_item_user_last = Table(
    "rollup_item_user_last",
    rollup_metadata,
    Column("item", String(255), primary_key=True),
    Column("user", String(255), primary_key=True),
    Column("last_day", String(10), nullable=False),
    Index("ix_rollup_item_user_last_day", "item", "last_day"),
)

rollup_item_total = Table(
    "rollup_item_total",
    rollup_metadata,
    Column("item", String(255), primary_key=True),
    Column("interactions", BigInteger, nullable=False),
    Index("ix_rollup_item_total_n", "interactions"),
)

DAY_TABLES = (rollup_day, rollup_day_action)
HORIZON_TABLES = (rollup_day_item, rollup_day_user, rollup_day_item_user)
DERIVED_TABLES = (rollup_user_last, rollup_item_user_last, rollup_item_total)


def encode_id(value: object) -> str:
    """An id (or an action) as stored in a rollup: JSON text of the value as the source gives it
    (None is 'null'; a driver's Decimal or UUID as its text), so it can be looked up again as it is."""
    if type(value) is int:  # the common case, and json.dumps's text for it (a refresh encodes thousands)
        return str(value)
    if value is None or isinstance(value, str):
        return json.dumps(value)
    return json.dumps(str(value))


def decode_raw(text: str) -> int | str | None:
    if text[:1].isdigit() or text[:1] == "-":  # a whole number (encode_id wrote str(int))
        return int(text)
    value = json.loads(text)
    return value if value is None or isinstance(value, (int, str)) else str(value)


def decode_id(text: str) -> Ident | None:
    """The id as the datasets show it (`ident`: a whole number as an int)."""
    return ident(decode_raw(text))
