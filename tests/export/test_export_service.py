"""AnalyticsExportService: the five exports, options, date ranges, files, threads."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import re
import threading
import time
from datetime import date, datetime, timezone
from itertools import product
from typing import TypeVar

import pytest

from tests.support.processor_fakes import FakeRepository
from tui_analytics import AnalyticsExportService, DateRange, ExportOptions, ExportResult
from tui_analytics.data.engines import new_engine
from tui_analytics.data.schema import activities, items, source_metadata, users
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.data.source.rows import RecentActivityRow
from tui_analytics.export import CONTENT_TYPES, DATASETS
from tui_analytics.runtime.errors import ExportOptionsError

T = TypeVar("T")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
SECTIONS = ["summary", "userGrowth", "activityTrends", "topItems", "recentActivity"]


def strict_json(text: str | bytes):
    assert isinstance(text, str), "uncompressed exports are text"
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))


def payload_text(result: ExportResult) -> str:
    raw = result.to_bytes()
    if result.content_encoding == "gzip":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def csv_rows(text: str | bytes) -> list[list[str]]:
    assert isinstance(text, str), "uncompressed exports are text"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


async def run_export(service: AnalyticsExportService, dataset: str, options: ExportOptions) -> ExportResult:
    if dataset == "user-growth":
        return await service.export_user_growth_trends(6, options)
    if dataset == "activity-trends":
        return await service.export_activity_trends(7, options)
    if dataset == "top-items":
        return await service.export_top_items(5, options)
    if dataset == "recent-activity":
        return await service.export_recent_activity(25, options)
    return await service.export_comprehensive_report(options)


@pytest.fixture
def service(repository, settings, frozen_clock):
    return AnalyticsExportService(repository, settings=settings, clock=frozen_clock)


# -- every option combination -------------------------------------------------------

COMBINATIONS = [
    (dataset, fmt, meta, gz, bom)
    for dataset, fmt, meta, gz, bom in product(DATASETS, ("csv", "json"), (False, True), (False, True), (False, True))
    if not (fmt == "json" and bom)
]


@pytest.mark.parametrize(("dataset", "fmt", "meta", "gz", "bom"), COMBINATIONS)
async def test_every_option_combination(service, dataset, fmt, meta, gz, bom):
    options = ExportOptions(format=fmt, include_metadata=meta, compression=gz, excel_bom=bom)
    result = await run_export(service, dataset, options)

    ext = {"csv": r"\.csv", "json": r"\.json"}[fmt] + (r"\.gz" if gz else "")
    assert re.fullmatch(rf"{dataset}_20260115T120000Z{ext}", result.filename)
    assert result.content_type == CONTENT_TYPES[fmt]
    assert result.timestamp == NOW
    assert isinstance(result.data, bytes if gz else str)
    assert result.size == len(result.to_bytes())
    text = payload_text(result)
    assert text.startswith("\ufeff") == bom

    if fmt == "csv":
        rows = csv_rows(text)
        assert len(rows) - 1 == result.record_count > 0
        assert all(len(r) == len(rows[0]) for r in rows)
        assert (result.metadata is not None) == meta
        if meta:
            assert result.metadata is not None
            assert result.metadata["totalRecords"] == result.record_count
            assert result.metadata["exportFormat"] == "csv"
    else:
        doc = strict_json(text)
        if meta:
            assert set(doc) == {"metadata", "data"}
            assert doc["metadata"] == {
                "generatedAt": "2026-01-15T12:00:00+00:00",
                "dateRange": None,
                "totalRecords": result.record_count,
                "exportFormat": "json",
                "version": "1.0",
            }
            doc = doc["data"]
        if dataset == "comprehensive":
            assert list(doc) == SECTIONS
        else:
            assert isinstance(doc, list) and len(doc) == result.record_count


async def test_gzip_round_trip_gives_the_uncompressed_export(service):
    for fmt in ("csv", "json"):
        plain = await service.export_top_items(10, ExportOptions(format=fmt, include_metadata=True))
        packed = await service.export_top_items(10, ExportOptions(format=fmt, include_metadata=True, compression=True))
        assert gzip.decompress(packed.data) == plain.data.encode("utf-8")
        assert packed.content_encoding == "gzip" and plain.content_encoding is None


async def test_dataset_columns_and_sizes(service):
    growth = strict_json((await service.export_user_growth_trends(6, ExportOptions(format="json"))).data)
    assert [r["month"] for r in growth] == ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01"]
    assert list(growth[0]) == ["month", "newUsers", "totalUsers"]
    trends = csv_rows((await service.export_activity_trends(7, ExportOptions())).data)
    assert trends[0] == ["date", "activities", "activeUsers"] and len(trends) == 8
    assert trends[-1][0] == "2026-01-15"
    top = csv_rows((await service.export_top_items(3, ExportOptions())).data)
    assert top[0] == ["rank", "itemId", "name", "category", "interactions", "uniqueUsers"]
    assert [r[0] for r in top[1:]] == ["1", "2", "3"]
    recent = strict_json((await service.export_recent_activity(20, ExportOptions(format="json"))).data)
    assert len(recent) == 20
    assert list(recent[0]) == ["timestamp", "userId", "userName", "action", "itemId", "itemName"]
    stamps = [datetime.fromisoformat(r["timestamp"]) for r in recent]
    assert all(s.utcoffset() is not None for s in stamps) and stamps == sorted(stamps, reverse=True)


# -- comprehensive ---------------------------------------------------------------------


async def test_comprehensive_csv_is_one_table_with_a_section_column(service, repository):
    result = await service.export_comprehensive_report(ExportOptions(format="csv"))
    rows = csv_rows(result.data)
    header, body = rows[0], rows[1:]
    assert header[0] == "section"
    assert rows.count(header) == 1  # one header: not several tables glued together
    assert all(len(r) == len(header) for r in body)
    assert [s for s in dict.fromkeys(r[0] for r in body)] == SECTIONS
    col = {name: i for i, name in enumerate(header)}
    for name in (
        "summary.totalUsers",
        "summary.activeUsers",
        "summary.totalItems",
        "summary.totalActivities",
        "userGrowth.month",
        "activityTrends.date",
        "topItems.name",
        "recentActivity.timestamp",
    ):
        assert name in col
    summary_row = next(r for r in body if r[0] == "summary")
    expected = repository.summary()
    assert summary_row[col["summary.totalUsers"]] == str(expected["totalUsers"])
    assert summary_row[col["summary.totalActivities"]] == str(expected["totalActivities"])
    assert summary_row[col["topItems.name"]] == ""  # other sections' columns stay empty


async def test_comprehensive_json_matches_csv_sections(service):
    options = ExportOptions(format="json", include_metadata=True)
    doc = strict_json((await service.export_comprehensive_report(options)).data)
    body = csv_rows((await service.export_comprehensive_report(ExportOptions())).data)[1:]
    counts = {s: sum(1 for r in body if r[0] == s) for s in SECTIONS}
    assert counts["summary"] == 1
    for key in SECTIONS[1:]:
        assert len(doc["data"][key]) == counts[key] > 0
    assert doc["metadata"]["totalRecords"] == len(body)
    assert doc["data"]["summary"]["totalUsers"] > 0


# -- validation ---------------------------------------------------------------------------

BAD_OPTIONS = [
    (ExportOptions(format="ods"), "unknown export format 'ods'"),
    (ExportOptions(format="CSV "), "unknown export format"),
    (ExportOptions(date_range=DateRange(date(2026, 1, 31), date(2026, 1, 1))), "must be before end"),
    (ExportOptions(date_range=DateRange(NOW, NOW)), "must be before end"),
    # Wrong types on purpose: what an untyped caller could pass.
    (ExportOptions(date_range=("2026-01-01", "2026-01-31")), "must be a DateRange"),  # type: ignore[arg-type]
    (ExportOptions(date_range=DateRange("2026-01-01", "2026-01-31")), "dates or datetimes"),  # type: ignore[arg-type]
    (ExportOptions(include_metadata="yes"), "include_metadata must be true or false"),  # type: ignore[arg-type]
    (ExportOptions(compression=1), "compression must be true or false"),  # type: ignore[arg-type]
    (ExportOptions(format="json", excel_bom=True), "CSV only"),
    ({"format": "csv"}, "must be ExportOptions"),
]


class RecordingRepository(FakeRepository):
    """The fake repository, also recording which thread each call ran in and how many are under way;
    its recent activity carries names a spreadsheet would run as formulas."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.idents: list[int] = []
        self.delay = delay
        self.in_query = 0  # calls under way right now

    def _call(self, method: str, result: T, **kwargs: object) -> T:
        self.idents.append(threading.get_ident())
        self.in_query += 1
        try:
            time.sleep(self.delay)
            return super()._call(method, result, **kwargs)
        finally:
            self.in_query -= 1

    def recent_activity(self, limit: int = 20, date_range: DateRange | None = None) -> list[RecentActivityRow]:
        return self._call(
            "recent_activity",
            [
                {
                    "timestamp": "2026-01-15T11:00:00+00:00",
                    "userId": 1,
                    "userName": "=cmd|' /C calc'!A0",
                    "action": "view",
                    "itemId": 2,
                    "itemName": "-2+3",
                }
            ],
            limit=limit,
        )


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
async def test_invalid_options_say_what_is_wrong_and_query_nothing(options, message):
    repo = RecordingRepository()
    service = AnalyticsExportService(repo, clock=None)
    assert service.validate_export_options(options) is False
    with pytest.raises(ExportOptionsError, match=re.escape(message)) as info:
        await service.export_top_items(10, options)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)
    assert repo.calls == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.export_user_growth_trends(0, ExportOptions()), "months must be between 1"),
        (lambda s: s.export_activity_trends(-3, ExportOptions()), "days must be between 1"),
        (lambda s: s.export_top_items(True, ExportOptions()), "limit must be a whole number"),
        (lambda s: s.export_recent_activity("20", ExportOptions()), "limit must be a whole number"),
        (lambda s: s.export_dataset("users", ExportOptions()), "unknown dataset 'users'"),
    ],
)
async def test_invalid_sizes_and_datasets(call, message):
    repo = RecordingRepository()
    with pytest.raises(ExportOptionsError, match=re.escape(message)):
        await call(AnalyticsExportService(repo))
    assert repo.calls == []


