"""IncrementalRepository: the datasets answered from the rollups and the raw open day.

A window [start, end) is split at whole days: the closed days before the watermark come
from the rollups, the rest (the open day, a partial first or last day) is read raw from the
source, and the two are added (counts) or united (distinct users, as sets of ids), so each
answer equals the full query's. Until the rollups are ready (the first build runs in the
background), after a change of mapping, zone or lateness, and for windows reaching before
the horizon of the per-item and per-user rollups, every dataset is the full query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tui_analytics.config.source_mapping import SourceMapping
from tui_analytics.config.timezones import plain_zone
from tui_analytics.data.rollups.maintain import Progress, RollupMaintainer, RollupState, fingerprint
from tui_analytics.data.rollups.reading import Interval, SourceReader, count_from, day_of, midnight
from tui_analytics.data.rollups.spans import parse_span
from tui_analytics.data.rollups.store import RollupStore
from tui_analytics.data.rollups.tables import decode_id, decode_raw
from tui_analytics.data.source.entities import Source
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.data.source.recent_query import positive
from tui_analytics.data.source.recent_stream import RecentActivityStream
from tui_analytics.data.source.repository import DEFAULT_WINDOW_DAYS, AdminAnalyticsOptimizedRepository, _add_months, month_rows
from tui_analytics.data.source.rows import ActivityTrendRow, PeriodRow, RecentActivityRow, Summary, TopItemRow, UserGrowthRow
from tui_analytics.data.timestamps import iso
from tui_analytics.runtime.daterange import DateRange

_EARLIEST = "0000-00-00"


@dataclass(frozen=True)
class Split:
    """A window cut at whole days: stored days [first, stop) (None: none) and the raw parts."""

    first: str | None
    stop: str | None
    raw: list[Interval]


class IncrementalRepository:
    """A SourceRepository over the full-query repository and the rollups of the state database.

    `maintainer` is given in the scheduling process only: there each dataset call first keeps
    the rollups up to date (`maintain`). Elsewhere the rollups are only read.
    """

    def __init__(
        self, base: AdminAnalyticsOptimizedRepository, store: RollupStore, *, lateness_days: int = 2, writer: bool = False
    ) -> None:
        self.base = base
        self.store = store
        self.clock = base.clock
        self.print = fingerprint(base.mapping, base.zone, lateness_days)
        self.lateness_days = lateness_days
        self.maintainer: RollupMaintainer | None = None
        self.horizon_days = RollupMaintainer(
            self.reader, store, clock=base.clock, print_="", lateness_days=lateness_days
        ).horizon_days
        self._reader: SourceReader | None = None
        if writer:
            self.enable_writing()

    def enable_writing(self) -> RollupMaintainer:
        """This process schedules: it builds and maintains the rollups (the others only read them)."""
        if self.maintainer is None:
            self.maintainer = RollupMaintainer(
                self.reader, self.store, clock=self.base.clock, print_=self.print, lateness_days=self.lateness_days
            )
        return self.maintainer

    def reader(self) -> SourceReader:
        if self._reader is None:
            base = self.base
            self._reader = SourceReader(base.engine, base.source, base.zone, base.engine.url.render_as_string(hide_password=False))
        return self._reader

    @property
    def engine(self) -> Engine:
        return self.base.engine

    @property
    def url_masked(self) -> str:
        return self.base.url_masked

    # What callers read of the full repository (its zone, mapping and resolved source) reads through.
    @property
    def zone(self) -> tzinfo:
        return self.base.zone

    @property
    def mapping(self) -> SourceMapping:
        return self.base.mapping

    @property
    def source(self) -> Source:
        return self.base.source

    # The rollups hold the reporting zone's days in the datasets' own units: another zone's days
    # (a report template's) and counts by day, week or month are the full queries'.
    def in_zone(self, zone: tzinfo) -> SourceRepository:
        return self if plain_zone(zone) == self.base.zone else self.base.in_zone(zone)

    def trend_by(self, dataset: str, by: str, count: int, date_range: DateRange | None = None) -> list[PeriodRow]:
        return self.base.trend_by(dataset, by, count, date_range)

    # -- upkeep (the scheduling process) ------------------------------------------------------

    def verify_rollups(self) -> list[str] | None:
        """The nightly check against the source (when due); the days rebuilt, None when not run."""
        return self.maintainer.verify_if_due() if self.maintainer is not None else None

    def rebuild_rollups(self, first: date | None = None, stop: date | None = None, progress: Progress | None = None) -> int:
        """Roll up [first, stop) again (all without bounds); the number of days redone."""
        return self.enable_writing().rebuild(first, stop, progress)

    def rollup_progress(self) -> str | None:
        """What the dashboard shows of the rollups while it has something to say: the first build's
        progress, or why it failed (the datasets are the full queries meanwhile); None otherwise."""
        if self.maintainer is None:
            return None
        state = self.maintainer.state()
        if state.status == "building":
            return f"building {state.days_done}/{state.days_total} days"
        return f"failed: {state.error}" if state.status == "failed" else None

    def rollup_state(self) -> RollupState:
        if self.maintainer is not None:
            return self.maintainer.state()
        watermark = self.watermark()
        return RollupState("ready", watermark=watermark) if watermark else RollupState("absent")

    # -- the watermark --------------------------------------------------------------------

    def watermark(self) -> date | None:
        """The first open day when the rollups can answer, else None (the full queries answer)."""
        if self.maintainer is not None:
            state = self.maintainer.maintain()
            return state.watermark if state.status == "ready" else None
        meta = self.store.meta()
        if meta.get("fingerprint") != self.print or meta.get("status") != "ready" or not meta.get("watermark"):
            return None
        return date.fromisoformat(str(meta["watermark"]))

    def _split(self, start: datetime | None, end: datetime, watermark: date) -> Split:
        zone = self.base.zone
        open_at = midnight(watermark, zone)
        closed_end = min(end, open_at)
        if start is None:
            first: date | None = None
            lead = None
        else:
            day = day_of(start, zone)
            first = day if midnight(day, zone) == start else day + timedelta(days=1)
            lead = start
        stop = day_of(closed_end, zone)
        if midnight(stop, zone) > closed_end:  # cannot happen (the day of an instant starts before it), kept exact
            stop -= timedelta(days=1)
        if first is not None and first >= stop or start is not None and start >= closed_end:
            return Split(None, None, [(start, end)] if start is not None and start < end else [])
        raw: list[Interval] = []
        if lead is not None and first is not None and lead < midnight(first, zone):
            raw.append((lead, midnight(first, zone)))
        tail = midnight(stop, zone)
        if tail < end:
            raw.append((tail, end))
        return Split(first.isoformat() if first else _EARLIEST, stop.isoformat(), raw)

    def _derived(self, split: Split, watermark: date) -> dict[str, str | None] | None:
        """The meta when the derived tables answer this split (its stored days end at the watermark)."""
        if split.first is None or split.stop != watermark.isoformat():
            return None
        meta = self.store.meta()
        return meta if meta.get("derived_watermark") == split.stop else None

    def _in_horizon(self, split: Split, watermark: date) -> bool:
        return split.first is None or split.first >= (watermark - timedelta(days=self.horizon_days - 1)).isoformat()

    # -- datasets -------------------------------------------------------------------------

    def activity_trends(self, days: int = 7, date_range: DateRange | None = None) -> list[ActivityTrendRow]:
        positive("days", days)
        watermark = self.watermark()
        if watermark is None:
            return self.base.activity_trends(days, date_range)
        zone = self.base.zone
        today = day_of(self.clock.now(), zone)
        start, end = (
            date_range.bounds(zone)
            if date_range is not None
            else (midnight(today - timedelta(days=days - 1), zone), self.clock.now())
        )
        last_day = day_of(end - timedelta(microseconds=1), zone)
        first_day = max(day_of(start, zone), last_day - timedelta(days=days - 1))
        start = max(start, midnight(first_day, zone))
        if start >= end:
            return []
        split = self._split(start, end, watermark)
        found: dict[str, tuple[int, int]] = {}
        if split.first is not None and split.stop is not None:
            found.update({d: (v[0], v[1]) for d, v in self.store.days(split.first, split.stop).items()})
        found.update(self.reader().by_bucket("day", split.raw))
        out: list[ActivityTrendRow] = []
        day = first_day
        while day <= last_day:
            n, u = found.get(day.isoformat(), (0, 0))
            out.append({"date": day.isoformat(), "activities": n, "activeUsers": u})
            day += timedelta(days=1)
        return out

    def _users(self, start: datetime | None, end: datetime, watermark: date) -> int:
        split = self._split(start, end, watermark)
        stored = self.store.totals(split.first, split.stop)[1] if split.first is not None and split.stop is not None else 0
        return stored + self.reader().count(split.raw, users=True)

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        positive("months", months)
        watermark = self.watermark()
        if watermark is None:
            return self.base.user_growth(months, date_range)
        zone = self.base.zone
        now = self.clock.now().astimezone(zone)
        y, m = _add_months(now.year, now.month, -(months - 1))
        start, end = date_range.bounds(zone) if date_range is not None else (midnight(date(y, m, 1), zone), self.clock.now())
        last = (end - timedelta(microseconds=1)).astimezone(zone)
        y, m = _add_months(last.year, last.month, -(months - 1))
        start = max(start, midnight(date(y, m, 1), zone))
        if start >= end:
            return []
        split = self._split(start, end, watermark)
        counts: dict[str, int] = {}
        if split.first is not None and split.stop is not None:
            for d, v in self.store.days(split.first, split.stop).items():
                counts[d[:7]] = counts.get(d[:7], 0) + v[2]
        for month, (n, _) in self.reader().by_bucket("month", split.raw, users=True).items():
            counts[month] = counts.get(month, 0) + n
        return month_rows(start.astimezone(zone), last, counts, self._users(None, start, watermark))

    def top_items(self, limit: int = 10, date_range: DateRange | None = None) -> list[TopItemRow]:
        positive("limit", limit)
        watermark = self.watermark()
        if watermark is None:
            return self.base.top_items(limit, date_range)
        zone = self.base.zone
        start, end = (
            date_range.bounds(zone)
            if date_range is not None
            else (self.clock.now() - timedelta(days=DEFAULT_WINDOW_DAYS), self.clock.now())
        )
        split = self._split(start, end, watermark)
        if not self._in_horizon(split, watermark):
            return self.base.top_items(limit, date_range)
        reader = self.reader()
        derived = self._derived(split, watermark)
        stored = split.first is not None and split.stop is not None
        if derived is not None and derived.get("derived_from") == split.first:
            # Only the items that can reach the top: the raw parts add at most item_max to any one.
            totals, floor = self.store.window_totals(limit, reader.item_max(split.raw))
            raw = reader.item_counts(split.raw, [decode_raw(k) for k in totals]) if floor > 0 else None
        else:
            totals = self.store.item_totals(str(split.first), str(split.stop)) if stored else {}
            raw = None
        for key, n in (reader.item_counts(split.raw) if raw is None else raw).items():
            totals[key] = totals.get(key, 0) + n
        top = sorted(totals, key=lambda k: _rank_key(k, totals[k]))[:limit]
        raw_ids = [decode_raw(k) for k in top]
        raw_pairs = reader.item_users(split.raw, raw_ids)
        unique: dict[str, int] = {}
        if derived is not None:
            raw_users: dict[str, list[str]] = {}
            for item, user in raw_pairs:
                raw_users.setdefault(item, []).append(user)
            for key in top:
                among = raw_users.get(key, [])
                first = str(split.first)
                seen = self.store.item_active_since(key, first)
                unique[key] = seen + len(among) - (self.store.item_active_since(key, first, among) if among else 0)
        else:
            pairs = self.store.item_users(str(split.first), str(split.stop), top) if stored else set()
            for item, _user in pairs | raw_pairs:
                unique[item] = unique.get(item, 0) + 1
        details = reader.item_details(raw_ids)
        return [
            {
                "rank": rank,
                "itemId": decode_id(key),
                "name": details.get(key, (None, None))[0],
                "category": details.get(key, (None, None))[1],
                "interactions": totals[key],
                "uniqueUsers": unique.get(key, 0),
            }
            for rank, key in enumerate(top, start=1)
        ]

    def summary(self, date_range: DateRange | None = None) -> Summary:
        watermark = self.watermark()
        if watermark is None:
            return self.base.summary(date_range)
        zone = self.base.zone
        if date_range is not None:
            act_start, end = date_range.bounds(zone)
        else:
            end = self.clock.now()
            act_start = end - timedelta(days=DEFAULT_WINDOW_DAYS)
        split = self._split(act_start, end, watermark)
        if not self._in_horizon(split, watermark):
            return self.base.summary(date_range)
        return self._summary(split, act_start, end, watermark, all_time=date_range is None)

    def _summary(self, split: Split, act_start: datetime, end: datetime, watermark: date, *, all_time: bool) -> Summary:
        reader, store = self.reader(), self.store
        stored = split.first is not None and split.stop is not None
        raw_users = reader.distinct_users(split.raw)
        if self._derived(split, watermark) is not None:
            among = sorted(raw_users)
            first = str(split.first)
            active_n = store.active_since(first) + len(among) - (store.active_since(first, among) if among else 0)
        else:
            active_n = len((store.users(str(split.first), str(split.stop)) if stored else set()) | raw_users)
        acts_n, new_n = store.totals(str(split.first), str(split.stop)) if stored else (0, 0)
        acts_n += reader.count(split.raw)
        new_n += reader.count(split.raw, users=True)
        actions: dict[object, int] = {}
        for key, n in (store.actions(str(split.first), str(split.stop)) if stored else {}).items():
            actions[decode_raw(key)] = n
        for action, n in reader.actions(split.raw).items():
            actions[action] = actions.get(action, 0) + n
        open_at = midnight(watermark, self.base.zone)
        if all_time:
            acts_n = store.totals(_EARLIEST, watermark.isoformat())[0] + count_from(reader, open_at)
        meta = store.meta()
        newest = reader.newest(open_at)
        items = self.base.source.items
        total_items = int(reader.rows(select(func.count()).select_from(items.source))[0][0])
        return {
            "totalUsers": self._users(None, end, watermark),
            "activeUsers": active_n,
            "totalItems": total_items,
            "totalActivities": acts_n,
            "newUsers": new_n,
            "actions": {a: actions[a] for a in sorted(actions, key=lambda a: (a is None, str(a)))},  # type: ignore[misc]
            "periodStart": iso(act_start),
            "periodEnd": iso(end),
            "firstActivity": meta.get("first_activity"),
            "lastActivity": reader.acts_time.stored.iso(newest) if newest is not None else meta.get("last_closed_activity"),
        }

    # -- the rest is the full repository's ----------------------------------------------------

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[RecentActivityRow]:
        return self.base.recent_activity(limit, date_range)

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = 5000
    ) -> RecentActivityStream:
        return self.base.iter_recent_activity(limit, date_range, batch_size)

    def ping(self) -> float:
        return self.base.ping()


def _rank_key(key: str, interactions: int) -> tuple[int, bool, int | str]:
    """Most interactions first; among ties, a missing item id last, then by id."""
    raw = decode_raw(key)
    return (-interactions, raw is None, raw if raw is not None else 0)


def rebuild_span(repository: object, span: str, progress: Progress | None = None) -> int:
    """`cache rebuild`: the days of 'FROM/TO' (dates, TO included; either may be empty) rolled up again."""
    if not isinstance(repository, IncrementalRepository):
        raise ValueError("the rollups are off here (rollups = false in the configuration)")
    lo, hi = parse_span(span)
    return repository.rebuild_rollups(lo, hi, progress)
