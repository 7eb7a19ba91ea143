"""`tui-analytics source check`: does the mapping work, what does the source hold, do indexes serve.

For each entity: how it is mapped, its row count, the oldest and newest
`created_at`, how the times are stored (and what `auto` decided), and one sample
row (printable, secrets masked). Then each dataset is run as the dashboard runs
it, every statement it sends is captured and explained (`EXPLAIN QUERY PLAN` on
SQLite, `EXPLAIN` elsewhere), and a statement that reads a whole mapped table
where a range or an order should have used an index gets a warning with the
`CREATE INDEX` statement that fixes it. Only reads: the product never creates
an index itself.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
from sqlalchemy.exc import SQLAlchemyError

from tui_analytics.config.source_mapping import ENTITIES
from tui_analytics.data.engines import query_error
from tui_analytics.data.source.entities import Entity, Source
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.errors import DatabaseError, one_line
from tui_analytics.runtime.printable import printable
from tui_analytics.runtime.redact import redact

# The datasets as the dashboard's jobs ask for them.
DATASETS: dict[str, Callable[[AdminAnalyticsOptimizedRepository], object]] = {
    "user-growth": lambda repo: repo.user_growth(12),
    "activity-trends": lambda repo: repo.activity_trends(30),
    "top-items": lambda repo: repo.top_items(10),
    "recent-activity": lambda repo: repo.recent_activity(20),
    "summary": lambda repo: repo.summary(),
}
MAX_NAME = 60  # PostgreSQL cuts identifiers at 63 bytes, MySQL refuses more than 64


@dataclass
class EntityReport:
    entity: str
    mapping: str
    rows: int | None = None
    oldest: str | None = None
    newest: str | None = None
    timestamps: str | None = None
    decided: str | None = None
    sample: dict[str, str] | None = None
    unreadable: int | None = None  # rows whose time is no real date ('2026-02-30'), where that can be told


@dataclass
class PlanReport:
    dataset: str
    plan: list[str]
    scans: list[str] = field(default_factory=list)  # tables read whole where an index should serve
    advice: list[str] = field(default_factory=list)  # CREATE INDEX statements, or what to do instead
    django: list[str] = field(default_factory=list)  # the same indexes as a Django model's Meta.indexes

    @property
    def ok(self) -> bool:
        return not self.scans


@dataclass
class CheckReport:
    source: str
    mapped: bool
    error: str | None = None
    entities: list[EntityReport] = field(default_factory=list)
    plans: list[PlanReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def warnings(self) -> int:
        return sum(not p.ok for p in self.plans)

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "mapped": self.mapped,
            "ok": self.ok,
            "error": self.error,
            "entities": [vars(e) for e in self.entities],
            "plans": [
                {"dataset": p.dataset, "ok": p.ok, "plan": p.plan, "scans": p.scans, "advice": p.advice, "django": p.django}
                for p in self.plans
            ],
            "warnings": self.warnings,
        }


def _shown(value: object) -> str:
    text = redact(printable(str(value)))
    return text if len(text) <= 60 else text[:57] + "..."


def _entity_report(conn: Connection, entity: Entity) -> EntityReport:
    report = EntityReport(entity.name, entity.mapping.describe())
    report.rows = int(conn.execute(select(func.count()).select_from(entity.source)).scalar_one())
    names = [c for c, col in entity.cols.items() if col is not None]
    row = conn.execute(select(*(entity.col(c) for c in names)).select_from(entity.source).limit(1)).first()
    if row is not None:
        report.sample = {name: _shown(value) for name, value in zip(names, row)}
    if entity.time is not None:
        stamp = entity.time
        report.timestamps = stamp.stored.describe()
        report.decided = stamp.stored.decided
        first = select(stamp.raw).select_from(entity.source).where(stamp.raw.is_not(None)).limit(1)
        oldest = conn.execute(first.order_by(stamp.order_expr)).scalar()
        newest = conn.execute(first.order_by(stamp.order_expr.desc())).scalar()
        report.oldest, report.newest = stamp.stored.iso(oldest), stamp.stored.iso(newest)
        bad = stamp.unreadable()
        if bad is not None:
            report.unreadable = int(conn.execute(select(func.count()).select_from(entity.source).where(bad)).scalar_one())
    return report


@contextmanager
def _captured(repo: AdminAnalyticsOptimizedRepository) -> Iterator[list[tuple[str, Any]]]:
    """Every statement this thread sends through the repository's engine, with its parameters."""
    seen: list[tuple[str, Any]] = []
    me = threading.get_ident()

    def before(
        _conn: Connection, _cursor: DBAPICursor, statement: str, parameters: Any, _context: ExecutionContext | None, _many: bool
    ) -> None:
        if threading.get_ident() == me:
            seen.append((statement, parameters))

    event.listen(repo.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(repo.engine, "before_cursor_execute", before)


def _explain(conn: Connection, statement: str, parameters: Any) -> list[Any]:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return [tuple(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    if dialect == "postgresql":
        # With sequential scans priced out, the plan uses an index whenever one can serve: on a
        # small table the planner would scan anyway, and the advice must not depend on the size.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL jit = off")  # those prices would start the JIT compiler for nothing
        return [r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
    result = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    keys = list(result.keys())
    return [dict(zip(keys, r)) for r in result]


def _plan_lines(dialect: str, plan: list[Any]) -> list[str]:
    if dialect == "sqlite":
        return [str(r[3]) for r in plan]
    if dialect == "postgresql":  # the scans and their conditions: what says whether an index serves
        return [str(r).rstrip() for r in plan if re.search(r"Scan|Index Cond", str(r))]
    return [
        " ".join(f"{k}={v}" for k, v in row.items() if v is not None and k in ("table", "type", "key", "rows", "Extra"))
        for row in plan
    ]


def _scanned(dialect: str, plan: list[Any], table: str, ordered: bool, timed: bool = True) -> bool:
    """True when `plan` reads all of `table` (an ordered index scan stopping at a LIMIT is fine).

    `timed`: the statement filters or orders on the table's time column, so a walk through a whole
    index (an unrelated one: a foreign key's) is a scan the time index would avoid; a table only
    joined by id (the users beside recent activity) is judged by its sequential scans alone."""
    bare = table.rpartition(".")[2]
    if dialect == "sqlite":
        return _sqlite_scanned([str(r[3]) for r in plan], bare, ordered)
    if dialect == "postgresql":
        return _postgresql_scanned([str(line) for line in plan], bare, ordered, timed)
    rows = [row for row in plan if str(row.get("table")) == bare]
    if any(row.get("type") == "ALL" for row in rows):
        return True
    # A whole index read ("index") is a scan too, unless it gives the order a LIMIT stops (no filesort).
    return any(
        row.get("type") == "index" and (not ordered or (timed and "filesort" in str(row.get("Extra") or ""))) for row in rows
    )


def _mentions_time(statement: str, entity: Entity) -> bool:
    """True when `statement` names `entity`'s time column (qualified by its table, quoted or not)."""
    table = (entity.table_name or "").rpartition(".")[2]
    column = entity.column_names.get("created_at")
    if not table or not column:
        return False
    quote = '["`]?'
    return re.search(rf"{quote}{re.escape(table)}{quote}\.{quote}{re.escape(column)}\b", statement, re.IGNORECASE) is not None


# A plan node of PostgreSQL's EXPLAIN text: its indent, kind (a scan names its table after "on").
_PG_NODE = re.compile(r"^(?P<indent> *)(?:-> +)?(?P<kind>[A-Z][A-Za-z ]*?)(?: using \S+)?(?: on (?P<table>\S+).*?)?  \(cost=")


def _postgresql_scanned(lines: list[str], bare: str, ordered: bool, timed: bool) -> bool:
    """True when a node reads all of `bare`: a sequential scan, or an index scan with no Index Cond
    (the planner, with sequential scans priced out, walks any index, an unrelated one too, and
    filters every row), unless it is an ordered read a LIMIT stops, with no Sort above it (an
    Incremental Sort only orders ties of the index's order: it stops at the LIMIT too)."""
    parents: list[tuple[int, str]] = []  # (indent, kind) of the nodes above the current line
    scans: list[tuple[str, bool, bool]] = []  # (kind, has an index condition, has a Sort above)
    for line in lines:
        node = _PG_NODE.match(line)
        if node is None:
            if scans and line.strip().startswith(("Index Cond:", "Recheck Cond:")):
                kind, _cond, sorted_above = scans[-1]
                scans[-1] = (kind, True, sorted_above)
            continue
        indent = len(node["indent"])
        while parents and parents[-1][0] >= indent:
            parents.pop()
        kind = node["kind"].removeprefix("Parallel ")
        if node["table"] == bare and "Scan" in kind:
            scans.append((kind, kind.startswith("Bitmap"), any(k == "Sort" for _i, k in parents)))
        else:
            scans.append(("other", True, False))
        parents.append((indent, kind))
    for kind, conditioned, sorted_above in scans:
        if kind.startswith("Seq Scan"):
            return True
        if timed and kind.startswith("Index") and not conditioned and (not ordered or sorted_above):
            return True
    return False


def _sqlite_scanned(details: list[str], bare: str, ordered: bool) -> bool:
    whole = [d for d in details if re.fullmatch(rf"SCAN {re.escape(bare)}( .*)?", d)]
    if not whole:
        return False
    if ordered and all("USING" in d and "INDEX" in d for d in whole):
        return any("TEMP B-TREE FOR ORDER BY" in d for d in details)
    return True


def _index_advice(repo: AdminAnalyticsOptimizedRepository, entity: Entity) -> str:
    stamp = entity.time
    if stamp is not None and stamp.compare_form != stamp.stored.form:
        return (
            f"{entity.name}: its times are text, compared through a cast on {repo.dialect}, which no index "
            "serves; store them as DATETIME/TIMESTAMP, or map a query that exposes such a column"
        )
    if entity.table_name is None:
        return (
            f"{entity.name} come from a query: index the time column of the table it reads "
            "(with the item and user columns after it, for activities)"
        )
    wanted, name = _index_of(entity)
    quote = repo.engine.dialect.identifier_preparer.quote
    schema, _, table = (entity.table_name or "").rpartition(".")
    target = (f"{quote(schema)}." if schema else "") + quote(table)
    # On PostgreSQL, CONCURRENTLY builds it without locking out the application's writes (a live
    # table); it cannot run inside a transaction block.
    how = "CREATE INDEX CONCURRENTLY" if repo.dialect == "postgresql" else "CREATE INDEX"
    return f"{how} {quote(name)} ON {target} ({', '.join(quote(c) for c in wanted)});"


def _index_of(entity: Entity) -> tuple[list[str], str]:
    """The columns an index on `entity` needs, and its name."""
    names = entity.column_names
    wanted = [names["created_at"], names["item_id"], names["user_id"]] if entity.name == "activities" else [names["created_at"]]
    table = (entity.table_name or "").rpartition(".")[2]
    name = "ix_" + "_".join([table, *wanted]).lower()
    return wanted, re.sub(r"[^a-z0-9_]", "_", name)[:MAX_NAME]


DJANGO_NAME = 30  # Django refuses a longer Index name (models.E034)


def _django_advice(entity: Entity) -> str | None:
    """The index as a Django model declares it, for a table (a query or text times: None)."""
    stamp = entity.time
    if entity.table_name is None or (stamp is not None and stamp.compare_form != stamp.stored.form):
        return None
    wanted, name = _index_of(entity)
    if len(name) > DJANGO_NAME:
        name = name[: DJANGO_NAME - 9] + "_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    # A foreign key's column is its field's name plus "_id"; Django's fields name the field.
    fields = ", ".join(f'"{c.removesuffix("_id")}"' for c in wanted)
    return f'Django: class Meta: indexes = [models.Index(fields=[{fields}], name="{name}")]'


def _plans(repo: AdminAnalyticsOptimizedRepository, source: Source) -> list[PlanReport]:
    reports = []
    judged = [e for e in (source.activities, source.users) if e.table_name is not None or e.time is not None]
    for dataset, run in DATASETS.items():
        with _captured(repo) as seen:
            run(repo)
        report = PlanReport(dataset, [])
        for statement, parameters in seen:
            upper = statement.upper()
            if "WHERE" not in upper and "ORDER BY" not in upper:
                continue  # a count of every row (the summary's totals): whole by design
            with repo.engine.connect() as conn:
                plan = _explain(conn, statement, parameters)
                conn.rollback()
            report.plan.extend(_plan_lines(repo.dialect, plan))
            ordered = "LIMIT" in upper and "GROUP BY" not in upper
            for entity in judged:
                tables = [entity.table_name] if entity.table_name else []
                timed = _mentions_time(statement, entity)
                if tables and _scanned(repo.dialect, plan, tables[0], ordered, timed) and tables[0] not in report.scans:
                    report.scans.append(tables[0])
                    report.advice.append(_index_advice(repo, entity))
                    django = _django_advice(entity)
                    if django is not None:
                        report.django.append(django)
        reports.append(report)
    return reports


def check_source(repo: AdminAnalyticsOptimizedRepository, *, mapped: bool) -> CheckReport:
    """The whole check (blocking). Failures of the mapping go into the report, not out as errors."""
    report = CheckReport(repo.url_masked, mapped)
    try:
        source = repo.source
    except DatabaseError as exc:
        report.error = one_line(exc)
        return report
    try:
        with repo.engine.connect() as conn:
            for name in ENTITIES:
                try:
                    report.entities.append(_entity_report(conn, source.entity(name)))
                except SQLAlchemyError as exc:
                    conn.rollback()
                    # query_error names the time limit when the watchdog stopped the statement
                    report.error = f"{name}: {one_line(query_error(repo.url, exc))}"
                    return report
        report.plans = _plans(repo, source)
    except SQLAlchemyError as exc:
        report.error = one_line(query_error(repo.url, exc))
    except DatabaseError as exc:
        report.error = one_line(exc)
    return report
