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
    with engine.begin() as conn:
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
