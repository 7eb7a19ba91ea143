"""Repository datasets vs a hand-written SQL query for the same answer on the same connection."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tui_analytics.clock import FrozenClock
from tui_analytics.repository import AdminAnalyticsOptimizedRepository

from .common import END, Row, check, median, timed


def _fmt(moment) -> str:
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


# The bare queries a careful engineer would write by hand for SQLite.
def bare_queries() -> dict[str, tuple[str, dict]]:
    now = END
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    y, m = month_start.year, month_start.month - 11
    while m < 1:
        m += 12
        y -= 1
    growth_start = month_start.replace(year=y, month=m)
    day_start = (now - timedelta(days=6)).replace(hour=0, minute=0, second=0, microsecond=0)
    top_start = now - timedelta(days=30)
    return {
        "user_growth": (
            "SELECT strftime('%Y-%m', created_at) m, count(*) FROM users WHERE created_at >= :s AND created_at < :e "
            "GROUP BY m ORDER BY m; ",
            {"s": _fmt(growth_start), "e": _fmt(now)},
        ),
        "activity_trends": (
            "SELECT date(created_at) d, count(*), count(DISTINCT user_id) FROM activities "
            "WHERE created_at >= :s AND created_at < :e GROUP BY d ORDER BY d",
            {"s": _fmt(day_start), "e": _fmt(now)},
        ),
        "top_items": (
            "SELECT t.item_id, t.n, t.u, i.name, i.category FROM (SELECT item_id, count(*) n, count(DISTINCT user_id) u "
            "FROM activities WHERE created_at >= :s AND created_at < :e GROUP BY item_id ORDER BY n DESC, item_id LIMIT 10) t "
            "JOIN items i ON i.id = t.item_id ORDER BY t.n DESC, t.item_id",
            {"s": _fmt(top_start), "e": _fmt(now)},
        ),
        "recent_activity": (
            "SELECT a.created_at, a.user_id, u.name, a.action, a.item_id, i.name FROM activities a "
            "JOIN users u ON u.id = a.user_id JOIN items i ON i.id = a.item_id "
            "ORDER BY a.created_at DESC, a.id DESC LIMIT :n",
            # A bound LIMIT: with a literal `LIMIT 20` SQLite 3.40 plans a scan of users
            # first and takes ~1.7 s on 1M rows instead of <1 ms.
            {"n": 20},
        ),
    }


def run(url: str, label: str, repeat: int) -> tuple[list[Row], dict[str, float]]:
    repo = AdminAnalyticsOptimizedRepository(url, clock=FrozenClock(END))
    calls = {
        "user_growth": lambda: repo.user_growth(12),
        "activity_trends": lambda: repo.activity_trends(7),
        "top_items": lambda: repo.top_items(10),
        "recent_activity": lambda: repo.recent_activity(20),
    }
    rows, medians = [], {}
    with repo.engine.connect() as conn:
        for name, (sql, params) in bare_queries().items():
            def bare(sql=sql, params=params):
                for part in [p for p in sql.split(";") if p.strip()]:
                    conn.execute(text(part), params).fetchall()
            base = median(timed(bare, repeat))
            mine = median(timed(calls[name], repeat))
            medians[name] = mine
            rows.append(Row(f"repo {name} @{label}", mine * 1000, "ms", base * 1000, "<=1.2x", check(mine / base, 1.2)))
    summary = median(timed(repo.summary, repeat))
    medians["summary"] = summary
    rows.append(Row(f"repo summary @{label}", summary * 1000, "ms"))
    return rows, medians
