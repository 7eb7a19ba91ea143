"""The Analytics pane: the cached datasets, drawn, each with its age and a stale mark."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Label, Static

from tui_analytics.ui import format as fmt
from tui_analytics.ui.widgets.chart import BarChart
from tui_analytics.ui.widgets.columns import fit, measure, total
from tui_analytics.ui.widgets.pane import Pane, show
from tui_analytics.ui.widgets.table import StyledTable

if TYPE_CHECKING:  # the processor package loads SQLAlchemy: not before the first frame
    from tui_analytics.data.cache_entry import CacheEntry

# Cache keys the pane reads (written by the processor's jobs).
USER_GROWTH = "user-growth:12"
DAILY_SIGNUPS = "user-growth:days:30"
# A history of sign-ups in this many months or fewer (of the twelve) is short: the growth chart
# shows the last 30 days per day instead of twelve mostly empty months.
SHORT_HISTORY_MONTHS = 2
ACTIVITY = ("activity-trends:30", "activity-trends:7")
SUMMARY = "activity-trends:summary"
TOP_ITEMS = "top-items:10"
RECENT = "recent-activity:20"

SECTIONS = {
    "growth": ("New users per month", (USER_GROWTH,)),
    "activity": ("Activities per day", ACTIVITY),
    # (the charts' titles count the bars they draw: "New users, 12 months", CHART_TITLES)
    "top": ("Top items", (TOP_ITEMS,)),
    "recent": ("Recent activity", (RECENT,)),
}

CHART_TITLES = {"growth": ("New users", "month"), "activity": ("Activities", "day")}

TOP_COLUMNS = [("rank", "#"), ("name", "Item"), ("hits", "Hits"), ("users", "Users"), ("category", "Category")]
RECENT_COLUMNS = [("age", "Age"), ("user", "User"), ("action", "Action"), ("item", "Item")]
AGE_MIN = {"age": 3}  # ages a tick rewrites: `9s` becomes `10s`
NAME_FLOORS = {("top", "name"): 6, ("recent", "user"): 5, ("recent", "item"): 6}  # cut no shorter
TABLES_GUTTER = 2  # #tables' grid-gutter in the stylesheet


def pick(entries: Mapping[str, CacheEntry], keys: tuple[str, ...]) -> CacheEntry | None:
    """The first cached entry among `keys` (a longer window first), or None."""
    for key in keys:
        entry = entries.get(key)
        if entry is not None:
            return entry
    return None


def _parse_ts(value: object) -> datetime | None:
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
        self._drawn: dict[str, int] = {}  # bars each chart draws (its title counts them)
        self._daily = False  # the growth chart shows new users per day

    @property
    def shown_keys(self) -> set[str]:
        """The cache keys the pane shows now (its charts and tables may still say "no data")."""
        return set(self._entries)

    def compose(self) -> ComposeResult:
        yield Static("", id="summary", classes="detail")
        # Each grid is two columns of a title row over a chart or table: no container per
        # section, as each node costs the first frame its styling, layout and drawing.
        with Grid(id="charts"):
            yield Label("", id="growth-title", classes="section-title")
            yield Label("", id="activity-title", classes="section-title")
            yield BarChart(id="growth-chart", empty="waiting for the user-growth job")
            yield BarChart(id="activity-chart", empty="waiting for the activity-trends job")
        with Grid(id="tables"):
            yield Label("", id="top-title", classes="section-title")
            yield Label("", id="recent-title", classes="section-title")
            yield StyledTable(id="top-table", cursor_type="row", classes="fill")
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
        daily = pick(entries, (DAILY_SIGNUPS,))
        days = list(daily.value) if daily is not None else []
        months_with_signups = sum(1 for r in rows if r["newUsers"])
        self._daily = bool(rows) and months_with_signups <= SHORT_HISTORY_MONTHS and any(r["newUsers"] for r in days)
        if ended is not None and not any(r["newUsers"] for r in rows):  # say why, not 12 empty bars
            self.query_one("#growth-chart", BarChart).set_points([], empty=f"no sign-ups lately: the data ends {self._day(ended)}")
        elif self._daily:  # a short history: its days, not twelve months that are mostly empty
            self.query_one("#growth-chart", BarChart).set_points([(str(r["date"])[5:], int(r["newUsers"])) for r in days])
        else:
            self.query_one("#growth-chart", BarChart).set_points([(r["month"], r["newUsers"]) for r in rows])
        activity = pick(entries, ACTIVITY)
        rows = list(activity.value) if activity is not None else []
        if ended is not None and not any(r["activities"] for r in rows):
            self.query_one("#activity-chart", BarChart).set_points(
                [], empty=f"no activity lately: the data ends {self._day(ended)}"
            )
        else:
            self.query_one("#activity-chart", BarChart).set_points([(r["date"][5:], r["activities"]) for r in rows])
        self._fill_tables(pick(entries, (TOP_ITEMS,)), pick(entries, (RECENT,)), now)
        self._show_summary(entries, growth)
        self.tick(now)

    def tick(self, now: datetime) -> None:
        """Redraw ages (section titles and recent activity)."""
        for name, (title, keys) in SECTIONS.items():
            if name == "growth" and self._daily:
                title, keys = "New users per day", (DAILY_SIGNUPS,)
            show(self.query_one(f"#{name}-title", Label), self._title(self._counted(name, title), pick(self._entries, keys), now))
        recent = pick(self._entries, (RECENT,))
        table = self.query_one("#recent-table", StyledTable)
        if recent is not None and table.row_count == len(recent.value):
            for index, row in enumerate(recent.value):
                table.set_cell(str(index), "age", self._age(row, now))

    def _counted(self, name: str, title: str) -> str:
        """A chart's title with the bars it draws counted (the narrower the pane, the fewer days)."""
        drawn = self._drawn.get(name, 0)
        if name not in CHART_TITLES or not drawn:
            return title
        what, unit = CHART_TITLES[name]
        if name == "growth" and self._daily:  # a short history drawn by day
            what, unit = "New users per day", "day"
        return f"{what}, {fmt.plural(drawn, unit)}"

    def on_bar_chart_shown(self, message: BarChart.Shown) -> None:
        name = (message.chart.id or "").removesuffix("-chart")
        if name in CHART_TITLES and self._drawn.get(name) != message.count:
            self._drawn[name] = message.count
            if self._now is not None:
                self.tick(self._now)

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

    def _age(self, row: Mapping[str, object], now: datetime) -> str:
        moment = _parse_ts(row.get("timestamp"))
        return fmt.short_span((now - fmt.as_utc(moment)).total_seconds()) if moment else fmt.DASH

    def _tables_room(self) -> int:
        """Cells for the two tables side by side: the #tables grid's width less its gutter."""
        grid = self.query_one("#tables", Grid)
        return max(20, (grid.size.width or self.size.width - 4) - TABLES_GUTTER)

    def _fill_tables(self, top: CacheEntry | None, recent: CacheEntry | None, now: datetime) -> None:
        """Top items and recent activity, side by side, split by what their cells need.

        Both tables' columns are measured; when together they are wider than the pane, the
        longest names (item, user) are cut first, in whichever table they are, and the grid
        gives each table the width its columns then take (no more equal halves)."""
        top_rows = self._top_rows(top)
        recent_rows = [
            (str(index), [self._age(row, now), row["userName"], fmt.truncate(row["action"], 12), row["itemName"]])
            for index, row in enumerate(list(recent.value if recent is not None else []))
        ]
        room = self._tables_room()
        top_columns, fitted = self._fit(top_rows, recent_rows, room)
        top_width = total({k: w for k, w in fitted.items() if k[0] == "top"})
        grid = self.query_one("#tables", Grid)
        # Past the floors (a very narrow pane) the halves stay equal and each table scrolls sideways.
        fits = top_width + total({k: w for k, w in fitted.items() if k[0] == "recent"}) <= room
        grid.styles.grid_columns = f"{top_width} 1fr" if fits else "1fr 1fr"
        self.query_one("#top-table", StyledTable).refill(
            top_columns, ((key, cells[: len(top_columns)]) for key, cells in top_rows), widths={"name": fitted[("top", "name")]}
        )
        self.query_one("#recent-table", StyledTable).refill(
            RECENT_COLUMNS,
            recent_rows,
            min_widths=AGE_MIN,
            widths={"user": fitted[("recent", "user")], "item": fitted[("recent", "item")]},
        )

    @staticmethod
    def _top_rows(top: CacheEntry | None) -> list[tuple[str, list[str]]]:
        return [
            (
                str(row["rank"]),
                [
                    str(row["rank"]),
                    row["name"],
                    fmt.number(row["interactions"]),
                    fmt.number(row["uniqueUsers"]),
                    fmt.truncate(row.get("category", ""), 12),
                ],
            )
            for row in (top.value if top is not None else [])
        ]

    @staticmethod
    def _fit(
        top_rows: list[tuple[str, list[str]]], recent_rows: list[tuple[str, list[str]]], room: int
    ) -> tuple[list[tuple[str, str]], dict[tuple[str, str], int]]:
        """The top table's columns and both tables' widths, names cut to fit `room`."""
        recent_widths = measure(RECENT_COLUMNS, (cells for _, cells in recent_rows), AGE_MIN)
        squeeze = [("top", "name"), ("recent", "user"), ("recent", "item")]
        fitted: dict[tuple[str, str], int] = {}
        top_columns = TOP_COLUMNS
        for top_columns in (TOP_COLUMNS, TOP_COLUMNS[:-1]):  # the category only when nothing is cut for it
            top_widths = measure(top_columns, (cells[: len(top_columns)] for _, cells in top_rows))
            pool = {("top", k): w for k, w in top_widths.items()} | {("recent", k): w for k, w in recent_widths.items()}
            fitted = fit(pool, room, squeeze, NAME_FLOORS)
            if fitted == pool or len(top_columns) < len(TOP_COLUMNS):
                break
        return top_columns, fitted

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
        empty = (
            "Cache empty: the next job runs refill it (t runs the selected job now)."
            if self._jobs_have_run
            else "Waiting for the first job runs…"
        )
        show(self.query_one("#summary", Static), " · ".join(parts) or empty)

    def detail(self) -> tuple[str, list[str]] | None:
        """`v`: new users per day of the last 30 days, newest first, with the running total."""
        daily = pick(self._entries, (DAILY_SIGNUPS,))
        if daily is None or not daily.value:
            return None
        lines = [
            f"{row['date']}  {fmt.number(row['newUsers']):>6} new  {fmt.number(row['totalUsers']):>9} in all" for row in daily.value
        ]
        return "New users per day, last 30 days", lines[::-1]

    def _day(self, moment: datetime) -> str:
        return fmt.as_utc(moment).astimezone(self._tz).date().isoformat()
