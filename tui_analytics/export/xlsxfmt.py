"""XLSX output: a workbook written row by row (XlsxWriter's constant_memory mode).

The rules (also in docs/data.md):
- The cells are the CSV export's, flattened the same way, typed: numbers as numbers,
  booleans as booleans, empty for None, timestamps (the `timestamp` column and the
  summary's period and activity times) as date-times in the reporting zone, to the
  millisecond (Excel's precision), `date` and `week` as dates; the rest as text.
- Text is always a text cell (never a formula, a number or a link); a cell that the CSV
  export would neutralise (it starts with `=`, `+`, `-`, `@`, tab or CR, also behind
  control characters) is also marked as text with Excel's quote prefix, so editing it in a
  spreadsheet keeps it text. Its value is the source text as it is (CSV adds a `'`).
- Whole numbers beyond 15 digits (Excel's precision) are written as text, so none changes.
- The header row is bold and frozen; each column is as wide as its longest cell (up to 60).
- One sheet per dataset; a comprehensive export or a report of several datasets has one
  sheet per section. Past Excel's 1,048,576 rows the rows continue on a sheet named
  `<name> (2)`, with the header again. With metadata, a last sheet `metadata` holds it.

Memory: XlsxWriter keeps one row in memory and each sheet's rows in a temporary file, then
zips the files into the sink when the workbook closes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from typing import IO, Any

from tui_analytics.export.csvfmt import _json_default, flatten, neutralise, union_columns

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576  # rows per sheet in Excel, the header included
MAX_WIDTH = 60
MIN_WIDTH = 6
EXACT_INTEGER = 10**15  # larger whole numbers lose digits as Excel numbers
# Columns (the last part of a flattened name) whose ISO texts are instants, and those that are days.
TIME_COLUMNS = frozenset({"timestamp", "periodStart", "periodEnd", "firstActivity", "lastActivity", "generatedAt"})
DATE_COLUMNS = frozenset({"date", "week"})
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"


def _kind(column: str) -> str:
    last = column.rsplit(".", 1)[-1]
    return "time" if last in TIME_COLUMNS else "date" if last in DATE_COLUMNS else ""


class XlsxBook:
    """A workbook streamed into `sink` (closed by `close`, the sink left open); sheets one after another."""

    def __init__(self, sink: IO[bytes], zone: tzinfo = timezone.utc) -> None:
        import xlsxwriter

        self._zone = zone
        self._book = xlsxwriter.Workbook(
            sink,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": False,
            },
        )
        self.header_format = self._book.add_format({"bold": True})
        self.text_format = self._book.add_format({"quote_prefix": True})
        self.time_format = self._book.add_format({"num_format": _DATETIME_FORMAT})
        self.date_format = self._book.add_format({"num_format": _DATE_FORMAT})
        self._names: set[str] = set()

    def sheet(self, name: str, columns: Sequence[str]) -> XlsxSheet:
        return XlsxSheet(self, name, list(columns))

    def new_worksheet(self, name: str) -> Any:
        """An XlsxWriter worksheet under a name Excel accepts (31 characters, no []:*?/\\, unique)."""
        clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "data"
        candidate, n = clean, 2
        while candidate.lower() in self._names:
            suffix = f" ({n})"
            candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
        self._names.add(candidate.lower())
        return self._book.add_worksheet(candidate)

    def local(self, moment: datetime) -> datetime:
        """An instant as the reporting zone's wall time, naive (Excel has no zones)."""
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
        return aware.astimezone(self._zone).replace(tzinfo=None)

    def close(self) -> None:
        self._book.close()


