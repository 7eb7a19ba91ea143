"""The five datasets on a mapped source vs the built-in schema, over the same data.

The demo database is copied into a schema that is not ours (`auth_user` with
`date_joined`, products and genres read through a query, `events` with
`occurred_at`), twice: with times as Django writes them on SQLite (text, no
fraction on whole seconds) and with activity times as epoch seconds. Each copy
has the covering index `source check` advises. The rows say what a mapping
costs: the built-in schema's time is the baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE_DIR, END, Row, check, label, median, paired
from tui_analytics.config.source_mapping import SourceMapping, parse_source
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import FrozenClock

# How the copy writes each time column, from the demo's 'YYYY-MM-DD HH:MM:SS.ffffff' text.
DJANGO = "CASE WHEN substr({c}, 21) = '000000' THEN substr({c}, 1, 19) ELSE {c} END"
EPOCH = "CAST(strftime('%s', {c}) AS INTEGER)"
FORMS = {"django-text": (DJANGO, DJANGO), "epoch": (DJANGO, EPOCH)}


def mapping(form: str) -> SourceMapping:
    return parse_source(
        {
            "users": {
                "table": "auth_user",
                "columns": {"id": "id", "name": "username", "email": "email", "created_at": "date_joined"},
            },
            "items": {
                "query": "SELECT p.id AS id, p.title AS name, g.name AS category FROM product p JOIN genre g ON g.id = p.genre_id"
            },
            "activities": {
                "table": "events",
                "columns": {"id": "id", "user_id": "account", "item_id": "product", "action": "kind", "created_at": "occurred_at"},
                **({"timestamps": "epoch"} if form == "epoch" else {}),
            },
        }
    )


def build_copy(demo: Path, target: Path, form: str) -> None:
    """The demo data in the foreign schema, indexed as `source check` advises."""
    import sqlite3

    users_time, events_time = FORMS[form]
    tmp = target.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("ATTACH DATABASE ? AS demo", (str(demo),))
    db.executescript(f"""
        CREATE TABLE auth_user (id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL,
                                date_joined DATETIME NOT NULL);
        INSERT INTO auth_user SELECT id, name, email, {users_time.format(c="created_at")} FROM demo.users;
        CREATE TABLE genre (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        INSERT INTO genre (name) SELECT DISTINCT category FROM demo.items ORDER BY category;
        CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT NOT NULL, genre_id INTEGER NOT NULL);
        INSERT INTO product SELECT i.id, i.name, g.id FROM demo.items i JOIN genre g ON g.name = i.category;
        CREATE TABLE events (id INTEGER PRIMARY KEY, account INTEGER NOT NULL, product INTEGER NOT NULL,
                             kind TEXT NOT NULL, occurred_at {"INTEGER" if form == "epoch" else "DATETIME"} NOT NULL);
        INSERT INTO events SELECT id, user_id, item_id, action, {events_time.format(c="created_at")}
            FROM demo.activities ORDER BY id;
        CREATE INDEX ix_events_occurred_at_product_account ON events (occurred_at, product, account);
        CREATE INDEX ix_events_account_occurred_at ON events (account, occurred_at);
        CREATE INDEX ix_auth_user_date_joined ON auth_user (date_joined);
        ANALYZE;
    """)
    db.commit()
    db.execute("DETACH DATABASE demo")
    db.close()
    tmp.replace(target)


def copy_url(demo_url: str, form: str) -> str:
    demo = Path(demo_url.removeprefix("sqlite:///"))
    target = CACHE_DIR / f"{demo.stem}-mapped-{form}.sqlite3"
    if not target.exists() or target.stat().st_mtime < demo.stat().st_mtime:
        build_copy(demo, target, form)
    return f"sqlite:///{target}"


def calls(repo: AdminAnalyticsOptimizedRepository) -> dict[str, Callable[[], Any]]:
    return {
        "user_growth": lambda: repo.user_growth(12),
        "activity_trends": lambda: repo.activity_trends(30),
        "top_items": lambda: repo.top_items(10),
        "recent_activity": lambda: repo.recent_activity(20),
        "summary": repo.summary,
    }


def run(url: str, activities: int, repeat: int) -> list[Row]:
    """Per form and dataset: the mapped source's median, the built-in schema's as baseline."""
    builtin = AdminAnalyticsOptimizedRepository(url, clock=FrozenClock(END))
    rows = []
    for form in FORMS:
        mapped = AdminAnalyticsOptimizedRepository(copy_url(url, form), clock=FrozenClock(END), mapping=mapping(form))
        theirs, ours = calls(mapped), calls(builtin)
        for name in ours:
            if theirs[name]() != ours[name]():  # the same data must give the same answers
                raise AssertionError(f"{name} differs between the mapped ({form}) copy and the built-in schema")
            base_s, mapped_s = paired(ours[name], theirs[name], repeat)
            base, mine = median(base_s), median(mapped_s)
            rows.append(
                Row(f"mapped {form} {name} @{label(activities)}", mine * 1000, "ms", base * 1000, "<=1.5x", check(mine / base, 1.5))
            )
    return rows
