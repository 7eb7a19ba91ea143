"""`tui-analytics source check` on a mapped SQLite file (and PostgreSQL): what it reports, index
advice that goes away once followed, exit 1 for a mapping that does not work, and no writes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.support import foreign
from tests.support.constants import POSTGRES_URL
from tui_analytics.cli import main
from tui_analytics.data.engines import dispose_all, new_engine

UTC = timezone.utc
ROWS = foreign.make_rows([datetime(2026, 11, 10, 17, 45, 2, tzinfo=UTC)])


def _check(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["--config", str(config), "source", "check", *extra])
    dispose_all()  # the next run sees indexes made in between with a fresh connection
    return code, capsys.readouterr().out


def _shop(tmp_path: Path, storage: str = "sqlite-django-text", *, index: bool = False) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    engine = new_engine(url)
    foreign.build(engine, foreign.STORAGES[storage], ROWS, index=index)
    with engine.connect() as conn:  # as Django leaves a database: a rollback journal, not WAL
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    config = foreign.write_config(tmp_path / "shop.toml", url, foreign.mapping(foreign.STORAGES[storage]))
    return url, config


def _run_advice(url: str, report: dict[str, Any]) -> list[str]:
    statements = sorted({a for p in report["plans"] for a in p["advice"]})
    engine = new_engine(url)
    # As a shell would run them: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()
    return statements


def test_check_reports_entities_and_advises_the_missing_indexes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    url, config = _shop(tmp_path)
    code, out = _check(config, capsys, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] and report["mapped"] and report["error"] is None
    users, items, acts = report["entities"]
    assert users["mapping"] == "table srcmap_auth_user (name=username, created_at=date_joined)"
    assert (users["rows"], items["rows"], acts["rows"]) == (len(ROWS.users), len(ROWS.products), len(ROWS.events))
    assert acts["oldest"] == min(e[4] for e in ROWS.events).isoformat()
    assert acts["newest"] == max(e[4] for e in ROWS.events).isoformat()
    assert acts["timestamps"] == "text 'YYYY-MM-DD HH:MM:SS[.f]', read in UTC"
    assert acts["decided"].startswith("auto: ")
    assert items["mapping"].startswith("query SELECT t.id AS id") and items["timestamps"] is None
    assert set(acts["sample"]) == {"id", "user_id", "item_id", "action", "created_at"}
    warned = {p["dataset"]: p for p in report["plans"] if not p["ok"]}
    assert set(warned) == {"user-growth", "activity-trends", "top-items", "recent-activity", "summary"}
    covering = "CREATE INDEX ix_srcmap_events_occurred_at_product_account ON srcmap_events (occurred_at, product, account);"
    assert warned["top-items"]["advice"] == [covering]
    assert report["warnings"] == 5
    assert _run_advice(url, report) == ["CREATE INDEX ix_srcmap_auth_user_date_joined ON srcmap_auth_user (date_joined);", covering]
    code, out = _check(config, capsys, "--json")
    after = json.loads(out)
    assert code == 0 and after["warnings"] == 0 and all(p["ok"] and not p["advice"] for p in after["plans"])
    assert any("USING COVERING INDEX ix_srcmap_events" in line for p in after["plans"] for line in p["plan"])


def test_check_text_names_the_index_to_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    _url, config = _shop(tmp_path, "sqlite-epoch")
    code, out = _check(config, capsys)
    assert code == 0
    assert 'timestamps: epoch seconds (integer) (timestamps = "epoch")' in out
    assert "top-items        WARNING: reads all of srcmap_events" in out
    assert "CREATE INDEX ix_srcmap_events_occurred_at_product_account ON srcmap_events" in out
    assert out.rstrip().endswith("(run the CREATE INDEX above)")


def test_check_never_writes_to_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    _url, config = _shop(tmp_path)
    source = tmp_path / "shop.sqlite3"
    before = hashlib.sha256(source.read_bytes()).hexdigest(), sorted(p.name for p in tmp_path.iterdir())
    assert _check(config, capsys)[0] == 0
    assert (hashlib.sha256(source.read_bytes()).hexdigest(), sorted(p.name for p in tmp_path.iterdir())) == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"users": {"table": "srcmap_auth_user", "columns": {"id": "id", "name": "username", "created_at": "joined"}}},
            ["[source.users]", "no column joined (for created_at)", "date_joined"],
        ),
        (
            {"items": {"query": "SELECT t.id AS id, t.title FROM srcmap_product t"}},
            ["[source.items] query yields no column name", "use AS name"],
        ),
        ({"activities": {"table": "srcmap_nothing"}}, ["[source.activities]", "no table srcmap_nothing"]),
        (
            {"activities": {**foreign.mapping()["activities"], "timestamps": "epoch"}},
            ["[source.activities] created_at (occurred_at)", 'timestamps = "epoch"', "text"],
        ),
    ],
)
def test_a_mapping_that_does_not_work_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, change: dict, words: list[str]
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    url, _config = _shop(tmp_path)
    config = foreign.write_config(tmp_path / "bad.toml", url, {**foreign.mapping(), **change})
    code, out = _check(config, capsys, "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    for word in words:
        assert word in report["error"]
    code, out = _check(config, capsys)
    assert code == 1 and out.strip().splitlines()[-1].startswith("the mapping does not work: [source.")


@pytest.mark.slow
@pytest.mark.xdist_group("database-servers")
@pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
def test_check_on_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    assert POSTGRES_URL
    engine = new_engine(POSTGRES_URL)
    foreign.build(engine, foreign.STORAGES["postgresql"], ROWS, index=False)
    try:
        config = foreign.write_config(tmp_path / "pg.toml", POSTGRES_URL, foreign.mapping())
        code, out = _check(config, capsys, "--json")
        report = json.loads(out)
        assert code == 0 and report["entities"][2]["timestamps"] == "timestamp with time zone"
        assert not {p["dataset"]: p for p in report["plans"]}["top-items"]["ok"]
        _run_advice(POSTGRES_URL, report)
        code, out = _check(config, capsys, "--json")
        assert code == 0 and json.loads(out)["warnings"] == 0
    finally:
        foreign.drop(engine)
        engine.dispose()


@pytest.mark.slow
@pytest.mark.xdist_group("database-servers")
@pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
def test_a_whole_table_read_through_an_unrelated_index_is_a_scan_on_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Django leaves a table: an index per foreign key and none on the time. With sequential
    scans priced out, PostgreSQL walks a foreign key's index with no condition: all of the table."""
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    assert POSTGRES_URL
    engine = new_engine(POSTGRES_URL)
    foreign.build(engine, foreign.STORAGES["postgresql"], ROWS, index=False)
    p = foreign.PREFIX
    with engine.begin() as conn:
        conn.execute(text(f"CREATE INDEX {p}events_product ON {p}events (product)"))
        conn.execute(text(f"CREATE INDEX {p}events_account ON {p}events (account)"))
    try:
        config = foreign.write_config(tmp_path / "pg.toml", POSTGRES_URL, foreign.mapping())
        code, out = _check(config, capsys, "--json")
        plans = {p["dataset"]: p for p in json.loads(out)["plans"]}
        for dataset in ("top-items", "recent-activity", "activity-trends"):
            assert not plans[dataset]["ok"], plans[dataset]["plan"]
            assert plans[dataset]["scans"] == [f"{p}events"]  # the users joined by id are not a scan
        advice = plans["top-items"]["advice"]
        assert advice == [
            f"CREATE INDEX CONCURRENTLY ix_{p}events_occurred_at_product_account ON {p}events (occurred_at, product, account);"
        ]
        django = plans["top-items"]["django"][0]
        assert django.startswith('Django: class Meta: indexes = [models.Index(fields=["occurred_at", "product", "account"], name="')
        assert len(django.split('name="')[1].split('"')[0]) <= 30  # Django's limit for an index name
        _run_advice(POSTGRES_URL, json.loads(out))
        code, out = _check(config, capsys, "--json")
        assert code == 0 and json.loads(out)["warnings"] == 0, out
        code, out = _check(config, capsys)
        assert "recent-activity  ok" in out and "top-items        ok" in out
    finally:
        foreign.drop(engine)
        engine.dispose()


