"""How one source column stores its timestamps, and reading its values back as UTC.

Four forms (`StoredTime.form`):

- `native`: DATETIME / TIMESTAMP WITHOUT TIME ZONE, naive values in `zone`
  (MySQL/MariaDB TIMESTAMP too: the session reads them in UTC, see db.py);
- `aware`: PostgreSQL `timestamptz`, instants;
- `text`: ISO 8601 text (SQLite's usual form): separator `sep` (' ' or 'T',
  None when both occur), with or without a fraction, and a `suffix` that is
  '' (naive, in `zone`), one fixed offset ('Z', '+01:00'), or None (offsets differ);
- `epoch`: seconds since 1970-01-01 UTC, `numeric` 'int', 'real' or 'decimal'.

`timesql.py` turns a form into SQL (range bounds in the stored form, local-day
buckets); this module knows the forms and converts fetched values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# An ISO 8601 date-time as applications write it as text.
TEXT_SHAPE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?P<sep>[ T])(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?"
    r"(?P<suffix>Z|[+-]\d{2}:?\d{2})?"
)


def suffix_zone(suffix: str) -> tzinfo:
    """The fixed zone of an offset suffix: 'Z' and '+00:00' are UTC, '+05:30' is UTC+5:30."""
    if suffix in ("Z", ""):
        return UTC
    sign = -1 if suffix[0] == "-" else 1
    digits = suffix[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return UTC if not offset else timezone(sign * offset)


@dataclass(frozen=True)
class StoredTime:
    """How a time column stores its values; `decided` says how that was found, in words."""

    form: str
    zone: tzinfo = UTC
    sep: str | None = " "
    suffix: str | None = ""
    numeric: str = "int"
    decided: str = ""

    @property
    def naive(self) -> bool:
        """Values carry no zone of their own: they are read in `zone`."""
        return self.form == "native" or (self.form == "text" and self.suffix is not None)

    @property
    def value_zone(self) -> tzinfo:
        """The zone the stored values are written in (UTC for instants and epoch seconds)."""
        if self.form == "text" and self.suffix:
            return suffix_zone(self.suffix)
        return self.zone if self.naive else UTC

    def describe(self) -> str:
        """`text 'YYYY-MM-DD HH:MM:SS[.f]' in UTC`, `epoch seconds (integer)`, ..."""
        if self.form == "epoch":
            return f"epoch seconds ({ {'int': 'integer', 'real': 'real', 'decimal': 'decimal'}[self.numeric] })"
        if self.form == "aware":
            return "timestamp with time zone"
        zone = getattr(self.zone, "key", None) or str(self.zone)
        if self.form == "native":
            return f"date-time without zone, read in {zone}"
        sep = {" ": " ", "T": "T", None: " or T"}[self.sep]
        if self.suffix is None:
            tail, where = "±HH:MM", "offsets differ"
        elif self.suffix:
            tail, where = self.suffix, f"offset {self.suffix}"
        else:
            tail, where = "", f"read in {zone}"
        return f"text 'YYYY-MM-DD{sep}HH:MM:SS[.f]{tail}', {where}"

    # -- reading values ---------------------------------------------------------------

    def to_utc(self, value: object) -> datetime | None:
        """A fetched value as an aware UTC datetime (None stays None)."""
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.zone if self.form != "epoch" else UTC)
            return value.astimezone(UTC)
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            if isinstance(value, Decimal):
                whole = int(value)
                return EPOCH + timedelta(seconds=whole, microseconds=round((value - whole) * 1_000_000))
            if isinstance(value, int):
                return EPOCH + timedelta(seconds=value)
            return EPOCH + timedelta(microseconds=round(value * 1_000_000))
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():  # epoch seconds stored as text
                return EPOCH + timedelta(seconds=int(text))
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time.min, tzinfo=self.zone).astimezone(UTC)
        raise ValueError(f"cannot read {value!r} as a time")

    def iso(self, value: object) -> str | None:
        moment = self.to_utc(value)
        return None if moment is None else moment.isoformat()

    def iso_column(self, values: Sequence[object]) -> Sequence[str | None]:
        """Fetched values as ISO 8601 UTC strings (`+00:00`), a whole batch at once."""
        from tui_analytics.data.source.recent_stream import iso_column

        if self.form == "text" and self.sep == " " and self.suffix == "" and self.zone is UTC:
            return iso_column(values)  # SQLAlchemy's own form: the fast path, checked per batch there
        if self.form == "native" and self.zone is UTC:
            return iso_column(values)
        return [self.iso(v) for v in values]


def text_bound(moment: datetime, sep: str = " ") -> str:
    """A naive moment as the shortest exact ISO text: no fraction when it is whole, no trailing zeros.

    Compared as text against stored values of the same separator, without a suffix,
    `value >= bound` and `value < bound` are exact whatever fraction the values carry
    (`'12:00:02' >= '12:00:02'`, `'12:00:02.5' >= '12:00:02'`, `'12:00:02.10' >= '12:00:02.1'`).
    """
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{sep}{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


def local_naive(moment: datetime, zone: tzinfo) -> datetime:
    """An aware instant as the naive wall time of `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def epoch_seconds(moment: datetime, numeric: str) -> int | float | Decimal:
    """An instant in epoch seconds: for integer columns rounded up, which keeps `>=` and `<` exact."""
    delta = moment - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if numeric == "int":
        return -((-micros) // 1_000_000)
    if numeric == "decimal":
        return Decimal(micros) / Decimal(1_000_000)
    return micros / 1_000_000
