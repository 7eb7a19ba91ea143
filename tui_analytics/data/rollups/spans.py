"""A span of days as `cache rebuild` gives it, 'FROM/TO' (dates, TO included; either may be empty)."""

from __future__ import annotations

from datetime import date, timedelta


def check_span(span: str) -> str:
    """'FROM/TO' checked (ValueError of one line), as given."""
    parse_span(span)
    return span


def parse_span(span: str) -> tuple[date | None, date | None]:
    first, _, last = span.partition("/")
    try:
        lo = date.fromisoformat(first) if first else None
        hi = date.fromisoformat(last) + timedelta(days=1) if last else None
    except ValueError:
        raise ValueError(f"not a span of dates (YYYY-MM-DD/YYYY-MM-DD): {span[:40]!r}") from None
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"the rebuild's start {lo} is after its end {last}")
    return lo, hi
