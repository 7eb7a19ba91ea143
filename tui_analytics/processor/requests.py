"""Cache requests between processes, through the state database.

The analytics cache lives in each process's memory, so `tui-analytics cache
clear` run in a shell cannot touch a dashboard's cache directly. Instead it
appends a request to the `cache.requests` row of `app_meta`; every processor
using the same state database applies new requests at its next
performance-metrics run (every 30 s by default). Blocking SQL: call in a thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from ..data.schema import app_meta

KEY = "cache.requests"
KEEP = 50  # requests kept in the row; a processor more than 50 behind just misses old ones


@dataclass(frozen=True)
class CacheRequest:
    seq: int
    op: str  # 'clear' | 'invalidate'
    pattern: str
    at: str


def _load(conn: object) -> list[CacheRequest]:
    raw = conn.execute(select(app_meta.c.value).where(app_meta.c.key == KEY)).scalar()  # type: ignore[attr-defined]
    if not raw:
        return []
    try:
        return [CacheRequest(**item) for item in json.loads(raw)]
    except (ValueError, TypeError):  # a damaged row is replaced by the next request
        return []


def post(engine: Engine, op: str, pattern: str, now: datetime) -> CacheRequest:
    """Append a request; returns it (with its sequence number)."""
    if op not in ("clear", "invalidate"):
        raise ValueError(f"unknown cache request {op!r}")
    with engine.begin() as conn:
        current = _load(conn)
        request = CacheRequest(current[-1].seq + 1 if current else 1, op, pattern, now.isoformat())
        value = json.dumps([r.__dict__ for r in (current + [request])[-KEEP:]])
        exists = conn.execute(select(app_meta.c.key).where(app_meta.c.key == KEY)).first()
        if exists:
            conn.execute(update(app_meta).where(app_meta.c.key == KEY).values(value=value))
        else:
            conn.execute(insert(app_meta).values(key=KEY, value=value))
    return request


def pending(engine: Engine, after_seq: int) -> list[CacheRequest]:
    """Requests newer than `after_seq`, oldest first."""
    with engine.connect() as conn:
        return [r for r in _load(conn) if r.seq > after_seq]


def latest_seq(engine: Engine) -> int:
    """The newest sequence number (a new processor starts after it: old requests are not replayed)."""
    with engine.connect() as conn:
        requests = _load(conn)
    return requests[-1].seq if requests else 0
