"""Events to and from what the state database's channel stores: a kind, a subject and a JSON object.

The JSON object holds the event's fields but its subject (its own column), its time (the
row's) and `remote` (the row's origin), each under the field's name, so rows read as
they always did: `job.finished`, `top-items`, `{"trigger": "scheduled", "duration_ms": 9.4,
"error": null}`. A `local` field (a finished run's JobStatus) is not stored: it reads as its
default. A list longer than MAX_LIST items (the keys of a cache.changed that touched
many) is left out, and reads as empty. Decoding checks every value against the field's type
and gives None for a row it cannot read (not an event's kind, a damaged row): a follower
skips it.
"""

from __future__ import annotations

import json
import logging
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import Union, get_args, get_origin, get_type_hints

from tui_analytics.runtime.event_types import EVENT_TYPES, KINDS, LOCAL, Event, ServiceEvent

log = logging.getLogger(__name__)

_NOT_STORED = frozenset(f.name for f in fields(ServiceEvent))  # at, remote: the row's own columns
MAX_LIST = 20  # items of a list field stored; a longer list is left out (followers re-read what it named)

Reader = Callable[[object], object]


@dataclass(frozen=True)
class _Stored:
    """One stored field: its name, how to read its JSON value, and whether it may be left out."""

    name: str
    read: Reader
    optional: bool  # has a default
    is_list: bool  # a tuple, stored as a list; left out (too long) reads as empty


def details(event: Event) -> list[tuple[str, object]]:
    """The event's fields but its subject, time and `remote`, in their declared order."""
    subject = event.subject_field
    return [(f.name, getattr(event, f.name)) for f in _STORED[type(event)] if f.name != subject]


def encode(event: Event) -> tuple[str, str, str]:
    """(kind, subject, JSON object of the other fields)."""
    values = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in details(event)
        if not (isinstance(value, tuple) and len(value) > MAX_LIST)
    }
    return event.kind, event.subject, json.dumps(values, default=str)


def decode(kind: str, subject: str, detail: str | None, *, at: datetime, remote: str | None = None) -> Event | None:
    """The event a row stored, made at `at` by `remote` (None: this process); None when the
    kind is not an event's or a value does not fit its field."""
    cls = KINDS.get(kind)
    if cls is None:
        return None
    try:
        stored = json.loads(detail or "{}")
    except ValueError:
        stored = None
    if not isinstance(stored, dict):
        log.debug("channel row %s %s: its detail is not a JSON object", kind, subject)
        return None
    values: dict[str, object] = {}
    for f in _STORED[cls]:
        if f.name == cls.subject_field:
            raw: object = subject
        elif f.name in stored:
            raw = stored[f.name]
        elif f.optional:
            continue
        elif f.is_list:  # too long to store
            raw = []
        else:
            log.debug("channel row %s %s: no %s", kind, subject, f.name)
            return None
        try:
            values[f.name] = f.read(raw)
        except TypeError as exc:
            log.debug("channel row %s %s: %s %s", kind, subject, f.name, exc)
            return None
    return cls(**values, at=at, remote=remote)  # type: ignore[arg-type]  # checked field by field above


def _stored(cls: type[ServiceEvent]) -> tuple[_Stored, ...]:
    hints = get_type_hints(cls)
    return tuple(
        _Stored(f.name, _reader(hints[f.name]), f.default is not MISSING, get_origin(hints[f.name]) is tuple)
        for f in fields(cls)
        if f.name not in _NOT_STORED and not f.metadata.get(LOCAL)
    )


def _reader(hint: object) -> Reader:
    if get_origin(hint) in (Union, types.UnionType):  # T | None
        inner = _reader(next(arg for arg in get_args(hint) if arg is not type(None)))
        return lambda value: None if value is None else inner(value)
    if get_origin(hint) is tuple:  # tuple[str, ...]
        return _texts
    return _SCALARS[hint]


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"{value!r} is not text")


def _integer(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{value!r} is not an integer")


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"{value!r} is not a number")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"{value!r} is not true or false")


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(_text(item) for item in value)
    raise TypeError(f"{value!r} is not a list")


_SCALARS: dict[object, Reader] = {str: _text, int: _integer, float: _number, bool: _flag}


_STORED: dict[type[ServiceEvent], tuple[_Stored, ...]] = {cls: _stored(cls) for cls in EVENT_TYPES}
