"""The Analytics pane: the cached datasets, drawn, each with its age and a stale mark."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Label, Static

from .. import format as fmt
from .chart import BarChart
from .pane import Pane, StyledTable, show

if TYPE_CHECKING:  # the processor package loads SQLAlchemy: not before the first frame
    from ...processor.cache import CacheEntry

# Cache keys the pane reads (written by the processor's jobs).
USER_GROWTH = "user-growth:12"
ACTIVITY = ("activity-trends:30", "activity-trends:7")
SUMMARY = "activity-trends:summary"
TOP_ITEMS = "top-items:10"
RECENT = "recent-activity:20"

SECTIONS = {
    "growth": ("New users per month", (USER_GROWTH,)),
    "activity": ("Activities per day", ACTIVITY),
    "top": ("Top items", (TOP_ITEMS,)),
    "recent": ("Recent activity", (RECENT,)),
}


def pick(entries: Mapping[str, CacheEntry], keys: tuple[str, ...]) -> CacheEntry | None:
    """The first cached entry among `keys` (a longer window first), or None."""
    for key in keys:
        entry = entries.get(key)
        if entry is not None:
            return entry
    return None


def _parse_ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def data_end(entries: Mapping[str, CacheEntry]) -> datetime | None:
    """When the source's data ends, if that is before the default 30-day window, which is then
    empty (someone else's database, or a copy of one, whose newest activity is months old)."""
    summary = entries.get(SUMMARY)
    if summary is None or not isinstance(summary.value, Mapping) or summary.value.get("activeUsers"):
        return None
    last, start = _parse_ts(summary.value.get("lastActivity")), _parse_ts(summary.value.get("periodStart"))
    if last is None or start is None:
        return None
    return last if fmt.as_utc(last) < fmt.as_utc(start) else None


class AnalyticsPane(Pane):
    """User growth and activity as bar charts; top items and recent activity as tables.

    `show(entries, now)` takes cache entries (value, stored_at, stale, error) by key.
    """

    TITLE = "Analytics"
    NUMBER = 3

    def __init__(self, *, tz: tzinfo, id: str = "analytics") -> None:
        super().__init__(id=id)
        self._tz = tz
        self._entries: dict[str, CacheEntry] = {}
        self._jobs_have_run = False
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="summary", classes="detail")
        with Grid(id="charts"):
            with Vertical(classes="section"):
                yield Label("", id="growth-title", classes="section-title")
                yield BarChart(id="growth-chart", empty="waiting for the user-growth job")
            with Vertical(classes="section"):
                yield Label("", id="activity-title", classes="section-title")
                yield BarChart(id="activity-chart", empty="waiting for the activity-trends job")
        with Grid(id="tables"):
            with Vertical(classes="section"):
                yield Label("", id="top-title", classes="section-title")
                yield StyledTable(id="top-table", cursor_type="row", classes="fill")
            with Vertical(classes="section"):
                yield Label("", id="recent-title", classes="section-title")
                yield StyledTable(id="recent-table", cursor_type="row", classes="fill")

    def show(self, entries: Mapping[str, CacheEntry], now: datetime, *, jobs_have_run: bool = False) -> None:
        """Redraw from cache entries (missing keys show a waiting note). `jobs_have_run`: the cache
        was filled before, so an empty one was cleared rather than not filled yet."""
        self._jobs_have_run = jobs_have_run
        self._entries = dict(entries)
        self._now = now
        ended = data_end(entries)
        growth = pick(entries, (USER_GROWTH,))
        rows = list(growth.value) if growth is not None else []
        if ended is not None and not any(r["newUsers"] for r in rows):  # say why, not 12 empty bars
            self.query_one("#growth-chart", BarChart).set_points(
                [], empty=f"no sign-ups lately: the data ends {self._day(ended)}")
        else:
            self.query_one("#growth-chart", BarChart).set_points([(r["month"], r["newUsers"]) for r in rows])
        activity = pick(entries, ACTIVITY)
        rows = list(activity.value) if activity is not None else []
        if ended is not None and not any(r["activities"] for r in rows):
            self.query_one("#activity-chart", BarChart).set_points(
                [], empty=f"no activity lately: the data ends {self._day(ended)}")
        else:
            self.query_one("#activity-chart", BarChart).set_points([(r["date"][5:], r["activities"]) for r in rows])
        self._fill_top(pick(entries, (TOP_ITEMS,)))
        self._fill_recent(pick(entries, (RECENT,)), now)
        self._show_summary(entries, growth)
        self.tick(now)

    def tick(self, now: datetime) -> None:
        """Redraw ages (section titles and recent activity)."""
        for name, (title, keys) in SECTIONS.items():
            show(self.query_one(f"#{name}-title", Label), self._title(title, pick(self._entries, keys), now))
        recent = pick(self._entries, (RECENT,))
        table = self.query_one("#recent-table", StyledTable)
        if recent is not None and table.row_count == len(recent.value):
            for index, row in enumerate(recent.value):
                table.set_cell(str(index), "age", self._age(row, now))

    def _title(self, title: str, entry: CacheEntry | None, now: datetime) -> Text:
        """`Title ⚠ STALE · 2m ago · refresh failed 12:00:05`: the stale mark first, so a narrow pane keeps it."""
        text = Text(title, style="bold")
        if entry is None:
            text.append(" · not loaded yet")
            return text
        if entry.stale:
            text.append(" ")
            text.append_text(self.query_one("#top-table", StyledTable).tone("⚠ STALE", "warn"))
        text.append(f" · {fmt.age(entry.stored_at, now)}")
        if entry.stale and entry.failed_at:
            text.append(f" · refresh failed {fmt.clock_time(entry.failed_at, self._tz)}")
        return text

    def _age(self, row: Mapping[str, Any], now: datetime) -> str:
        moment = _parse_ts(row.get("timestamp"))
        return fmt.short_span((now - fmt.as_utc(moment)).total_seconds()) if moment else fmt.DASH

    @staticmethod
    def _room(table: StyledTable, fixed: int, columns: int) -> int:
        """Characters left for the flexible columns once fixed ones and cell padding are placed."""
        width = table.size.width or 36
        return max(6, width - fixed - 2 * columns - 1)

    def _fill_top(self, entry: CacheEntry | None) -> None:
        table = self.query_one("#top-table", StyledTable)
        rows = entry.value if entry is not None else []
        name_room = self._room(table, 2 + 5 + 5, 4)
        with_category = name_room >= 30
        if with_category:
            name_room -= 12
        columns = [("rank", "#"), ("name", "Item"), ("hits", "Hits"), ("users", "Users")]
        if with_category:
            columns.append(("category", "Category"))
        table.refill(columns, (
            (str(row["rank"]), [str(row["rank"]), fmt.truncate(row["name"], name_room), fmt.number(row["interactions"]),
                                fmt.number(row["uniqueUsers"]), fmt.truncate(row.get("category", ""), 10)][: len(columns)])
            for row in rows
        ))

    def _fill_recent(self, entry: CacheEntry | None, now: datetime) -> None:
        table = self.query_one("#recent-table", StyledTable)
        rows = list(entry.value if entry is not None else [])
        ages = [self._age(row, now) for row in rows]
        actions = [fmt.truncate(row["action"], 12) for row in rows]
        # Age and Action take what their cells need (ages reach `323d`): counted as 3 and 6, a longer
        # one made the table wider than the pane, with a horizontal scrollbar under it.
        fixed = max([3, *map(len, ages)]) + max([6, *map(len, actions)])
        room = self._room(table, fixed, 4)
        user_room = max(5, room * 2 // 5)
        columns = [("age", "Age"), ("user", "User"), ("action", "Action"), ("item", "Item")]
        table.refill(columns, (
            (str(index), [age, fmt.truncate(row["userName"], user_room), action,
                          fmt.truncate(row["itemName"], room - user_room)])
            for index, (row, age, action) in enumerate(zip(rows, ages, actions))
        ), min_widths={"age": 3})

    def relayout(self) -> None:
        if self._now is not None:
            self.show(self._entries, self._now)

    def _show_summary(self, entries: Mapping[str, CacheEntry], growth: CacheEntry | None) -> None:
        summary = entries.get(SUMMARY)
        parts: list[str] = []
        if summary is not None:
            value = summary.value
            parts.append(f"users {fmt.number(value.get('totalUsers'))}")
            parts.append(f"active {fmt.number(value.get('activeUsers'))}")
            parts.append(f"items {fmt.number(value.get('totalItems'))}")
            parts.append(f"activities {fmt.number(value.get('totalActivities'))}")
        elif growth is not None and growth.value:
            parts.append(f"users {fmt.number(growth.value[-1]['totalUsers'])}")
        ended = data_end(entries)
        if ended is not None:
            parts.append(f"nothing in the last 30 days: the data ends {self._day(ended)} (e exports its last 30 days)")
        empty = ("Cache empty: the next job runs refill it (t runs the selected job now)." if self._jobs_have_run
                 else "Waiting for the first job runs…")
        show(self.query_one("#summary", Static), " · ".join(parts) or empty)

    def _day(self, moment: datetime) -> str:
        return fmt.as_utc(moment).astimezone(self._tz).date().isoformat()
