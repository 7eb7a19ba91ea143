"""Synthetic analytics data: sign-ups growing over months, weekly seasonality,
a long tail of item popularity and a realistic mix of actions.

Deterministic for a given seed and end time. Rows are generated day by day in
time order (so ids follow time, as in a real application) and bulk-loaded:
COPY on PostgreSQL, executemany on SQLite and MySQL, indexes built after the load.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from sqlalchemy import Table, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateTable, DropTable

from tui_analytics.data.schema import activities, items, users
from tui_analytics.runtime.errors import DatabaseError

T = TypeVar("T")
# Rows as inserted: users and items (id, name, email or category, created_at); activities
# (id, user_id, item_id, action, created_at).
NamedRow = tuple[int, str, str, datetime]
ActivityRow = tuple[int, int, int, str, datetime]

ACTIONS = ("view", "click", "like", "comment", "share", "purchase")
ACTION_WEIGHTS = (62, 18, 9, 5, 3, 3)
# Monday..Sunday: busier on weekdays, quieter at weekends.
WEEKDAY_FACTOR = (1.10, 1.12, 1.10, 1.06, 0.98, 0.78, 0.74)
# Hour of day (UTC): quiet nights, a working-day plateau, an evening peak.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 10, 9, 9, 9, 9, 10, 11, 12, 11, 8, 5, 3)
CATEGORIES = ("Electronics", "Books", "Home", "Garden", "Toys", "Sports", "Fashion", "Music", "Games", "Food")
_ADJ = ("Swift", "Quiet", "Bright", "Classic", "Urban", "Golden", "Smart", "Wild", "Tiny", "Grand", "Solar", "Velvet")
_NOUN = ("Lamp", "Kettle", "Novel", "Drone", "Backpack", "Chair", "Speaker", "Puzzle", "Jacket", "Tent", "Grinder", "Watch")
_FIRST = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Finn",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Mara",
    "Nico",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
    "Zoe",
)
_LAST = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Yilmaz",
)


# The most of each a demo database may hold: a century of history, rows a laptop can generate.
LIMITS = {"users": 10_000_000, "items": 1_000_000, "activities": 1_000_000_000, "months": 1200}


@dataclass(frozen=True)
class DemoSpec:
    """What to generate. `end` is the newest possible activity; `months` of history before it."""

    users: int = 2000
    items: int = 200
    activities: int = 100_000
    months: int = 18
    seed: int = 42
    end: datetime | None = None

    def validate(self) -> None:
        """ValueError for anything out of range, before a single row is written."""
        for name, maximum in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
                raise ValueError(f"--{name} must be a whole number between 1 and {maximum:,}, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ValueError(f"--seed must be a whole number between 0 and {2**63 - 1}, got {self.seed!r}")
        # The history must fit the calendar: generation walks day by day up to the day after the
        # end, and the items predate the history's start by up to 91 days.
        try:
            end = _end_of(self)
            start = end - timedelta(days=round(self.months * 30.44))
            _ = start - timedelta(days=91), end + timedelta(days=2)
        except (OverflowError, ValueError):
            raise ValueError(
                f"--end {self.end.isoformat() if self.end else 'now'} leaves no room for {self.months} months "
                "of history in the calendar (years 1 to 9999)"
            ) from None


Progress = Callable[[str, int, int], None]

# Upper bounds of a DemoSpec (the lower bound is 1): a typo must not start hours of work.
LIMITS = {"users": 10_000_000, "items": 1_000_000, "activities": 1_000_000_000, "months": 1200}


def _end_of(spec: DemoSpec) -> datetime:
    end = spec.end or datetime.now(timezone.utc)
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    return end.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def _signup_times(rng: random.Random, n: int, start: datetime, span: float) -> list[datetime]:
    # Growth: sign-up density rises exponentially (k=1.6 gives ~5x more sign-ups
    # per month at the end than at the start); inverse-CDF sampling, then sorted.
    k = 1.6
    scale = math.expm1(k)
    times = sorted(span * math.log1p(rng.random() * scale) / k for _ in range(n))
    return [start + timedelta(seconds=t) for t in times]


def generate_users(rng: random.Random, spec: DemoSpec, start: datetime, span: float) -> list[NamedRow]:
    rows: list[NamedRow] = []
    for i, created in enumerate(_signup_times(rng, spec.users, start, span), start=1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        rows.append((i, f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@example.com", created))
    return rows


def generate_items(rng: random.Random, spec: DemoSpec, start: datetime) -> list[NamedRow]:
    rows: list[NamedRow] = []
    for i in range(1, spec.items + 1):
        name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {i}"
        rows.append((i, name, rng.choice(CATEGORIES), start - timedelta(days=rng.randint(1, 90))))
    return rows


def generate_activities(
    rng: random.Random, spec: DemoSpec, start: datetime, end: datetime, signups: list[datetime]
) -> Iterator[ActivityRow]:
    """Activity rows in time order: (id, user_id, item_id, action, created_at)."""
    days = max(1, (end - start).days + 1)
    day_starts = [start.replace(hour=0, minute=0, second=0) + timedelta(days=d) for d in range(days)]
    # Activity on a day grows with the number of users signed up by then,
    # shaped by the weekday.
    signed = [bisect.bisect_right(signups, ds + timedelta(days=1)) for ds in day_starts]
    weights = [max(s, 1) * WEEKDAY_FACTOR[ds.weekday()] for s, ds in zip(signed, day_starts)]
    total_w = sum(weights)
    # Distribute the exact total over days with carried rounding.
    counts, carry = [], 0.0
    for w in weights:
        exact = spec.activities * w / total_w + carry
        c = int(exact)
        carry = exact - c
        counts.append(c)
    counts[-1] += spec.activities - sum(counts)
    item_cum = list(itertools.accumulate(1.0 / (r**1.1) for r in range(1, spec.items + 1)))
    item_order = list(range(1, spec.items + 1))
    rng.shuffle(item_order)  # popularity is not the same as item id
    action_cum = list(itertools.accumulate(ACTION_WEIGHTS))
    hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
    next_id = 1
    for ds, count, n_signed in zip(day_starts, counts, signed):
        if count <= 0:
            continue
        n_signed = max(n_signed, 1)
        hours = rng.choices(range(24), cum_weights=hour_cum, k=count)
        # The last day ends at `end`: later draws move to a random earlier second.
        limit = min(86_399, int((end - ds).total_seconds()))
        secs = sorted(s if s <= limit else rng.randrange(limit + 1) for s in (h * 3600 + rng.randrange(3600) for h in hours))
        picks = rng.choices(item_order, cum_weights=item_cum, k=count)
        acts = rng.choices(ACTIONS, cum_weights=action_cum, k=count)
        for s, item_id, action in zip(secs, picks, acts):
            moment = ds + timedelta(seconds=s)
            # Power users: early sign-ups are picked more often (random()**1.4).
            user_id = int(n_signed * rng.random() ** 1.4) + 1
            yield (next_id, user_id, item_id, action, moment)
            next_id += 1


def _sqlite_ts(value: object) -> object:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def _batched(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    while True:
        batch = list(itertools.islice(rows, size))
        if not batch:
            return
        yield batch


def _reset_tables(engine: Engine, replace: bool) -> None:
    existing = set(inspect(engine).get_table_names())
    present = [t for t in (activities, items, users) if t.name in existing]
    if present and not replace:
        with engine.connect() as conn:
            has_rows = any(conn.execute(text(f"SELECT 1 FROM {t.name} LIMIT 1")).first() for t in present)
        if has_rows:
            raise DatabaseError("the database already has users/items/activities; pass --replace to drop and regenerate them")
    with engine.begin() as conn:
        for table in present:  # activities first: it references the others
            conn.execute(DropTable(table))
        for table in (users, items, activities):
            conn.execute(CreateTable(table))  # indexes come after the load


def _insert(
    engine: Engine, table: Table, rows: Iterator[tuple[object, ...]], columns: list[str], progress: Callable[[int], None]
) -> None:
    dialect = engine.dialect.name
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if dialect == "postgresql":
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for n, row in enumerate(rows, start=1):
                    copy.write_row(row)
                    if n % 50_000 == 0:
                        progress(n)
        else:
            mark = "?" if dialect == "sqlite" else "%s"
            if dialect == "sqlite":
                # Store timestamps exactly as SQLAlchemy's DateTime does on SQLite, so
                # string comparisons against bound datetimes are exact.
                rows = (tuple(_sqlite_ts(v) for v in row) for row in rows)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
            done = 0
            for batch in _batched(rows, 20_000):
                cur.executemany(sql, batch)
                done += len(batch)
                progress(done)
        raw.commit()
    finally:
        raw.close()


def load_demo_data(engine: Engine, spec: DemoSpec, *, replace: bool = False, progress: Progress | None = None) -> dict[str, int]:
    """Create the source tables in `engine` and fill them; returns row counts."""
    spec.validate()
    report = progress or (lambda stage, done, total: None)
    rng = random.Random(spec.seed)
    end = _end_of(spec)
    start = end - timedelta(days=round(spec.months * 30.44))
    span = (end - start).total_seconds()
    _reset_tables(engine, replace)
    user_rows = generate_users(rng, spec, start, span)
    signups = [r[3] for r in user_rows]
    _insert(engine, users, iter(user_rows), ["id", "name", "email", "created_at"], lambda n: report("users", n, spec.users))
    _insert(
        engine,
        items,
        iter(generate_items(rng, spec, start)),
        ["id", "name", "category", "created_at"],
        lambda n: report("items", n, spec.items),
    )
    _insert(
        engine,
        activities,
        generate_activities(rng, spec, start, end, signups),
        ["id", "user_id", "item_id", "action", "created_at"],
        lambda n: report("activities", n, spec.activities),
    )
    report("indexes", 0, 1)
    with engine.begin() as conn:
        for table in (users, items, activities):
            for index in table.indexes:
                index.create(conn)
        if engine.dialect.name == "postgresql":
            for table in (users, items, activities):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))")
                )
            conn.execute(text("ANALYZE"))
        elif engine.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
    report("indexes", 1, 1)
    return {"users": spec.users, "items": spec.items, "activities": spec.activities}