@pytest.mark.parametrize(
    "options",
    [
        ExportOptions(),
        ExportOptions(format="json", include_metadata=True, compression=True),
        ExportOptions(date_range=DateRange(date(2026, 1, 1), date(2026, 1, 1))),  # one whole day
        ExportOptions(date_range=DateRange(datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 0, 1))),
    ],
)
def test_valid_options(options):
    assert AnalyticsExportService(RecordingRepository()).validate_export_options(options) is True


# -- off the event loop --------------------------------------------------------------------


async def test_queries_run_in_worker_threads_and_the_loop_keeps_ticking():
    repo = RecordingRepository(delay=0.05)
    service = AnalyticsExportService(repo, clock=None)
    loop_thread = threading.get_ident()
    ticks_during_queries = 0
    done = asyncio.Event()

    async def ticker():
        nonlocal ticks_during_queries
        while not done.is_set():
            ticks_during_queries += repo.in_query > 0
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await service.export_comprehensive_report(ExportOptions(format="json"))
    done.set()
    await task
    assert len(repo.calls) == 5
    assert len(repo.idents) == 5 and loop_thread not in repo.idents
    assert ticks_during_queries > 0  # the loop ran other tasks while a query was under way


async def test_formula_cells_from_the_database_are_neutralised():
    service = AnalyticsExportService(RecordingRepository())
    rows = csv_rows((await service.export_recent_activity(1, ExportOptions())).data)
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    assert rows[1][5] == "'-2+3"
    assert rows[1][1] == "1"


