"""JSON writer: strict output, ISO 8601 datetimes, metadata block, streamed arrays."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tui_analytics.export.jsonfmt import EXPORT_VERSION, JsonStreamWriter, build_metadata, document, dumps
from tui_analytics.runtime.daterange import DateRange


def strict_loads(text: str):
    def reject(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def test_non_finite_numbers_become_null():
    text = dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "c": Decimal("NaN")})
    assert strict_loads(text) == {"a": None, "b": [None, None, 1.5], "c": None}


def test_datetimes_carry_an_offset():
    berlin = timezone(timedelta(hours=1))
    value = {
        "naive": datetime(2026, 1, 15, 12, 0),
        "aware": datetime(2026, 1, 15, 13, 0, tzinfo=berlin),
        "day": date(2026, 1, 15),
        "money": Decimal("12.50"),
        "count": Decimal("3"),
    }
    assert strict_loads(dumps(value)) == {
        "naive": "2026-01-15T12:00:00+00:00",
        "aware": "2026-01-15T13:00:00+01:00",
        "day": "2026-01-15",
        "money": 12.5,
        "count": 3,
    }


def test_unknown_types_are_an_error_not_a_repr():
    with pytest.raises(TypeError, match="object"):
        dumps({"x": object()})


def test_metadata_block_fields():
    meta = build_metadata(
        generated_at=datetime(2026, 1, 15, 13, 0, tzinfo=timezone(timedelta(hours=1))),
        date_range=DateRange(date(2026, 1, 1), date(2026, 1, 31)),
        total_records=4,
        export_format="json",
    )
    assert meta == {
        "generatedAt": "2026-01-15T12:00:00+00:00",
        "dateRange": "2026-01-01/2026-01-31",
        "totalRecords": 4,
        "exportFormat": "json",
        "version": EXPORT_VERSION,
    }
    assert document([1], meta) == {"metadata": meta, "data": [1]}
    assert document([1], None) == [1]


@pytest.mark.parametrize("with_metadata", [False, True])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_stream_writer_produces_valid_json(with_metadata, count):
    buffer = io.StringIO()
    writer = JsonStreamWriter(buffer, with_metadata=with_metadata)
    rows = [{"i": i, "at": datetime(2026, 1, 1, i), "bad": float("nan")} for i in range(count)]
    writer.write_all(rows)
    meta = (
        build_metadata(
            generated_at=datetime(2026, 1, 15, 12, tzinfo=timezone.utc), date_range=None, total_records=count, export_format="json"
        )
        if with_metadata
        else None
    )
    writer.finish(meta)
    parsed = strict_loads(buffer.getvalue())
    expected = [{"i": i, "at": f"2026-01-01T{i:02d}:00:00+00:00", "bad": None} for i in range(count)]
    if with_metadata:
        assert parsed == {"data": expected, "metadata": meta}
    else:
        assert parsed == expected
