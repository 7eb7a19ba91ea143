"""The column-batch fast path of big exports gives exactly what the row-by-row path gives.

Covers recentstream (bulk timestamp formatting, RecentActivityStream), the CSV
writer's write_columns and stream_rows' batch branch (bytes and progress calls).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_analytics.data.source.recent_stream import RECENT_COLUMNS, RecentActivityStream, int_column, iso_column
from tui_analytics.data.timestamps import iso
from tui_analytics.export import ExportOptions
from tui_analytics.export.csvfmt import CsvStreamWriter
from tui_analytics.export.stream import PROGRESS_EVERY_ROWS, stream_rows


def slow_iso(value):
    # What the repository did before: SQLAlchemy's SQLite DateTime parse, then isoformat with UTC.
    return iso(datetime.fromisoformat(value) if isinstance(value, str) else value)


moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))


@given(st.lists(moments, max_size=40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_stored_text_formats_like_parsing_it(values, zero_micro):
    if zero_micro:
        values = [v.replace(microsecond=0) for v in values]
    # how SQLAlchemy (and the demo loader) store datetimes on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'
    stored = [v.isoformat(sep=" ", timespec="microseconds") for v in values]
    assert iso_column(stored) == [slow_iso(s) for s in stored]


@pytest.mark.parametrize(
    "values",
    [
        ["2026-01-15 12:00:00.000000", "2026-01-15 11:59:59.250000"],
        ["2026-01-15T12:00:00", "2026-01-15 12:00:00"],  # other shapes SQLite may hold
        ["2026-01-15 12:00:00.123", "2026-01-15 12:00:00.000000"],
        ["2026-01-15 12:00:00+02:00"],  # an offset is kept, as before
        [datetime(2026, 1, 15, 12, 0), datetime(2026, 1, 15, 12, 0, 0, 5)],  # driver datetimes
        [datetime(2026, 1, 15, 12, 0, tzinfo=timezone(timedelta(hours=-3)))],
        [datetime(2026, 1, 15, 12, 0), "2026-01-15 12:00:00.000000"],
        [],
    ],
)
def test_every_shape_formats_like_parsing_it(values):
    assert list(iso_column(values)) == [slow_iso(v) for v in values]


@pytest.mark.parametrize("bad", ["2026-01-15 12:00:00.00000x", "2026-13-15 12:00:00.000000x", "not a time"])
def test_unreadable_text_fails_as_before(bad):
    with pytest.raises(ValueError):
        iso_column(["2026-01-15 12:00:00.000000", bad])


def test_int_column():
    ids = (1, 2, 3)
    assert int_column(ids) is ids
    assert int_column([Decimal(4), "5", 6]) == [4, 5, 6]


def test_stream_batches_and_dicts_agree(repository):
    expected = repository.recent_activity(700)
    assert list(repository.iter_recent_activity(700, batch_size=64)) == expected
    stream = repository.iter_recent_activity(700, batch_size=64)
    assert isinstance(stream, RecentActivityStream) and stream.columns == RECENT_COLUMNS
    rows = [dict(zip(RECENT_COLUMNS, values)) for columns in stream.column_batches() for values in zip(*columns)]
    assert rows == expected
    assert all(type(r["userId"]) is int and r["timestamp"].endswith("+00:00") for r in rows)


def test_stream_close_before_reading(repository):
    stream = repository.iter_recent_activity(10)
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)


flat_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["=1+1", "-5", "-2+3", "+7", "@x", "\tx", "\rx", 'a,"b"\r\nc', "x\n=y", ""])
)


def by_rows(names, batches, columns=None):
    out = io.StringIO(newline="")
    writer = CsvStreamWriter(out, columns)
    for batch in batches:
        for values in zip(*batch):
            writer.write(dict(zip(names, values)))
    writer.finish()
    return out.getvalue(), writer.rows


def by_columns(names, batches, columns=None):
    out = io.StringIO(newline="")
    writer = CsvStreamWriter(out, columns)
    for batch in batches:
        writer.write_columns(names, batch)
    writer.finish()
    return out.getvalue(), writer.rows


@st.composite
def column_batches(draw):
    width = draw(st.integers(1, 4))
    kinds = [draw(st.sampled_from(["int", "text", "any"])) for _ in range(width)]
    strategy = {"int": st.integers(), "text": st.text(max_size=10) | st.sampled_from(["=a", "@b", "-c", "ok"]), "any": flat_values}
    batches = []
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(0, 6))
        batches.append([draw(st.lists(strategy[k], min_size=length, max_size=length)) for k in kinds])
    return [f"c{n}" for n in range(width)], batches


@given(column_batches())
@settings(max_examples=300, deadline=None)
def test_write_columns_matches_write(case):
    names, batches = case
    assert by_columns(names, batches) == by_rows(names, batches)


def test_write_columns_falls_back_when_it_must():
    names = ["a", "b"]
    nested = [[[1, 2], [{"x": 1}, {"x": 2}]]]  # a nested value flattens into b.x
    assert by_columns(names, nested) == by_rows(names, nested)
    other_order = [[["1"], ["2"]]]
    assert by_columns(["b", "a"], other_order, columns=["a", "b"]) == by_rows(["b", "a"], other_order, columns=["a", "b"])
    assert by_columns([], [[]]) == by_rows([], [[]])


def test_stream_rows_batch_path_equals_row_path(repository):
    options = ExportOptions(format="csv")
    when = datetime(2026, 1, 15, tzinfo=timezone.utc)
    outputs = []

    def recorder(calls: list[int]) -> Callable[[int, int], None]:  # on_progress: (rows, bytes) written so far
        return lambda rows, _bytes: calls.append(rows)

    for batched in (True, False):
        stream = repository.iter_recent_activity(PROGRESS_EVERY_ROWS + 5077, batch_size=300)
        rows = stream if batched else (row for row in stream)  # a plain generator takes the row path
        calls: list[int] = []
        sink = io.BytesIO()
        result = stream_rows(rows, sink, options, generated_at=when, on_progress=recorder(calls))
        outputs.append((sink.getvalue(), result[:2], calls))
    assert outputs[0] == outputs[1]
    assert outputs[0][2] == [PROGRESS_EVERY_ROWS, PROGRESS_EVERY_ROWS + 5077]


@pytest.mark.parametrize(
    "batch",
    [
        [["a", "b"], [1, 2]],  # plain: joined directly
        [["a,b", "c"], [1, 2]],
        [['say "hi"', "x"], [1, 2]],
        [["line\nbreak", "x"], [1, 2]],
        [["carriage\rreturn", "x"], [1, 2]],
        [["nul\x00", "x"], [1, 2]],
        [["", ""], ["", ""]],  # empty fields, two columns
        [[" lead", "trail "], ["\u2028", "é"]],
        [[10**30, -1], [0, 7]],
        [["=cmd", "ok"], ["-5", "@x"]],
    ],
)
def test_plain_and_quoted_columns_match_the_csv_module(batch):
    names = ["a", "b"]
    assert by_columns(names, [batch]) == by_rows(names, [batch])


def test_a_lone_empty_field_is_quoted_as_the_csv_module_does():
    assert by_columns(["a"], [[["", "x"]]]) == by_rows(["a"], [[["", "x"]]])


def test_row_dicts_use_the_column_names():
    from tui_analytics.data.source.recent_stream import RecentColumns, column_dicts

    columns = RecentColumns(["t"], [1], ["u"], ["view"], [2], ["i"])
    assert list(column_dicts(columns)) == [dict(zip(RECENT_COLUMNS, ["t", 1, "u", "view", 2, "i"]))]
    assert list(list(column_dicts(columns))[0]) == list(RECENT_COLUMNS)  # key order too