class XlsxSheet:
    """Rows of one dataset: the header first, then each row's cells in the header's order."""

    def __init__(self, book: XlsxBook, name: str, columns: list[str]) -> None:
        self._book = book
        self._name = name
        self.columns = columns
        self._kinds = [_kind(c) for c in columns]
        self._widths = [0] * len(columns)
        self._part = 1
        self.rows = 0
        self._open(name)

    def _open(self, name: str) -> None:
        self._sheet = self._book.new_worksheet(name)
        self._row = 0
        if self.columns:
            for col, title in enumerate(self.columns):
                self._sheet.write_string(0, col, title, self._book.header_format)
                self._widths[col] = max(self._widths[col], len(title))
            self._sheet.freeze_panes(1, 0)
            self._row = 1

    def write(self, values: Sequence[object]) -> None:
        """One row, its values in the order of `columns`."""
        if self._row >= MAX_ROWS:
            self._finish_part()
            self._part += 1
            self._open(f"{self._name} ({self._part})")
        for col, value in enumerate(values):
            if value is not None:
                self._cell(col, value)
        self._row += 1
        self.rows += 1

    def write_mapping(self, row: Mapping[str, object]) -> None:
        flat = flatten(row)
        self.write([flat.get(name) for name in self.columns])

    # complexity: one branch per cell type, as csvfmt.cell_text
    def _cell(self, col: int, value: Any) -> None:
        sheet, row, kind = self._sheet, self._row, type(value)
        if kind is str:
            self._text(col, value)
        elif kind is bool:
            sheet.write_boolean(row, col, value)
            self._width(col, 5)
        elif kind is int or (isinstance(value, int) and not isinstance(value, bool)):
            if abs(value) >= EXACT_INTEGER:
                self._text(col, str(int(value)))
            else:
                sheet.write_number(row, col, int(value))
                self._width(col, len(str(value)))
        elif isinstance(value, (float, Decimal)) and math.isfinite(value):
            sheet.write_number(row, col, float(value))
            self._width(col, len(repr(float(value))))
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, self._book.local(value), self._book.time_format)
            self._width(col, len(_DATETIME_FORMAT))
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), self._book.date_format)
            self._width(col, len(_DATE_FORMAT))
        elif isinstance(value, (list, tuple, Mapping)):
            self._text(col, json.dumps(value, ensure_ascii=False, default=_json_default, separators=(", ", ": ")), typed=False)
        elif isinstance(value, bytes):
            self._text(col, value.decode("utf-8", "replace"), typed=False)
        else:
            self._text(col, str(value), typed=False)

    def _text(self, col: int, text: str, typed: bool = True) -> None:
        if typed and self._kinds[col] and self._typed_text(col, text):
            return
        quoted = neutralise(text) is not text
        self._sheet.write_string(self._row, col, text, self._book.text_format if quoted else None)
        self._width(col, len(text))

    def _typed_text(self, col: int, text: str) -> bool:
        """An ISO time or day text written as a date-time or date cell; False when it is not one."""
        try:
            moment = datetime.fromisoformat(text) if self._kinds[col] == "time" else None
            day = date.fromisoformat(text) if moment is None else None
        except ValueError:
            return False
        if moment is not None:
            self._sheet.write_datetime(self._row, col, self._book.local(moment), self._book.time_format)
            self._width(col, len(_DATETIME_FORMAT))
        elif day is not None:
            self._sheet.write_datetime(self._row, col, datetime(day.year, day.month, day.day), self._book.date_format)
            self._width(col, len(_DATE_FORMAT))
        return True

    def _width(self, col: int, chars: int) -> None:
        if chars > self._widths[col]:
            self._widths[col] = chars

    def _finish_part(self) -> None:
        for col, chars in enumerate(self._widths):
            self._sheet.set_column(col, col, min(MAX_WIDTH, max(MIN_WIDTH, chars + 2)))

    def finish(self) -> int:
        self._finish_part()
        return self.rows


def write_table(book: XlsxBook, name: str, rows: Iterable[Mapping[str, object]], columns: Sequence[str] = ()) -> int:
    """A sheet of rows held in memory: the header is the union of their flattened keys (`columns` when none)."""
    flat = [flatten(row) for row in rows]
    sheet = book.sheet(name, union_columns(flat) if flat else list(columns))
    for row in flat:
        sheet.write([row.get(name) for name in sheet.columns])
    return sheet.finish()


def write_metadata(book: XlsxBook, metadata: Mapping[str, object]) -> None:
    """The export's metadata as a last sheet of key and value rows."""
    sheet = book.sheet("metadata", ["key", "value"])
    for key, value in flatten(metadata).items():
        sheet.write([key, value])
    sheet.finish()
