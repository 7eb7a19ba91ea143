"""CSV output: flattening, cell formatting and formula neutralisation.

The rules (also in docs/data.md):
- The header is the union of the (flattened) keys of all rows, in first-seen order.
- Nested objects flatten to dot-notation columns: {"summary": {"totalUsers": 3}} -> `summary.totalUsers`.
  An empty object is kept as the cell `{}` so its column does not vanish.
- Lists (and tuples) are kept, JSON-encoded in one cell: ["a", 1] -> `["a", 1]`.
- None is an empty cell; booleans are `true`/`false`; datetimes are ISO 8601 with offset
  (naive ones are UTC); numbers are written as numbers.
- Quoting is RFC 4180 by the csv module: quotes doubled, fields with commas, quotes or
  line breaks quoted, rows end in CRLF.
- A text cell that starts with `=`, `+`, `-`, `@`, tab or carriage return, and is not a
  plain number, gets a leading `'` (OWASP CSV injection advice), so a spreadsheet shows
  it as text instead of running it. `-5` and `1e-3` stay numbers; `-2+3` becomes `'-2+3`.
  The same when NUL, other control characters or spaces come before the trigger
  (`\x00=1+1` becomes `'\x00=1+1`): a spreadsheet skips them. Header cells follow the same rule.
"""

from __future__ import annotations

import csv
import io
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from tui_analytics.data.timestamps import iso
from tui_analytics.runtime.errors import TuiAnalyticsError

if TYPE_CHECKING:
    from _csv import Writer

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
BOM = "\ufeff"


class ExportDataError(TuiAnalyticsError, ValueError):
    """Rows that cannot be written as asked (e.g. a streamed row with columns not in the header)."""


# What a spreadsheet skips before it looks for a formula: NUL and other control characters
# and spaces ("\x00=1+1" is evaluated by LibreOffice), so the trigger is looked for after them.
_SKIPPED_LEAD = re.compile(
    r"[\x00-\x08\x0a-\x0c\x0e-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]+"
)


def neutralise(text: str) -> str:
    """Prefix `'` to text a spreadsheet would run as a formula; plain numbers pass unchanged."""
    if not text:
        return text
    if text[0] in _TRIGGER_SET:
        return text if _NUMBER.fullmatch(text) else "'" + text
    lead = _SKIPPED_LEAD.match(text)
    if lead is not None and text[lead.end() : lead.end() + 1] in _TRIGGER_SET:
        rest = text[lead.end() :]
        return text if _NUMBER.fullmatch(rest) else "'" + text
    return text


# Every first character after which a cell may need `neutralise`: a trigger, or a character
# skipped before one. The fast paths test only this, and leave the rest to `neutralise`.
_FIRST_CHARS = _TRIGGER_SET | {chr(c) for c in (*range(0x3001), 0xFEFF) if _SKIPPED_LEAD.match(chr(c))}


def _json_default(value: object) -> object:
    from tui_analytics.export.jsonfmt import json_default

    return json_default(value)


