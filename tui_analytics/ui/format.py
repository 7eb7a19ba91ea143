"""Plain-text formatting for the dashboard: times, countdowns, sizes, sparklines.

Pure functions (no Textual), so they are tested directly and shared by every pane.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone, tzinfo

from tui_analytics.runtime.printable import printable
from tui_analytics.runtime.redact import mask_destination

DASH = "—"

# Status -> (symbol, word). The symbol carries the meaning without colour (NO_COLOR).
STATUS_SYMBOLS: dict[str, str] = {
    "running": "●",
    "completed": "✓",
    "failed": "✗",
    "scheduled": "◷",
    "skipped": "↷",
    "paused": "⏸",
    "interrupted": "!",
    "disabled": "○",
}

_SPARK = "▁▂▃▄▅▆▇█"


def status_label(status: str) -> str:
    """`✓ completed`, `✗ failed`, ... (unknown statuses keep their word)."""
    return f"{STATUS_SYMBOLS.get(status, '?')} {status}"


def as_utc(moment: datetime) -> datetime:
    """Aware UTC (naive datetimes from the state database are UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def clock_time(moment: datetime | None, tz: tzinfo, *, seconds: bool = True) -> str:
    """`HH:MM:SS` in the given zone, or a dash."""
    if moment is None:
        return DASH
    return as_utc(moment).astimezone(tz).strftime("%H:%M:%S" if seconds else "%H:%M")


def short_datetime(moment: datetime | None, tz: tzinfo, now: datetime | None = None) -> str:
    """`HH:MM` today, `Mon DD HH:MM` within a year, `YYYY-MM-DD HH:MM` otherwise."""
    if moment is None:
        return DASH
    local = as_utc(moment).astimezone(tz)
    if now is not None:
        here = as_utc(now).astimezone(tz)
        if local.date() == here.date():
            return local.strftime("%H:%M")
        if abs((local - here).days) < 330:
            return local.strftime("%b %d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def zoned_datetime(moment: datetime | None, tz: tzinfo, now: datetime | None = None) -> str:
    """`short_datetime` with the zone's abbreviation at that moment: `Dec 02 06:30 CET`."""
    if moment is None:
        return DASH
    return f"{short_datetime(moment, tz, now)} {as_utc(moment).astimezone(tz).strftime('%Z')}"


def with_local(moment: datetime | None, tz: tzinfo, here: tzinfo, now: datetime | None = None) -> str:
    """A time in `tz`, labelled, and in `here` beside it when that reads differently:
    `Dec 02 06:30 CET (05:30 UTC)`."""
    if moment is None:
        return DASH
    shown = zoned_datetime(moment, tz, now)
    there, local = as_utc(moment).astimezone(tz), as_utc(moment).astimezone(here)
    if (there.utcoffset(), there.tzname()) == (local.utcoffset(), local.tzname()):
        return shown
    local_text = local.strftime("%H:%M %Z") if local.date() == there.date() else zoned_datetime(moment, here, now)
    return f"{shown} ({local_text})"


def recent_time(moment: datetime | None, tz: tzinfo, now: datetime) -> str:
    """`HH:MM:SS` for today, else like `short_datetime`."""
    if moment is None:
        return DASH
    local, here = as_utc(moment).astimezone(tz), as_utc(now).astimezone(tz)
    if local.date() == here.date():
        return local.strftime("%H:%M:%S")
    return short_datetime(moment, tz, now)


def span(seconds: float) -> str:
    """A compact length of time: `42s`, `4m 05s`, `2h 10m`, `3d 4h`."""
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def short_span(seconds: float) -> str:
    """One unit, for tight columns: `42s`, `12m`, `5h`, `3d`."""
    seconds = int(max(0, seconds))
    for size, unit in ((86400 * 2, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // (86400 if unit == 'd' else size)}{unit}"
    return f"{seconds}s"


def plural(count: int, noun: str) -> str:
    """'1 run', '2 runs', '1,200 runs' (nouns that take an s)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def countdown(target: datetime | None, now: datetime) -> str:
    """`in 4m 05s`, `due` when the time has come, or a dash."""
    if target is None:
        return DASH
    remaining = (as_utc(target) - as_utc(now)).total_seconds()
    if remaining <= 0.5:
        return "due"
    return f"in {span(remaining)}"


def age(moment: datetime | None, now: datetime) -> str:
    """`12s ago`, `5m 00s ago`, or `never`."""
    if moment is None:
        return "never"
    return f"{span((as_utc(now) - as_utc(moment)).total_seconds())} ago"


def duration_ms(value: float | None) -> str:
    """`850 ms`, `1.25 s`, `2m 05s`, or a dash."""
    if value is None:
        return DASH
    if value < 1000:
        return f"{value:.0f} ms"
    if value < 60_000:
        return f"{value / 1000:.2f} s"
    return span(value / 1000)


def size_bytes(value: int | None) -> str:
    """`512 B`, `1.5 KiB`, `3.2 MiB`, or a dash."""
    if value is None:
        return DASH
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"  # pragma: no cover


def percent(ratio: float | None) -> str:
    """`87.5%` from a 0..1 ratio, or a dash."""
    return DASH if ratio is None else f"{ratio * 100:.1f}%"


def number(value: float | int | None) -> str:
    """Thousands separators, or a dash."""
    if value is None:
        return DASH
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def sparkline(values: Sequence[float], width: int = 8) -> str:
    """The last `width` values as block characters, scaled min..max (flat data sits low)."""
    points = [float(v) for v in values if v is not None][-width:]
    if not points:
        return ""
    low, high = min(points), max(points)
    if high - low < 1e-9:
        return _SPARK[0] * len(points)
    scale = (len(_SPARK) - 1) / (high - low)
    return "".join(_SPARK[round((v - low) * scale)] for v in points)


def truncate(text: str, width: int) -> str:
    """One line, at most `width` characters, with an ellipsis when cut; control characters are
    escaped first (see runtime/printable.py), so the cut counts what is shown."""
    line = printable(" ".join(str(text).split()))
    if len(line) <= width:
        return line
    return line[: max(0, width - 1)] + "…"


def truncate_path(path: str, width: int) -> str:
    """A path in at most `width` characters, cut in its folders (`~/.local/…/reports/x.csv`) so the
    file's name stays whole; only a name longer than `width` loses its beginning."""
    line = printable(str(path))
    if len(line) <= width:
        return line
    head, sep, name = line.rpartition("/")
    if len(name) + 2 > width or not sep:
        return "…" + line[len(line) - width + 1 :]
    room = width - len(name) - 2  # "…" and the "/" before the name
    keep_start = room // 2
    return head[:keep_start] + "…" + head[len(head) - (room - keep_start) :] + "/" + name


def path_lines(path: str, width: int) -> list[str]:
    """A path on one line when it fits in `width`, else its folder (with the `/`) and its file name
    on two, each cut (see truncate_path) only when it alone is too long."""
    line = printable(str(path))
    head, sep, name = line.rpartition("/")
    if len(line) <= width or not sep:
        return [truncate_path(line, width)]
    return [truncate_path(head + sep, width), truncate_path(name, width)]


def join_recipients(recipients: Iterable[str], width: int = 40) -> str:
    """`a@x, b@y (+3)` within about `width` characters, or a dash; notification URLs masked."""
    people = [mask_destination(r) for r in recipients]
    if not people:
        return DASH
    shown: list[str] = []
    for index, person in enumerate(people):
        candidate = ", ".join([*shown, person])
        rest = len(people) - index - 1
        suffix = f" (+{rest})" if rest else ""
        if shown and len(candidate + suffix) > width:
            return ", ".join(shown) + f" (+{len(people) - len(shown)})"
        shown.append(person)
    return ", ".join(shown)
