"""An XLSX export read back with openpyxl, cell by cell against the CSV export of the same rows.

Used by the XLSX benchmark (1M rows) and by tests/export/test_export_xlsx.py (10k rows). A cell
agrees when it is the CSV cell's value typed: numbers and booleans as the CSV writes them, a
date-time the CSV's instant in the reporting zone (to the millisecond, Excel's precision), a
date the CSV's day, text the CSV's text (which has a leading `'` where the CSV neutralised it).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from tui_analytics.export.csvfmt import neutralise

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how XLSX holds control characters; openpyxl leaves them so


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def agrees(csv_cell: str, value: object, zone: tzinfo) -> bool:
    if value is None:
        return csv_cell == ""
    if isinstance(value, bool):
        return csv_cell == ("true" if value else "false")
    if isinstance(value, int):
        return csv_cell == str(value)
    if isinstance(value, float):
        return csv_cell == repr(value) or float(csv_cell) == value
    if isinstance(value, datetime):
        if len(csv_cell) == 10:  # a day
            return value == datetime.fromisoformat(csv_cell)
        local = datetime.fromisoformat(csv_cell).astimezone(zone).replace(tzinfo=None)
        return abs(local - value) <= timedelta(milliseconds=1)
    if isinstance(value, date):
        return csv_cell == value.isoformat()
    return csv_cell == neutralise(unescape(str(value)))


def xlsx_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[object, ...]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        yield from book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
    finally:
        book.close()


def compare(csv_path: Path, xlsx_path: Path, zone: tzinfo, sheet: str | None = None) -> tuple[int, list[str]]:
    """(rows compared, the first few disagreements) over the header and every row."""
    problems: list[str] = []
    rows = 0
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:
        expected = csv.reader(fh)
        got = xlsx_rows(xlsx_path, sheet)
        for number, (want, have) in enumerate(zip(expected, got, strict=True)):
            rows = number
            if len(have) != len(want) or not all(agrees(w, h, zone) for w, h in zip(want, have)):
                problems.append(f"row {number}: csv {want!r} xlsx {have!r}")
                if len(problems) >= 5:
                    break
    return rows, problems