# -- configuration and lazy repository --------------------------------------------------------


async def test_without_a_repository_it_opens_the_configured_one_lazily(settings, monkeypatch, tmp_path, frozen_clock):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    service = AnalyticsExportService(clock=frozen_clock)
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "elsewhere"))  # read at creation only
    assert service._repository is None
    assert service.export_dir == settings.data_dir / "exports"
    result = await service.export_top_items(3, ExportOptions())
    assert len(csv_rows(result.data)) == 4
    repository = service.repository
    assert isinstance(repository, AdminAnalyticsOptimizedRepository)
    assert repository.url_masked.endswith("demo.sqlite3")
    assert repository.clock is frozen_clock
    path = await service.save(result)
    assert path.parent == settings.data_dir / "exports" and path.read_bytes() == result.to_bytes()
    assert not (tmp_path / "elsewhere").exists()


async def test_save_with_an_operator_name_stays_in_the_export_dir(service, settings):
    result = await service.export_top_items(3, ExportOptions(compression=True))
    path = await service.save(result, "Weekly top items")
    assert path == settings.resolved_export_dir / "Weekly top items.csv.gz"
    with pytest.raises(ExportOptionsError):
        await service.save(result, "../../outside")


# -- date ranges: rows at both edges ------------------------------------------------------------


def naive(*args):
    return datetime(*args)


@pytest.fixture
def edge_repository(tmp_path, frozen_clock):
    """A tiny source DB with rows just outside and exactly on the edges of 2026-01-10..2026-01-12."""
    url = f"sqlite:///{tmp_path / 'edges.sqlite3'}"
    engine = new_engine(url)
    source_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            users.insert(),
            [
                {"id": 1, "name": "Ada", "email": "a@x", "created_at": naive(2025, 1, 1)},
                {"id": 2, "name": "Ben", "email": "b@x", "created_at": naive(2025, 1, 1)},
                {"id": 3, "name": "Cy", "email": "c@x", "created_at": naive(2026, 1, 10)},  # on start: in
                {"id": 4, "name": "Di", "email": "d@x", "created_at": naive(2026, 1, 12)},  # on end: out
                {"id": 5, "name": "Ed", "email": "e@x", "created_at": naive(2026, 1, 9, 23, 59, 59)},  # before: out
            ],
        )
        conn.execute(
            items.insert(),
            [
                {"id": 1, "name": "Lamp", "category": "Home", "created_at": naive(2024, 1, 1)},
                {"id": 2, "name": "Kettle", "category": "Home", "created_at": naive(2024, 1, 1)},
            ],
        )
        conn.execute(
            activities.insert(),
            [
                {"id": 1, "user_id": 1, "item_id": 1, "action": "view", "created_at": naive(2026, 1, 9, 23, 59, 59)},
                {"id": 2, "user_id": 1, "item_id": 2, "action": "click", "created_at": naive(2026, 1, 10)},
                {"id": 3, "user_id": 2, "item_id": 2, "action": "like", "created_at": naive(2026, 1, 11, 23, 59, 59)},
                {"id": 4, "user_id": 1, "item_id": 1, "action": "view", "created_at": naive(2026, 1, 12)},
            ],
        )
    engine.dispose()
    return AdminAnalyticsOptimizedRepository(url, clock=frozen_clock)