# cell_text, _fast_cell and _column_cells take Any: they branch on a saved `type(value)`,
# which the type checker does not follow, and run per cell of a million-row export.
# complexity: one branch per cell type; exact types first (the hot path of exports), then subclasses by isinstance
def cell_text(value: Any) -> str:
    """The text of one CSV cell, neutralised."""
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else neutralise(repr(value))
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else neutralise(str(value))
    if isinstance(value, int):  # int subclasses (IntEnum...)
        return str(int(value))
    if isinstance(value, datetime):
        return neutralise(iso(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise(json.dumps(value, ensure_ascii=False, default=_json_default, separators=(", ", ": ")))
    if isinstance(value, Mapping):  # only an empty one gets here (flatten expands the rest)
        return neutralise(json.dumps(value, ensure_ascii=False, default=_json_default))
    if isinstance(value, bytes):
        return neutralise(value.decode("utf-8", "replace"))
    return neutralise(str(value))


_FLAT_TYPES = frozenset({str, int, float, bool, type(None)})


def _fast_cell(value: Any) -> object:
    # cell_text for the common types without its chain of checks; the csv module
    # writes an int with str() itself.
    kind = type(value)
    if kind is str:
        return neutralise(value) if value and value[0] in _FIRST_CHARS else value
    if kind is int:
        return value
    return cell_text(value)


_INT_ONLY = frozenset({int})
_STR_ONLY = frozenset({str})
# A text cell needs neutralising when it starts with a trigger: in "\n".join(column)
# that is the first character or a newline followed by a trigger (a newline inside
# a value can only add false alarms, which take the per-value path). One regex pass
# over the joined column instead of a substring search per trigger.
_TRIGGER_AFTER_NEWLINE = re.compile("\n[" + re.escape("".join(sorted(_FIRST_CHARS))) + "]")


# What makes the csv module quote a field with this dialect: the delimiter, the quote
# character, CR or LF (a newline is caught by counting the join's own newlines). NUL is
# included because older csv versions refuse it: such columns go through the csv module.
_QUOTED_CHARS = re.compile('[,"\r\x00]')


def _column_cells(column: Sequence[Any]) -> tuple[Sequence[object], Sequence[str] | None] | None:
    """One column's cells for the csv module, and the same cells as final text when the
    csv module would write each of them unquoted (else None); None when the values need
    `flatten` (not flat)."""
    kinds = set(map(type, column))
    if kinds == _INT_ONLY:
        return column, list(map(str, column))
    if kinds == _STR_ONLY:
        joined = "\n".join(column)
        if joined[:1] not in _FIRST_CHARS and not _TRIGGER_AFTER_NEWLINE.search(joined):
            plain = joined.count("\n") == len(column) - 1 and not _QUOTED_CHARS.search(joined)
            return column, column if plain else None
    if not _FLAT_TYPES.issuperset(kinds):
        return None
    return [_fast_cell(value) for value in column], None


def flatten(row: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Nested mappings to dot-notation keys; other values (lists included) as they are."""
    out: dict[str, object] = {}
    _flatten_into(out, row, prefix)
    return out


# Types that are never mappings: checked by identity first because
# isinstance(..., Mapping) is an ABC check, slow next to a set lookup, and runs for every cell.
_LEAF_TYPES = frozenset({str, int, float, bool, type(None), list, tuple, datetime, date, Decimal})


def _flatten_into(out: dict[str, object], row: Mapping[Any, object], prefix: str) -> None:
    for key, value in row.items():
        name = f"{prefix}{key}" if prefix or type(key) is not str else key
        if type(value) not in _LEAF_TYPES and isinstance(value, Mapping) and value:
            _flatten_into(out, value, name + ".")
        else:
            out[name] = value


def union_columns(rows: Iterable[Mapping[str, object]]) -> list[str]:
    """All keys of the (already flat) rows in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in seen:
                seen[key] = None
    return list(seen)


def _writer(stream: TextIO) -> Writer:
    # csv's default dialect is RFC 4180: "," separator, '"' doubled inside quotes, CRLF.
    return csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def rows_to_csv(
    rows: Iterable[Mapping[str, object]],
    *,
    columns: Iterable[str] | None = None,
    bom: bool = False,
) -> tuple[str, int]:
    """The CSV text of rows held in memory, and the number of rows.

    `columns` is the header used when there are no rows at all (so an empty export still
    names its columns); otherwise the header is the union of the rows' keys.
    """
    flat = [flatten(row) for row in rows]
    header = union_columns(flat) if flat else list(columns or ())
    buffer = io.StringIO(newline="")
    if bom:
        buffer.write(BOM)
    if header:
        writer = _writer(buffer)
        writer.writerow([neutralise(name) for name in header])
        for row in flat:
            writer.writerow([cell_text(row.get(name)) for name in header])
    return buffer.getvalue(), len(flat)


def _row_getter(header: list[str]) -> Callable[[Mapping[str, object]], tuple[object, ...]]:
    if not header:
        return lambda row: ()
    if len(header) == 1:
        key = header[0]
        return lambda row: (row[key],)
    return operator.itemgetter(*header)


class CsvStreamWriter:
    """Writes rows one by one to a text stream opened with newline="" (constant memory).

    A stream cannot look ahead, so the header is `columns` when given, else the
    first row's keys (`empty_columns` when no row comes); a later row with a
    column not in the header is an error rather than a silently dropped value.
    """

    def __init__(
        self,
        stream: TextIO,
        columns: Iterable[str] | None = None,
        *,
        bom: bool = False,
        empty_columns: Iterable[str] = (),
    ) -> None:
        self._stream = stream
        self._empty_columns = list(empty_columns)
        self._writer = _writer(stream)
        self._header: list[str] | None = list(columns) if columns is not None else None
        self._known: frozenset[str] = frozenset(self._header or ())
        self._getter: Callable[[Mapping[str, object]], tuple[object, ...]] | None = None
        self._bom = bom
        self._started = False
        self.rows = 0

    def _start(self) -> None:
        self._started = True
        if self._bom:
            self._stream.write(BOM)
        if self._header:
            self._writer.writerow([neutralise(name) for name in self._header])

    def write(self, row: Mapping[str, object]) -> None:
        if type(row) is dict and _FLAT_TYPES.issuperset(map(type, row.values())):
            flat: Mapping[str, object] = row  # already flat: the usual case, skip the copy
        else:
            flat = flatten(row)
        if self._header is None:
            self._header = list(flat)
            self._known = frozenset(self._header)
        if self._getter is None:
            self._getter = _row_getter(self._header)
        if not self._started:
            self._start()
        if not self._header and not flat:  # no columns at all: nothing to write (as rows_to_csv)
            self.rows += 1
            return
        if flat.keys() == self._known:  # every column present: one C-level lookup
            self._writer.writerow(map(_fast_cell, self._getter(flat)))
        else:
            if not self._known.issuperset(flat):
                extra = sorted(set(flat) - self._known)
                raise ExportDataError(f"row {self.rows + 1} has column(s) not in the CSV header: {', '.join(extra)}")
            get = flat.get
            self._writer.writerow([_fast_cell(get(name)) for name in self._header])
        self.rows += 1

    def write_columns(self, names: Sequence[str], columns: Sequence[Sequence[object]]) -> None:
        """Write a batch given column by column (equal lengths): the same bytes as `write`
        for each row `dict(zip(names, values))`, without building those dicts.

        Columns of plain ints, and of text that no formula trigger starts, are used as
        they are; other flat columns get `_fast_cell` per value. When no cell needs
        quoting the lines are joined directly, else one `writerows` call writes them.
        Batches the column path cannot take as is (other names or order than the
        header, nested values) fall back to `write` row by row.
        """
        count = len(columns[0]) if columns else 0
        if not count:
            return
        header = list(names)
        prepared = self._prepared(header, columns)
        if prepared is None:
            for values in zip(*columns):
                self.write(dict(zip(names, values)))
            return
        if self._header is None:
            self._header = header
            self._known = frozenset(header)
        if not self._started:
            self._start()
        texts = [text for _cells, text in prepared if text is not None]
        if len(texts) == len(prepared) > 1:
            # Nothing to quote: the csv module would write exactly these lines, with its work per field.
            # (It quotes a lone empty field, hence two columns at least.)
            self._stream.write("\r\n".join(map(",".join, zip(*texts))) + "\r\n")
        else:
            self._writer.writerows(zip(*(cells for cells, _text in prepared)))
        self.rows += count

    def _prepared(
        self, header: list[str], columns: Sequence[Sequence[object]]
    ) -> list[tuple[Sequence[object], Sequence[str] | None]] | None:
        """Each column's cells (see _column_cells); None when the batch goes to `write` row by row."""
        if not header or self._header not in (None, header):  # write() decides (reorders, or refuses)
            return None
        cells = [_column_cells(column) for column in columns]
        ready = [column for column in cells if column is not None]
        return ready if len(ready) == len(cells) else None

    def write_all(self, rows: Iterable[Mapping[str, object]]) -> int:
        for row in rows:
            self.write(row)
        return self.rows

    def finish(self) -> int:
        """Write the header even when no row came (`empty_columns`); returns the row count."""
        if not self._started:
            if self._header is None:
                self._header = self._empty_columns
            self._start()
        return self.rows


def read_cells(text: str) -> Iterator[list[str]]:
    """Parse CSV text back into lists of cells (tests, previews)."""
    return csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
