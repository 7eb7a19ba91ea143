"""When alerts stay quiet: mutes set by hand (`alerts mute`, in the state database) and the
`[[alerts.silence]]` windows of the settings (a cron line and a duration).

An incident still opens and closes while quiet (so the state is right when the quiet ends); its
targets are told once it is not quiet any more and it is still open. Silence fire times come
from cronsim, not reports/cron/: the alerts may not import the reports service (the layers), and
cronsim reads the same crontab lines (with L, W and #) in the reporting zone.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from sqlalchemy import delete, insert, select

from tui_analytics.config.alert_rules import Silence
from tui_analytics.data.schema import alert_mutes
from tui_analytics.data.state.database import StateUser
from tui_analytics.data.timestamps import from_db, to_db

ALL = "all"


@dataclass(frozen=True)
class Mute:
    subject: str  # rule:<name>, job:<id>, report:<id> or all
    until: datetime
    muted_at: datetime


class MuteStore(StateUser):
    """The `alert_mutes` table (blocking)."""

    def mute(self, subject: str, until: datetime, now: datetime) -> Mute:
        with self.engine.begin() as conn:
            conn.execute(delete(alert_mutes).where(alert_mutes.c.subject == subject))
            conn.execute(insert(alert_mutes).values(subject=subject, muted_until=to_db(until), muted_at=to_db(now)))
        return Mute(subject, until, now)

    def unmute(self, subject: str) -> int:
        """Remove the subject's mute (`all`: the mute of everything only); returns how many were removed."""
        with self.engine.begin() as conn:
            return int(conn.execute(delete(alert_mutes).where(alert_mutes.c.subject == subject)).rowcount or 0)

    def active(self, now: datetime) -> list[Mute]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(alert_mutes).where(alert_mutes.c.muted_until > to_db(now)).order_by(alert_mutes.c.subject))
            return [Mute(r.subject, from_db(r.muted_until) or now, from_db(r.muted_at) or now) for r in rows]


def silenced_by(silences: tuple[Silence, ...], subject: str, now: datetime, zone: tzinfo) -> Silence | None:
    """The silence window `now` falls in for `subject` (None when none does): a window starts at each
    fire time of its cron line in `zone` and lasts its duration."""
    from cronsim import CronSim

    local = now.astimezone(zone)
    for silence in silences:
        if silence.match is not None and not fnmatch.fnmatchcase(subject, silence.match):
            continue
        # cronsim steps over naive wall-clock times; the latest fire time at or before now (the second
        # after now: the reverse walk starts strictly before its argument).
        started = next(CronSim(silence.cron, local.replace(microsecond=0) + timedelta(seconds=1), reverse=True), None)
        if started is not None and now - started.astimezone(timezone.utc) < timedelta(seconds=silence.duration):
            return silence
    return None


def quiet_reason(mutes: list[Mute], silences: tuple[Silence, ...], subject: str, now: datetime, zone: tzinfo) -> str | None:
    """Why alerts about `subject` stay quiet now ('muted until 12:00 UTC', 'silenced by 0 2 * * * for 1 h'), or None."""
    for mute in mutes:
        if mute.until > now and mute.subject in (subject, ALL):
            return f"muted until {mute.until.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"
    silence = silenced_by(silences, subject, now, zone)
    if silence is not None:
        return f"silenced by {silence.cron!r} for {silence.duration:g} s"
    return None
