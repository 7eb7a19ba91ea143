"""`tui-analytics export`: files, stdout, streaming, errors, interruption."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tui_analytics.cli import export_cmd, main
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository

DEMO_ACTIVITIES = 20_000


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    return settings


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def sql_count(settings, where: str = "1=1") -> int:
    repo = AdminAnalyticsOptimizedRepository(settings.source_url)
    with repo.engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM activities WHERE {where}").scalar_one()


def test_recent_activity_streams_every_row_to_stdout(env, capsys):
    assert main(["export", "recent-activity", "-o", "-"]) == 0
    out = capsys.readouterr().out
    rows = rows_of(out)
    assert rows[0] == ["timestamp", "userId", "userName", "action", "itemId", "itemName"]
    assert len(rows) - 1 == DEMO_ACTIVITIES == sql_count(env)
    assert rows[1][0] >= rows[-1][0]  # newest first


def test_stream_with_range_and_limit(env, capsys):
    assert main(["export", "recent-activity", "--from", "2026-01-05", "--to", "2026-01-07", "-o", "-"]) == 0
    rows = rows_of(capsys.readouterr().out)[1:]
    assert len(rows) == sql_count(env, "created_at >= '2026-01-05' AND created_at < '2026-01-08'") > 0
    assert all("2026-01-05" <= r[0] < "2026-01-08" for r in rows)
    assert main(["export", "recent-activity", "--limit", "100", "-o", "-"]) == 0
    assert len(rows_of(capsys.readouterr().out)) == 101


def test_streamed_json_with_metadata(env, capsys):
    assert main(["export", "recent-activity", "--format", "json", "--metadata", "--limit", "250", "-o", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["data"]) == 250
    assert doc["metadata"]["totalRecords"] == 250
    assert doc["metadata"]["exportFormat"] == "json"
    assert set(doc["metadata"]) == {"generatedAt", "dateRange", "totalRecords", "exportFormat", "version"}


def test_without_output_the_file_goes_to_the_export_dir(env, capsys):
    assert main(["export", "top-items", "--from", "2026-01-01", "--to", "2026-01-15", "--limit", "5"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == env.resolved_export_dir
    assert path.name.startswith("top-items_") and path.name.endswith(".csv")
    rows = rows_of(path.read_bytes().decode())
    assert len(rows) == 6 and rows[0][0] == "rank"


def test_gzip_with_csv_metadata_sidecar(env, capsys):
    args = ["export", "recent-activity", "--gzip", "--metadata", "--from", "2026-01-14", "--to", "2026-01-15"]
    assert main(args) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.name.endswith(".csv.gz")
    rows = rows_of(gzip.decompress(path.read_bytes()).decode())
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text())
    assert meta["totalRecords"] == len(rows) - 1 > 0
    assert meta["dateRange"] == "2026-01-14/2026-01-15"


def test_output_path_is_written_atomically_and_overwritten(env, capsys, tmp_path):
    target = tmp_path / "out" / "growth.json"
    target.parent.mkdir()
    target.write_text("old")
    assert main(["export", "user-growth", "--format", "json", "--from", "2025-07-01", "--to", "2025-12-31", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    data = json.loads(target.read_text())
    assert [r["month"] for r in data] == ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["growth.json"]


def test_output_directory_gets_a_generated_name(env, capsys, tmp_path):
    assert main(["export", "comprehensive", "--format", "json", "-o", str(tmp_path)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == tmp_path and path.name.startswith("comprehensive_")
    assert list(json.loads(path.read_text())) == ["summary", "userGrowth", "activityTrends", "topItems", "recentActivity"]


def test_csv_metadata_on_stdout_goes_to_stderr(env, capsys):
    assert main(["export", "activity-trends", "--metadata", "--from", "2026-01-01", "--to", "2026-01-07", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert len(rows_of(captured.out)) == 8
    assert json.loads(captured.err)["metadata"]["totalRecords"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "users"], "unknown dataset 'users'"),
        (["export", "top-items", "--format", "ods"], "unknown export format 'ods'"),
        (["export", "top-items", "--from", "2026-01-01"], "needs both --from and --to"),
        (["export", "top-items", "--from", "2026-01-09", "--to", "2026-01-01"], "must be before end"),
        (["export", "top-items", "--from", "yesterday", "--to", "2026-01-01"], "not an ISO date"),
        (["export", "top-items", "--limit", "0"], "limit must be between 1"),
        (["export", "user-growth", "--limit", "-2"], "months must be between 1"),
        (["export", "top-items", "--format", "json", "--excel"], "CSV only"),
        (["export", "comprehensive", "--limit", "3"], "--limit does not apply"),
    ],
)
def test_errors_are_one_line_and_write_nothing(env, capsys, args, message):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("tui-analytics: error:")
    assert not env.resolved_export_dir.exists() or not any(env.resolved_export_dir.iterdir())


@pytest.mark.parametrize("failure", [RuntimeError("connection lost"), KeyboardInterrupt()])
def test_failure_mid_stream_leaves_no_file_and_no_temp(env, capsys, tmp_path, monkeypatch, failure):
    original = AdminAnalyticsOptimizedRepository.iter_recent_activity

    def failing(self, *args, **kwargs):
        for n, row in enumerate(original(self, *args, **kwargs)):
            if n == 12_345:
                raise failure
            yield row

    monkeypatch.setattr(AdminAnalyticsOptimizedRepository, "iter_recent_activity", failing)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "export.csv"
    if isinstance(failure, KeyboardInterrupt):
        assert main(["export", "recent-activity", "-o", str(target)]) == 130
    else:  # an unexpected error is one line on stderr and exit 1, not a traceback
        assert main(["export", "recent-activity", "-o", str(target)]) == 1
        assert "unexpected RuntimeError: connection lost" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # neither the export nor a temp file


def test_progress_goes_to_stderr_not_into_the_data(env, capsys, monkeypatch):
    monkeypatch.setattr(export_cmd, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(export_cmd, "PROGRESS_EVERY_LOG", 0.0)
    monkeypatch.setattr(export_cmd, "PROGRESS_EVERY_TTY", 0.0)
    assert main(["export", "recent-activity", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert "exported 10,000 rows" in captured.err
    assert f"exported {DEMO_ACTIVITIES:,} rows" in captured.err and "to stdout" in captured.err
    assert "exported" not in captured.out
    assert len(rows_of(captured.out)) == DEMO_ACTIVITIES + 1
    assert main(["export", "recent-activity", "-q", "-o", "-"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_streamed_output_equals_the_in_memory_export(env, capsys, fmt, repository):
    from tui_analytics import AnalyticsExportService, ExportOptions

    assert main(["export", "recent-activity", "--format", fmt, "--limit", "500", "-o", "-"]) == 0
    streamed = capsys.readouterr().out
    result = await AnalyticsExportService(repository).export_recent_activity(500, ExportOptions(format=fmt))
    if fmt == "csv":
        assert streamed == result.data
    else:
        assert json.loads(streamed) == json.loads(result.data)


def test_gzip_to_stdout_round_trips(env, capsysbinary):
    assert main(["export", "recent-activity", "--gzip", "--limit", "1000", "-o", "-"]) == 0
    rows = rows_of(gzip.decompress(capsysbinary.readouterr().out).decode("utf-8"))
    assert len(rows) == 1001 and rows[0][0] == "timestamp"


def test_a_date_range_exports_every_day_and_month_of_it_not_the_default_size(env, capsys):
    # January: 31 days, not the 7 activity-trends gives without a size (the range was cut silently).
    assert main(["export", "activity-trends", "--from", "2025-12-01", "--to", "2025-12-31", "-o", "-"]) == 0
    days = [row[0] for row in rows_of(capsys.readouterr().out)[1:]]
    assert days[0] == "2025-12-01" and days[-1] == "2025-12-31" and len(days) == 31
    assert main(["export", "user-growth", "--from", "2024-01-01", "--to", "2025-12-31", "-o", "-"]) == 0
    months = [row[0] for row in rows_of(capsys.readouterr().out)[1:]]
    assert months[0] == "2024-01" and months[-1] == "2025-12" and len(months) == 24
    # An explicit size still caps: the last 3 days of the range.
    assert main(["export", "activity-trends", "--from", "2025-12-01", "--to", "2025-12-31", "--limit", "3", "-o", "-"]) == 0
    assert [row[0] for row in rows_of(capsys.readouterr().out)[1:]] == ["2025-12-29", "2025-12-30", "2025-12-31"]


def test_top_items_says_when_it_stopped_at_the_default_number_of_rows(env, capsys):
    assert main(["export", "top-items", "--from", "2025-12-01", "--to", "2025-12-31", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert len(rows_of(captured.out)) - 1 == 10
    note = [line for line in captured.err.splitlines() if "note:" in line]
    assert note == [
        "tui-analytics: note: top-items: wrote the top 10 items of the period, the default number; --limit N exports more"
    ]
    assert main(["export", "top-items", "--from", "2025-12-01", "--to", "2025-12-31", "--limit", "25", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert len(rows_of(captured.out)) - 1 == 25 and "note:" not in captured.err


def test_by_day_week_and_month_on_the_command_line(env, capsys):
    assert main(["export", "user-growth", "--by", "day", "--from", "2026-01-01", "--to", "2026-01-10", "-o", "-"]) == 0
    rows = rows_of(capsys.readouterr().out)
    assert rows[0] == ["date", "newUsers", "totalUsers"]
    assert [r[0] for r in rows[1:]] == [f"2026-01-{d:02d}" for d in range(1, 11)]
    repo = AdminAnalyticsOptimizedRepository(env.source_url)
    with repo.engine.connect() as conn:
        daily = [
            conn.exec_driver_sql(
                f"SELECT count(*) FROM users WHERE created_at >= '2026-01-{d:02d}' AND created_at < '2026-01-{d + 1:02d}'"
            ).scalar_one()
            for d in range(1, 11)
        ]
    assert [int(r[1]) for r in rows[1:]] == daily
    assert main(["export", "activity-trends", "--by", "week", "--from", "2026-01-05", "--to", "2026-01-18", "-o", "-"]) == 0
    weeks = rows_of(capsys.readouterr().out)
    assert weeks[0] == ["week", "activities", "activeUsers"] and [w[0] for w in weeks[1:]] == ["2026-01-05", "2026-01-12"]
    assert sum(int(w[1]) for w in weeks[1:]) == sql_count(env, "created_at >= '2026-01-05' AND created_at < '2026-01-19'")
    assert main(["export", "activity-trends", "--by", "month", "--limit", "2", "-o", "-"]) == 0
    now = datetime.now(timezone.utc)  # the command runs on the real clock, in UTC here
    before = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert [r[0] for r in rows_of(capsys.readouterr().out)[1:]] == [before, now.strftime("%Y-%m")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "top-items", "--by", "day"], "--by applies to user-growth, activity-trends, comprehensive, not top-items"),
        (["export", "user-growth", "--by", "hour"], "unknown unit for by: 'hour': use one of day, week, month"),
    ],
)
def test_by_refused_with_one_line(env, capsys, argv, message):
    assert main([*argv, "-o", "-"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and len(captured.err.strip().splitlines()) == 1
