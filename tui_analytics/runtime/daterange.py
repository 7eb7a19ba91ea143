"""DateRange: the period an export, report or dataset is limited to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from tui_analytics.runtime.errors import ExportOptionsError


def _as_utc(value: date | datetime, *, end: bool, zone: tzinfo = timezone.utc) -> datetime:
    # A bare date means the whole day in `zone`: as a start, its midnight; as an end, the
    # next midnight, so `DateRange(date(2025,1,1), date(2025,1,31))` covers January.
    try:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=timezone.utc)
            return value.astimezone(timezone.utc)
        if isinstance(value, date):
            day = value + timedelta(days=1) if end else value
            return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31 as an end (the next midnight), or a UTC reading past year 9999
        raise ExportOptionsError(
            f"date {value.isoformat()} is out of range: the period must lie between the years 1 and 9999 (UTC)"
        ) from None
    raise ExportOptionsError(f"date range bounds must be dates or datetimes, got {type(value).__name__}")


@dataclass(frozen=True)
class DateRange:
    """A period from `start` (inclusive) to `end` (exclusive for datetimes; a date end includes that day).

    Naive datetimes are read as UTC.
    """

    start: date | datetime
    end: date | datetime

    @property
    def start_utc(self) -> datetime:
        """Inclusive lower bound, aware UTC."""
        return _as_utc(self.start, end=False)

    @property
    def end_utc(self) -> datetime:
        """Exclusive upper bound, aware UTC."""
        return _as_utc(self.end, end=True)

    def bounds(self, zone: tzinfo = timezone.utc) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC, a bare date taken as that day in `zone` (the reporting zone).

        ExportOptionsError unless start comes before end there.
        """
        start, end = _as_utc(self.start, end=False, zone=zone), _as_utc(self.end, end=True, zone=zone)
        if start >= end:
            raise ExportOptionsError(f"date range start {self.start.isoformat()} must be before end {self.end.isoformat()}")
        return start, end

    def is_valid(self) -> bool:
        """True when start comes before end."""
        try:
            return self.start_utc < self.end_utc
        except ExportOptionsError:
            return False

    def validate(self) -> None:
        """Raise ExportOptionsError unless start comes before end."""
        if self.start_utc >= self.end_utc:
            raise ExportOptionsError(f"date range start {self.start.isoformat()} must be before end {self.end.isoformat()}")

    def label(self) -> str:
        """`start/end` in ISO 8601, as used in export metadata."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> DateRange | None:
        """Build a range from two ISO strings (CLI and dialogs); None when both are empty."""
        if not start and not end:
            return None
        if not start or not end:
            raise ExportOptionsError("a date range needs both --from and --to")
        rng = cls(_parse_point(start, "from"), _parse_point(end, "to"))
        rng.validate()
        return rng


# Years a period, a cron time or a filter may name. Period and zone arithmetic steps a few months
# and a day either side of a date, which past year 1 or 9999 raises OverflowError.
FIRST_YEAR, LAST_YEAR = 1900, 9998


def check_year(value: date, shown: str) -> None:
    """ValueError (one line) when `value` is outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{shown} is outside the years {FIRST_YEAR}-{LAST_YEAR} this tool works with")


def _parse_point(text: str, which: str) -> date | datetime:
    text = text.strip()
    try:
        # fromisoformat also reads non-ASCII digits and long runs of fractional digits
        if not text.isascii() or len(text) > 40:
            raise ValueError(text)
        point = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        shown = repr(text) if len(text) <= 40 else repr(text[:30] + "...")
        raise ExportOptionsError(f"'{which}' date {shown} is not an ISO date (YYYY-MM-DD) or date-time") from None
    try:
        check_year(point, f"'{which}' date {text!r}")
    except ValueError as exc:
        raise ExportOptionsError(str(exc)) from None
    return point


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD (a backfill's first and last day); ValueError with one line otherwise."""
    raw = text.strip()
    try:
        # fromisoformat also reads 20260115, 2026-W03 and non-ASCII digits: only the one spelling
        if not raw.isascii() or len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        shown = repr(raw) if len(raw) <= 40 else repr(raw[:30] + "...")
        raise ValueError(f"{shown} is not a date (YYYY-MM-DD)") from None
    check_year(day, repr(raw))
    return day
