"""Dataclasses to JSON-ready values and back, for views stored as text (data/state/last_view.py).

Only what those views hold: nested dataclasses, lists, tuples, dicts, datetimes (ISO 8601
with offset) and JSON scalars. Reading back takes the field types from the annotations,
so a datetime comes back as a datetime and a tuple as a tuple; fields the text lacks keep
their defaults and fields the class no longer has are ignored, so a view written by an
older or newer release still reads (or fails with ValueError, never half-built).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast, overload

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")

# What json.loads returns and json.dumps writes.
JSONValue: TypeAlias = "None | bool | int | float | str | list[JSONValue] | dict[str, JSONValue]"


@overload
def to_plain(value: DataclassInstance) -> dict[str, JSONValue]: ...
@overload
def to_plain(value: object) -> JSONValue: ...
def to_plain(value: object) -> JSONValue:
    """A value json.dumps can write: dataclasses become dicts, datetimes ISO strings, tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    # A scalar; anything else is passed on as it is, for json.dumps to accept or refuse.
    return cast(JSONValue, value)


@cache
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: object) -> T:
    """`cls` built from what to_plain wrote; ValueError when `data` does not fit it."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    hints = _hints(cls)
    values: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _convert(hints[f.name], data[f.name], f"{cls.__name__}.{f.name}")
    try:
        return cls(**values)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{cls.__name__}: {exc}") from None


def _convert(hint: object, value: object, where: str) -> object:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return _convert(options[0], value, where) if len(options) == 1 else value
    if hint is datetime:
        return _datetime(value, where)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_plain(hint, value)
    if origin in (tuple, list):
        return _sequence(origin, args, value, where)
    if origin is dict and not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _datetime(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a date and time, got {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: not a date and time: {value!r}") from None


def _sequence(origin: object, args: tuple[object, ...], value: object, where: str) -> list[object] | tuple[object, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    inner = args[0] if args else object  # no item type: items as they are
    items = [_convert(inner, v, where) for v in value]
    return tuple(items) if origin is tuple else items
