"""Per-job settings changed at run time: paused, and an interval other than the configured one.

They live in the state database's `job_settings` table, so they survive restarts and
reach the process that schedules, whichever process changed them (a CLI `jobs pause`,
a dashboard attached read-only, the scheduling dashboard itself). The scheduling
process reads them when it schedules and applies changes made elsewhere when the
channel tells it (`AnalyticsBackgroundProcessor.apply_job_settings`, within a second;
every performance-metrics run also calls it, in case an event was missed). A row only exists for a job that
was changed; a job resumed with its configured interval has its row removed.

The store functions are blocking SQL: call them in a thread. Parsing and bounds need
no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tui_analytics.config.settings import MAX_INTERVAL, MIN_INTERVAL
from tui_analytics.runtime.errors import ConfigError

_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
# Words that put a job back on its configured interval.
DEFAULT_WORDS = ("default", "reset", "config")


@dataclass(frozen=True)
class JobSetting:
    """One job's overrides: `interval_s` None means the configured interval."""

    paused: bool = False
    interval_s: float | None = None

    @property
    def is_default(self) -> bool:
        return not self.paused and self.interval_s is None


def parse_interval(text: str) -> float | None:
    """Seconds from `30s`, `5m`, `1h`, `1d`, `1h30m` or a bare number of seconds; None for
    `default` (back to the configured interval). ConfigError (one line) otherwise, also
    outside MIN_INTERVAL..MAX_INTERVAL (1 s to 31 days, as the configuration allows)."""
    raw = text.strip().lower()
    if raw in DEFAULT_WORDS:
        return None
    shown = repr(text if len(text) <= 30 else text[:27] + "...")
    pos, total, parts = 0, 0.0, 0
    compact = raw.replace(" ", "")
    while pos < len(compact):
        match = _PART.match(compact, pos)
        # A bare number is seconds, alone only: "1h30" could mean 1h30m or 1h and 30 s.
        if match is None or (not match.group(2) and (parts or match.end() != len(compact))):
            raise ConfigError(
                f"interval {shown} is not a length of time: use 30s, 5m, 1h, 1d or 1h30m (or 'default' for the configured interval)"
            )
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos, parts = match.end(), parts + 1
    if not parts or not raw.isascii():
        raise ConfigError(
            f"interval {shown} is not a length of time: use 30s, 5m, 1h, 1d or 1h30m (or 'default' for the configured interval)"
        )
    return check_interval(total, shown)


def check_interval(seconds: float, shown: str | None = None) -> float:
    """`seconds` if it lies within 1 s and 31 days; ConfigError naming the bounds otherwise."""
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:  # also NaN
        what = shown or f"{seconds:g} s"
        raise ConfigError(f"interval {what} is out of range: at least 1s and at most 31d (2,678,400 s)")
    return float(seconds)


def describe_interval(seconds: float) -> str:
    """`30s`, `5m`, `1h30m`, `2d`: the shortest way to write it back in the form parse_interval reads."""
    seconds = float(seconds)
    if not seconds.is_integer():
        return f"{seconds:g}s"
    left, out = int(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


# -- the store (blocking SQL) ---------------------------------------------------------


def load(engine: object) -> dict[str, JobSetting]:
    """Every stored override, by job id."""
    from sqlalchemy import select

    from tui_analytics.data.schema import job_settings

    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(job_settings.c.job_id, job_settings.c.paused, job_settings.c.interval_s))
        return {
            job_id: JobSetting(bool(paused), float(interval) if interval is not None else None) for job_id, paused, interval in rows
        }


def save(
    engine: object, job_id: str, now: datetime, *, paused: bool | None = None, interval_s: float | None | bool = False
) -> JobSetting:
    """Change one job's overrides (`paused` None: unchanged; `interval_s` False: unchanged,
    None: back to the configured one); returns the job's settings after the change."""
    from sqlalchemy import delete, insert, select, update

    from tui_analytics.data.schema import job_settings
    from tui_analytics.data.timestamps import to_db

    c = job_settings.c
    with engine.begin() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(c.paused, c.interval_s).where(c.job_id == job_id)).first()
        current = JobSetting(bool(row[0]), row[1]) if row is not None else JobSetting()
        new = JobSetting(
            current.paused if paused is None else paused,
            current.interval_s if interval_s is False else (None if interval_s is None else float(interval_s)),
        )
        if new.is_default:
            conn.execute(delete(job_settings).where(c.job_id == job_id))
        elif row is None:
            conn.execute(
                insert(job_settings).values(job_id=job_id, paused=new.paused, interval_s=new.interval_s, updated_at=to_db(now))
            )
        else:
            conn.execute(
                update(job_settings)
                .where(c.job_id == job_id)
                .values(paused=new.paused, interval_s=new.interval_s, updated_at=to_db(now))
            )
    return new


def changes(old: Mapping[str, JobSetting], new: Mapping[str, JobSetting], job_ids: Iterable[str]) -> list[str]:
    """The jobs whose settings differ between two loads."""
    return [job_id for job_id in job_ids if old.get(job_id, JobSetting()) != new.get(job_id, JobSetting())]