EDGE_RANGES = [
    DateRange(datetime(2026, 1, 10, tzinfo=timezone.utc), datetime(2026, 1, 12, tzinfo=timezone.utc)),
    DateRange(date(2026, 1, 10), date(2026, 1, 11)),  # a date end includes that day
]


@pytest.mark.parametrize("rng", EDGE_RANGES)
async def test_date_range_excludes_rows_at_both_edges(edge_repository, frozen_clock, rng):
    service = AnalyticsExportService(edge_repository, clock=frozen_clock)
    opts = ExportOptions(format="json", date_range=rng, include_metadata=True)

    recent = strict_json((await service.export_recent_activity(100, opts)).data)
    assert [r["timestamp"] for r in recent["data"]] == ["2026-01-11T23:59:59+00:00", "2026-01-10T00:00:00+00:00"]
    assert recent["metadata"]["dateRange"] == rng.label()

    trends = strict_json((await service.export_activity_trends(30, opts)).data)["data"]
    assert [(r["date"], r["activities"]) for r in trends] == [("2026-01-10", 1), ("2026-01-11", 1)]

    top = strict_json((await service.export_top_items(10, opts)).data)["data"]
    assert [(r["itemId"], r["interactions"], r["uniqueUsers"]) for r in top] == [(2, 2, 2)]

    growth = strict_json((await service.export_user_growth_trends(12, opts)).data)["data"]
    assert growth == [{"month": "2026-01", "newUsers": 1, "totalUsers": 4}]

    report = strict_json((await service.export_comprehensive_report(opts)).data)["data"]
    assert report["summary"]["totalActivities"] == 2
    assert len(report["recentActivity"]) == 2

    csv_recent = csv_rows((await service.export_recent_activity(100, ExportOptions(date_range=rng))).data)
    assert [r[0] for r in csv_recent[1:]] == ["2026-01-11T23:59:59+00:00", "2026-01-10T00:00:00+00:00"]


async def test_date_range_on_the_demo_database(service, repository):
    rng = DateRange(date(2026, 1, 5), date(2026, 1, 7))
    result = await service.export_recent_activity(100_000, ExportOptions(date_range=rng))
    rows = csv_rows(result.data)[1:]
    with repository.engine.connect() as conn:
        expected = conn.exec_driver_sql(
            "SELECT count(*) FROM activities WHERE created_at >= '2026-01-05' AND created_at < '2026-01-08'"
        ).scalar_one()
    assert len(rows) == expected > 0
    stamps = [datetime.fromisoformat(r[0]) for r in rows]
    assert min(stamps) >= rng.start_utc and max(stamps) < rng.end_utc


async def test_export_to_file_streams_into_the_export_dir(service, settings):
    progress = []
    options = ExportOptions(include_metadata=True, compression=True)
    first = await service.export_to_file("recent-activity", None, options, on_progress=lambda r, b: progress.append(r))
    second = await service.export_to_file("recent-activity", None, options)
    assert first.path.parent == settings.resolved_export_dir
    assert first.path.name == "recent-activity_20260115T120000Z.csv.gz"
    assert second.path.name == "recent-activity_20260115T120000Z-2.csv.gz"  # never replaces a file
    rows = csv_rows(gzip.decompress(first.path.read_bytes()).decode())
    assert first.rows == len(rows) - 1 == 20_000
    assert first.size == first.path.stat().st_size
    assert progress[-1] == 20_000 and progress[0] == 10_000
    assert json.loads(first.metadata_path.read_text())["totalRecords"] == 20_000


async def test_export_to_file_writes_small_datasets_to_a_given_path(service, tmp_path):
    target = tmp_path / "reports" / "growth.json"
    target.parent.mkdir()  # a path's directory must exist (as for a shell redirect)
    done = await service.export_to_file("user-growth", target, ExportOptions(format="json"), size=3)
    assert done.path == target and done.rows == 3 and done.metadata_path is None
    assert [r["month"] for r in json.loads(target.read_text())] == ["2025-11", "2025-12", "2026-01"]
