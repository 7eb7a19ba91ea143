"""XLSX exports: read back by openpyxl, cell by cell the CSV export's values, typed; formula-like
text as text cells (also behind NUL and control characters), here and in LibreOffice; one sheet
per dataset; the header frozen; widths from content; rows past Excel's limit on a next sheet."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from benchmarks.xlsx_check import compare, unescape
from tui_analytics.cli import main
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import new_engine
from tui_analytics.export import AnalyticsExportService, ExportOptions, check_export_options, render_export, xlsxfmt
from tui_analytics.export.csvfmt import neutralise
from tui_analytics.export.stream import stream_rows

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\x00=1+1",
    "\x01\x02@x",
    " =1+1",
    "\u00a0=2+2",
    '=HYPERLINK("http://x.example","y")',
    "=cmd|' /C calc'!A0",
]


@pytest.fixture
def berlin(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "Europe/Berlin")
    return replace(settings, timezone_name="Europe/Berlin")


def _payload_user(settings: Settings) -> None:
    """A user per payload in the demo source, each with one activity (the newest rows)."""
    engine = new_engine(settings.source_url)
    with engine.begin() as conn:
        top = conn.exec_driver_sql("SELECT max(id) FROM users").scalar_one()
        item = conn.exec_driver_sql("SELECT min(id) FROM items").scalar_one()
        for n, name in enumerate(PAYLOADS, start=1):
            conn.exec_driver_sql(
                "INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?)",
                (top + n, name, f"p{n}@example.com", "2026-01-15 11:00:00"),
            )
            conn.exec_driver_sql(
                "INSERT INTO activities (user_id, item_id, action, created_at) VALUES (?, ?, 'view', ?)",
                (top + n, item, f"2026-01-15 11:59:{n:02d}"),
            )
    engine.dispose()


def test_10k_rows_read_back_equal_the_csv_export(berlin: Settings, tmp_path: Path) -> None:
    _payload_user(berlin)
    for fmt in ("csv", "xlsx"):
        argv = ["export", "recent-activity", "--limit", "10000", "--format", fmt, "-q", "-o", str(tmp_path / f"r.{fmt}")]
        assert main(argv) == 0
    compared, problems = compare(tmp_path / "r.csv", tmp_path / "r.xlsx", BERLIN)
    assert problems == [] and compared == 10_000
    sheet = load_workbook(tmp_path / "r.xlsx")["recent-activity"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    first = [c.value for c in sheet[2]]
    assert isinstance(first[0], datetime) and isinstance(first[1], int)  # a date-time and a number
    with open(tmp_path / "r.csv", newline="") as fh:
        newest = list(csv.reader(fh))[1]
    # The newest activity, 11:59:12 UTC, is 12:59:12 in Berlin, as the cell shows it.
    assert newest[0] == "2026-01-15T11:59:12+00:00" and first[0] == datetime(2026, 1, 15, 12, 59, 12)
    assert 8 <= sheet.column_dimensions["C"].width <= xlsxfmt.MAX_WIDTH + 1


def test_formula_payloads_are_quote_prefixed_text_cells(berlin: Settings, tmp_path: Path) -> None:
    _payload_user(berlin)
    assert main(["export", "recent-activity", "--limit", "20", "--format", "xlsx", "-q", "-o", str(tmp_path / "p.xlsx")]) == 0
    sheet = load_workbook(tmp_path / "p.xlsx")["recent-activity"]
    cells = {unescape(row[2].value): row[2] for row in sheet.iter_rows(min_row=2)}
    for payload in PAYLOADS:
        cell = cells[payload]
        assert cell.data_type == "s" and cell.quotePrefix, payload  # text, kept text when edited
        assert neutralise(payload) != payload  # each is one the CSV export neutralises too
    plain = [row[2] for row in sheet.iter_rows(min_row=2) if unescape(row[2].value) not in PAYLOADS]
    assert plain and not any(c.quotePrefix for c in plain)


def test_typed_cells_and_long_numbers_in_memory() -> None:
    rows: list[dict[str, object]] = [
        {
            "n": 5,
            "f": 2.5,
            "big": 12345678901234567,
            "ok": True,
            "none": None,
            "when": datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc),
        },
        {"n": -5, "f": float("nan"), "big": 1, "ok": False, "none": "x", "when": datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)},
    ]
    result = render_export("top-items", rows, ExportOptions(format="xlsx"), NOW, BERLIN)
    assert isinstance(result.data, bytes) and result.filename.endswith(".xlsx") and result.size == len(result.data)
    assert result.content_type == xlsxfmt.CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(result.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["n", "f", "big", "ok", "none", "when"]
    # A datetime value is a date-time cell in the reporting zone: 10:00 UTC is 12:00 in a Berlin summer.
    assert values[1] == [5, 2.5, "12345678901234567", True, None, datetime(2026, 7, 1, 12, 0)]
    assert values[2][:5] == [-5, "nan", 1, False, "x"]


def test_comprehensive_has_a_sheet_per_dataset_and_metadata(berlin: Settings) -> None:
    import asyncio

    service = AnalyticsExportService(settings=berlin)
    result = asyncio.run(service.export_comprehensive_report(ExportOptions(format="xlsx", include_metadata=True)))
    assert isinstance(result.data, bytes)
    book = load_workbook(io.BytesIO(result.data))
    assert book.sheetnames == ["summary", "userGrowth", "activityTrends", "topItems", "recentActivity", "metadata"]
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    trends = list(book["activityTrends"].iter_rows(min_row=2, values_only=True))
    assert trends and all(isinstance(r[0], datetime) and isinstance(r[1], int) for r in trends)  # days as dates
    metadata = dict(book["metadata"].iter_rows(min_row=2, values_only=True))
    assert metadata["exportFormat"] == "xlsx" and metadata["totalRecords"] == result.record_count


def test_rows_past_the_sheet_limit_continue_on_a_next_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxfmt, "MAX_ROWS", 4)  # a header and three rows per sheet
    sink = io.BytesIO()
    rows = [{"rank": i, "name": f"item {i}"} for i in range(8)]
    count, size, _ = stream_rows(rows, sink, ExportOptions(format="xlsx"), generated_at=NOW)
    assert count == 8 and size == len(sink.getvalue())
    book = load_workbook(io.BytesIO(sink.getvalue()))
    assert book.sheetnames == ["data", "data (2)", "data (3)"]
    assert [r[0] for name in book.sheetnames for r in book[name].iter_rows(min_row=2, values_only=True)] == list(range(8))
    assert all(book[name]["A1"].value == "rank" for name in book.sheetnames)


def test_gzip_and_excel_bom_with_xlsx() -> None:
    import gzip

    result = render_export("top-items", [{"rank": 1}], ExportOptions(format="xlsx", compression=True), NOW)
    assert result.filename.endswith(".xlsx.gz") and gzip.decompress(result.to_bytes())[:2] == b"PK"
    with pytest.raises(ValueError, match="excel_bom applies to CSV only"):
        check_export_options(ExportOptions(format="xlsx", excel_bom=True))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_shows_the_payloads_literally(berlin: Settings, tmp_path: Path) -> None:
    _payload_user(berlin)
    xlsx = tmp_path / "p.xlsx"
    assert main(["export", "recent-activity", "--limit", "20", "--format", "xlsx", "-q", "-o", str(xlsx)]) == 0
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, double quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with open(tmp_path / "p.csv", newline="", encoding="utf-8", errors="replace") as fh:
        names = [row[2] for row in list(csv.reader(fh))[1:]]
    for payload in PAYLOADS:
        if "\x00" in payload or "\x01" in payload:  # LibreOffice's CSV drops or keeps control characters; the rest is literal
            assert any(payload.lstrip("\x00\x01\x02") in name for name in names), payload
        else:
            assert payload.replace("\r", "\n") in [n.replace("\r", "\n") for n in names] or payload in names, payload
    assert "2" not in names and "4" not in names  # =1+1 and =2+2 were not evaluated
