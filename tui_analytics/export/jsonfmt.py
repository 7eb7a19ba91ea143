"""JSON output: strict JSON (no NaN/Infinity), ISO 8601 datetimes with offset, metadata block."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TextIO, TypedDict

from tui_analytics.runtime.daterange import DateRange

EXPORT_VERSION = "1.0"  # version of the export file layout, written in the metadata block


class ExportMetadata(TypedDict):
    """The metadata block of an export (docs/data.md), in this key order."""

    generatedAt: str
    dateRange: str | None
    totalRecords: int
    exportFormat: str
    version: str


def json_default(value: object) -> object:
    """Encode the types the repository returns that json does not know."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # the source stores naive UTC
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot export a value of type {type(value).__name__} as JSON")


def _finite(value: object) -> object:
    # JSON has no NaN or Infinity; like JavaScript's JSON.stringify, write null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def dumps(value: object, *, indent: int | None = 2) -> str:
    """Strict JSON text. Non-finite floats become null; allow_nan=False guards the rest."""
    separators = (",", ": ") if indent is not None else (",", ":")
    encode = functools.partial(
        json.dumps, ensure_ascii=False, allow_nan=False, default=json_default, indent=indent, separators=separators
    )
    try:
        return encode(value)
    except ValueError:
        return encode(_finite(value))


def build_metadata(
    *,
    generated_at: datetime,
    date_range: DateRange | None,
    total_records: int,
    export_format: str,
) -> ExportMetadata:
    """The metadata block docs/data.md describes: generatedAt, dateRange, totalRecords, exportFormat, version."""
    return {
        "generatedAt": generated_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "dateRange": date_range.label() if date_range is not None else None,
        "totalRecords": total_records,
        "exportFormat": export_format,
        "version": EXPORT_VERSION,
    }


def document(data: object, metadata: ExportMetadata | None) -> object:
    """The top-level JSON value: the data alone, or {"metadata": ..., "data": ...}."""
    return data if metadata is None else {"metadata": metadata, "data": data}


class JsonStreamWriter:
    """Writes a JSON array row by row to a text stream (constant memory).

    Without metadata the file is `[row, row, ...]`. With metadata it is
    `{"data": [...], "metadata": {...}}`: the block comes last because
    totalRecords is only known at the end (JSON readers ignore key order).
    """

    def __init__(self, stream: TextIO, *, with_metadata: bool) -> None:
        self._stream = stream
        self._with_metadata = with_metadata
        self._started = False
        self.rows = 0

    def _start(self) -> None:
        self._started = True
        self._stream.write('{"data": [' if self._with_metadata else "[")

    def write(self, row: object) -> None:
        if not self._started:
            self._start()
        self._stream.write(("\n" if self.rows == 0 else ",\n") + dumps(row, indent=None))
        self.rows += 1

    def write_all(self, rows: Iterable[object]) -> int:
        for row in rows:
            self.write(row)
        return self.rows

    def finish(self, metadata: ExportMetadata | None = None) -> int:
        if not self._started:
            self._start()
        end = "\n]" if self.rows else "]"
        if self._with_metadata:
            self._stream.write(end + ',\n"metadata": ' + dumps(metadata, indent=None) + "}\n")
        else:
            self._stream.write(end + "\n")
        return self.rows
