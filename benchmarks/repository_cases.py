"""Repository datasets vs a hand-written SQL query for the same answer on the same connection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from benchmarks.common import END, Row, check, median, paired
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import FrozenClock

Statements = list[tuple[str, dict[str, Any]]]


def _fmt(moment) -> str:
    # How SQLAlchemy binds a datetime on SQLite (and how the demo data is stored).
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def bare_queries() -> dict[str, Statements]:
    """The statements a careful engineer would write by hand on SQLite, per dataset.

    Each gives the same answer as the repository method of the same name (with
    the defaults the jobs use), so the ratio is the cost of the repository itself.
    """
    now = END
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    y, m = month_start.year, month_start.month - 11
    while m < 1:
        m += 12
        y -= 1
    growth_start = month_start.replace(year=y, month=m)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    window = {"s": _fmt(now - timedelta(days=30)), "e": _fmt(now)}

    def trends(days: int) -> Statements:
        return [
            (
                "SELECT date(created_at) d, count(*), count(DISTINCT user_id) FROM activities "
                "WHERE created_at >= :s AND created_at < :e GROUP BY d ORDER BY d",
                {"s": _fmt(midnight - timedelta(days=days - 1)), "e": _fmt(now)},
            )
        ]

    return {
        "user_growth": [
            (
                "SELECT strftime('%Y-%m', created_at) m, count(*) FROM users WHERE created_at >= :s AND created_at < :e "
                "GROUP BY m ORDER BY m",
                {"s": _fmt(growth_start), "e": _fmt(now)},
            ),
            ("SELECT count(*) FROM users WHERE created_at < :s", {"s": _fmt(growth_start)}),
        ],
        "activity_trends": trends(7),
        "activity_trends_30": trends(30),
        "top_items": [
            (
                "SELECT t.item_id, t.n, t.u, i.name, i.category FROM (SELECT item_id, count(*) n, count(DISTINCT user_id) u "
                "FROM activities WHERE created_at >= :s AND created_at < :e GROUP BY item_id ORDER BY n DESC, item_id LIMIT 10) t "
                "JOIN items i ON i.id = t.item_id ORDER BY t.n DESC, t.item_id",
                window,
            )
        ],
        "recent_activity": [
            (
                "SELECT a.created_at, a.user_id, u.name, a.action, a.item_id, i.name FROM activities a "
                "JOIN users u ON u.id = a.user_id JOIN items i ON i.id = a.item_id "
                "ORDER BY a.created_at DESC, a.id DESC LIMIT :n",
                # A bound LIMIT: with a literal `LIMIT 20` SQLite 3.40 plans a scan of users
                # first and takes ~1.7 s on 1M rows instead of <1 ms.
                {"n": 20},
            )
        ],
        "summary": [
            # total and new users in one pass over the created_at index
            ("SELECT count(*), sum(created_at >= :s) FROM users WHERE created_at < :e", window),
            ("SELECT count(*) FROM items", {}),
            ("SELECT count(*) FROM activities", {}),
            ("SELECT count(DISTINCT user_id) FROM activities WHERE created_at >= :s AND created_at < :e", window),
            (
                "SELECT action, count(*) FROM activities WHERE created_at >= :s AND created_at < :e "
                "GROUP BY action ORDER BY action",
                window,
            ),
        ],
        "ping": [("SELECT 1", {})],
    }


def run_bare(conn: Any, statements: Statements) -> None:
    for sql, params in statements:
        conn.execute(text(sql), params).fetchall()


def repository_calls(repo: AdminAnalyticsOptimizedRepository) -> dict[str, Callable[[], Any]]:
    return {
        "user_growth": lambda: repo.user_growth(12),
        "activity_trends": lambda: repo.activity_trends(7),
        "top_items": lambda: repo.top_items(10),
        "recent_activity": lambda: repo.recent_activity(20),
        "summary": repo.summary,
    }


def run(url: str, tag: str, repeat: int) -> tuple[list[Row], dict[str, float]]:
    """One row per dataset (repository vs bare SQL); also the medians, for the 5M/1M growth rows."""
    repo = AdminAnalyticsOptimizedRepository(url, clock=FrozenClock(END))
    bare = bare_queries()
    rows, medians = [], {}
    with repo.engine.connect() as conn:
        for name, call in repository_calls(repo).items():
            bare_s, mine_s = paired(lambda query=bare[name]: run_bare(conn, query), call, repeat)
            base, mine = median(bare_s), median(mine_s)
            medians[name] = mine
            rows.append(Row(f"repo {name} @{tag}", mine * 1000, "ms", base * 1000, "<=1.2x", check(mine / base, 1.2)))
    return rows, medians