PG_FOREIGN_KEY_WALK = """Limit  (cost=10000000142.79..10000000142.82 rows=10 width=24)
  ->  Sort  (cost=10000000142.79..10000000142.82 rows=13 width=24)
        Sort Key: (count(*)) DESC, ((shop_event.item_id IS NULL)), shop_event.item_id
        ->  GroupAggregate  (cost=0.28..142.52 rows=13 width=24)
              Group Key: shop_event.item_id
              ->  Index Scan using shop_event_item_id_3c1b5b8e on shop_event  (cost=0.28..142.32 rows=13 width=8)
                    Filter: ((created_at >= '2026-11-08 00:00:00+00'::timestamp with time zone))"""
PG_ORDERED_BY_THE_TIME_INDEX = """Limit  (cost=0.28..1.49 rows=20 width=78)
  ->  Incremental Sort  (cost=0.28..157.81 rows=2502 width=78)
        Sort Key: shop_event.created_at DESC, shop_event.id DESC
        Presorted Key: shop_event.created_at
        ->  Index Scan Backward using ix_shop_event_created_at on shop_event  (cost=0.28..157.81 rows=2502 width=78)"""
PG_SORTED_AFTER_A_WALK = """Limit  (cost=1.49..1.50 rows=20 width=78)
  ->  Sort  (cost=1.49..1.50 rows=2502 width=78)
        Sort Key: shop_event.created_at DESC, shop_event.id DESC
        ->  Index Scan using shop_event_user_id_9a8c7e2d on shop_event  (cost=0.28..157.81 rows=2502 width=78)"""
