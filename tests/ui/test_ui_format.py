"""The dashboard's pure helpers: formatting, the bar chart's rows, the export form's checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tui_analytics.runtime.errors import ExportOptionsError
from tui_analytics.ui import format as fmt
from tui_analytics.ui.screens.export import build_request, check_date
from tui_analytics.ui.widgets.chart import bar_rows

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (59, "59s"), (60, "1m 00s"), (245, "4m 05s"), (3600, "1h 00m"), (47 * 3600, "47h 00m"), (49 * 3600, "2d 1h")],
)
def test_span(seconds: float, expected: str) -> None:
    assert fmt.span(seconds) == expected


def test_countdown_counts_down_then_says_due() -> None:
    target = NOW + timedelta(minutes=4, seconds=5)
    assert fmt.countdown(target, NOW) == "in 4m 05s"
    assert fmt.countdown(target, NOW + timedelta(minutes=4)) == "in 5s"
    assert fmt.countdown(target, target) == "due"
    assert fmt.countdown(None, NOW) == fmt.DASH


def test_times_are_shown_in_the_configured_zone() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    assert fmt.clock_time(NOW, berlin) == "13:00:00"
    assert fmt.recent_time(NOW - timedelta(minutes=5), berlin, NOW) == "12:55:00"
    assert fmt.recent_time(NOW - timedelta(days=3), berlin, NOW) == "Jan 12 13:00"
    naive = datetime(2026, 1, 15, 11, 0)  # the state database stores naive UTC
    assert fmt.clock_time(naive, berlin) == "12:00:00"


def test_a_schedule_time_carries_its_zone_and_the_local_time_when_it_differs() -> None:
    from zoneinfo import ZoneInfo

    berlin, utc = ZoneInfo("Europe/Berlin"), timezone.utc
    now = datetime(2026, 12, 1, 12, tzinfo=utc)
    moment = datetime(2026, 12, 2, 5, 30, tzinfo=utc)  # 06:30 in Berlin
    assert fmt.zoned_datetime(moment, berlin, now) == "Dec 02 06:30 CET"
    assert fmt.with_local(moment, berlin, utc, now) == "Dec 02 06:30 CET (05:30 UTC)"
    assert fmt.with_local(moment, berlin, berlin, now) == "Dec 02 06:30 CET"
    late = datetime(2026, 12, 2, 23, 30, tzinfo=utc)  # already Thursday in Berlin
    assert fmt.with_local(late, berlin, utc, now) == "Dec 03 00:30 CET (Dec 02 23:30 UTC)"
    # The two 02:00s of the fall-back night read differently.
    first, second = datetime(2026, 10, 25, 0, tzinfo=utc), datetime(2026, 10, 25, 1, tzinfo=utc)
    assert fmt.zoned_datetime(first, berlin) != fmt.zoned_datetime(second, berlin)
    assert fmt.zoned_datetime(None, berlin) == fmt.DASH


def test_sparkline_scales_between_min_and_max() -> None:
    assert fmt.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert fmt.sparkline([5, 5, 5]) == "▁▁▁"
    assert fmt.sparkline(list(range(20)), width=4) == "▁▃▆█"  # the newest four
    assert fmt.sparkline([]) == ""


def test_sizes_durations_and_numbers() -> None:
    assert fmt.size_bytes(512) == "512 B"
    assert fmt.size_bytes(9216) == "9.0 KiB"
    assert fmt.size_bytes(3 * 2**20) == "3.0 MiB"
    assert fmt.duration_ms(850) == "850 ms"
    assert fmt.duration_ms(1250) == "1.25 s"
    assert fmt.duration_ms(None) == fmt.DASH
    assert fmt.number(1234567) == "1,234,567"
    assert fmt.percent(0.875) == "87.5%"
    assert fmt.short_span(42) == "42s" and fmt.short_span(3 * 3600) == "3h" and fmt.short_span(5 * 86400) == "5d"


def test_truncate_and_recipients() -> None:
    assert fmt.truncate("a  very\nlong line", 8) == "a very …"
    assert fmt.truncate("short", 8) == "short"
    people = ["ana@example.com", "bo@example.com", "cy@example.com"]
    assert fmt.join_recipients(people, 50) == "ana@example.com, bo@example.com, cy@example.com"
    assert fmt.join_recipients(people, 40) == "ana@example.com, bo@example.com (+1)"
    assert fmt.join_recipients(people, 20) == "ana@example.com (+2)"
    assert fmt.join_recipients([], 20) == fmt.DASH


def test_status_labels_carry_a_symbol_without_colour() -> None:
    assert fmt.status_label("failed") == "✗ failed"
    assert fmt.status_label("completed") == "✓ completed"
    assert fmt.status_label("running") == "● running"


def test_bar_rows_scale_to_the_largest_value() -> None:
    # 8 fills both rows, 4 the bottom one, 0 nothing; 2 is a quarter: two eighths of the bottom row
    assert bar_rows([0, 4, 8, 2], rows=2) == ["  █ ", " ██▄"]
    assert bar_rows([3, 6], rows=1, bar_width=2, gap=1) == ["▄▄ ██"]
    assert bar_rows([1, 1000], rows=3)[-1][0] == "▁"  # a small positive value stays visible


def test_export_form_accepts_a_valid_range_and_rejects_a_reversed_one() -> None:
    request = build_request("top-items", "json", "2026-01-01", "2026-01-14", "5", "", True, True)
    assert request.dataset == "top-items" and request.size == 5
    assert request.options.date_range is not None
    assert request.options.date_range.start == date(2026, 1, 1)
    assert request.options.compression and request.options.include_metadata
    with pytest.raises(ExportOptionsError, match="must be before"):
        build_request("top-items", "csv", "2026-01-14", "2026-01-01", "", "", False, False)
    with pytest.raises(ExportOptionsError, match="both From and To"):
        build_request("top-items", "csv", "2026-01-14", "", "", "", False, False)
    with pytest.raises(ExportOptionsError, match="not an ISO date"):
        check_date("14/01/2026")
    with pytest.raises(ExportOptionsError, match="whole number"):
        build_request("top-items", "csv", "", "", "ten", "", False, False)
    with pytest.raises(ExportOptionsError, match="path"):
        build_request("top-items", "csv", "", "", "", "../escape.csv", False, False)