PG_RANGE = """Bitmap Heap Scan on shop_event  (cost=4.41..22.31 rows=13 width=36)
  Recheck Cond: ((created_at >= '2026-11-09 00:00:00+00') AND (created_at < '2026-12-08 00:00:00+00'))
  ->  Bitmap Index Scan on ix_shop_event_created_at  (cost=0.00..4.41 rows=13 width=0)
        Index Cond: ((created_at >= '2026-11-09 00:00:00+00') AND (created_at < '2026-12-08 00:00:00+00'))"""


@pytest.mark.parametrize(
    ("plan", "ordered", "timed", "whole"),
    [
        (PG_FOREIGN_KEY_WALK, False, True, True),
        (PG_ORDERED_BY_THE_TIME_INDEX, True, True, False),
        (PG_SORTED_AFTER_A_WALK, True, True, True),
        (PG_SORTED_AFTER_A_WALK, True, False, False),  # a table joined by id: its index walk is not the time's
        (PG_RANGE, False, True, False),
        ("Seq Scan on shop_event  (cost=0.00..43.02 rows=2489 width=8)", False, False, True),
    ],
    ids=["foreign-key-walk", "ordered-by-time-index", "sorted-after-walk", "joined-by-id", "range", "seq-scan"],
)
def test_postgresql_plans_are_judged_by_their_conditions(plan: str, ordered: bool, timed: bool, whole: bool) -> None:
    from tui_analytics.data.source.check import _scanned

    assert _scanned("postgresql", plan.splitlines(), "public.shop_event", ordered, timed) is whole


RUNAWAY_ITEMS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    f"SELECT t.id AS id, t.title AS name FROM {foreign.PREFIX}product t, (SELECT count(*) AS n FROM c) k WHERE k.n > 0"
)
RUNAWAY_USERS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    f"SELECT u.id AS id, u.username AS name, u.date_joined AS created_at FROM {foreign.PREFIX}auth_user u, "
    "(SELECT count(*) AS n FROM c) k WHERE k.n > 0"
)


@pytest.mark.parametrize(("entity", "query"), [("items", RUNAWAY_ITEMS), ("users", RUNAWAY_USERS)], ids=["items", "users"])
def test_a_mapped_query_stopped_at_the_time_limit_is_reported_as_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, entity: str, query: str
) -> None:
    """The watchdog interrupts SQLite's statement; the report names the limit and its setting, not
    "(sqlite3.OperationalError) interrupted [SQL: ...]"."""
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    url, _ = _shop(tmp_path)
    mapping = foreign.mapping(foreign.STORAGES["sqlite-django-text"])
    mapping[entity] = {"query": query}
    config = foreign.write_config(tmp_path / "slow.toml", url, mapping)
    config.write_text("query_timeout = 1\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = _check(config, capsys, "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    error = report["error"]
    assert "took longer than the 1 s limit (TUI_ANALYTICS_QUERY_TIMEOUT) and was stopped" in error, error
    assert "interrupted" not in error and "[SQL:" not in error and "\n" not in error
