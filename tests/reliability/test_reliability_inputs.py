"""The bad-input matrix: cron expressions, time zones, e-mail addresses, file names and
directories, glob patterns, date ranges, dataset names, limits, formats, ids and
configuration values, through the Python API and the CLI.

Every case must give one clear line (a ValueError/KeyError subclass from the API; for the
CLI one line of output and a non-zero exit, never a traceback) and save nothing: the state
database and the data directory are byte-for-byte what they were.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tui_analytics.config.settings import load_settings
from tui_analytics.data.schema import app_meta, job_runs, report_runs, report_templates
from tui_analytics.data.source.demo_data import DemoSpec
from tui_analytics.export import AnalyticsExportService, ExportOptions, ExportResult
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.events import EventBus

pytestmark = pytest.mark.slow  # the bad-input matrix through the API and the CLI


@dataclass
class Apis:
    settings: Any
    reports: AnalyticsScheduledReportsService
    exports: AnalyticsExportService
    processor: AnalyticsBackgroundProcessor
    tmp: Path


@dataclass(frozen=True)
class Case:
    id: str
    expect: str  # part of the message (case-insensitive)
    api: Callable[[Apis], Any] | None = None
    cli: list[str] | None = None  # "{tmp}" is replaced by a scratch directory
    env: dict[str, str] = field(default_factory=dict)
    toml: str | None = None  # written to a file passed with --config
    cli_expect: str | None = None  # when the CLI says it differently


def new_template(**fields: Any) -> Callable[[Apis], Any]:
    return lambda a: a.reports.create_report_template(**{"name": "Matrix", "schedule": "daily", **fields})


def create_cli(*extra: str) -> list[str]:
    return ["report", "create", "--name", "Matrix", *extra]


def save_as(name: str) -> Callable[[Apis], Any]:
    result = ExportResult(
        data="a\n1\n", filename="x.csv", content_type="text/csv", size=4, timestamp=__import__("datetime").datetime(2026, 1, 15)
    )
    return lambda a: a.exports.save(result, name)


def export_with(**options: Any) -> Callable[[Apis], Any]:
    return lambda a: a.exports.export_dataset("user-growth", ExportOptions(**options))


GOOD = "ops@example.com"
CASES: list[Case] = [
    # cron expressions
    Case("cron-too-few-fields", "needs 5", new_template(cron="* * *"), create_cli("--cron", "* * *")),
    Case("cron-minute-61", "out of range", new_template(cron="61 * * * *"), create_cli("--cron", "61 * * * *")),
    Case("cron-hour-25", "out of range", new_template(cron="0 25 * * *"), create_cli("--cron", "0 25 * * *")),
    Case("cron-weekday-8", "out of range", new_template(cron="0 9 * * 8"), create_cli("--cron", "0 9 * * 8")),
    Case("cron-feb-31", "never matches", new_template(cron="0 9 31 2 *"), create_cli("--cron", "0 9 31 2 *")),
    Case("cron-reboot", "unknown nickname", new_template(cron="@reboot"), create_cli("--cron", "@reboot")),
    Case("cron-open-range", "not valid", new_template(cron="0 9 * * MON-"), create_cli("--cron", "0 9 * * MON-")),
    Case("cron-step-zero", "must be between 1 and 60", new_template(cron="*/0 * * * *"), create_cli("--cron", "*/0 * * * *")),
    # a step larger than its field would fire at another rhythm than it says
    Case(
        "cron-step-61",
        "minute step 61 must be between 1 and 60",
        new_template(cron="*/61 * * * *"),
        create_cli("--cron", "*/61 * * * *"),
    ),
    Case(
        "cron-dom-step-32",
        "day of month step 32 must be between 1 and 31",
        new_template(cron="0 9 1-31/32 * *"),
        ["report", "cron", "0 9 1-31/32 * *"],
    ),
    # the day-field extensions elsewhere than in the day fields, and other schedulers' `?`
    Case(
        "cron-last", "'L' (last) is an extension allowed only as", new_template(cron="0 L * * *"), create_cli("--cron", "0 L * * *")
    ),
    Case(
        "cron-nth",
        "in N#K, K must be between 1 and 5",
        new_template(cron="0 9 * * 1#6"),
        ["report", "cron", "0 9 * * 1#6"],
    ),
    Case("cron-question", "'?' (no specific value)", new_template(cron="0 9 ? * 1"), create_cli("--cron", "0 9 ? * 1")),
    Case("cron-weekday-w", "'W' (nearest weekday)", new_template(cron="0 9 * * 5W"), create_cli("--cron", "0 9 * * 5W")),
    Case("cron-backwards", "runs backwards", new_template(cron="0 9 * * 5-1"), ["report", "cron", "0 9 * * 5-1"]),
    Case("cron-custom-without-cron", "needs a cron", new_template(schedule="custom"), create_cli("--schedule", "custom")),
    Case(
        "cron-six-fields",
        "needs 5",
        lambda a: a.reports.preview_schedule("custom", "0 0 9 * * *"),
        ["report", "cron", "0 0 9 * * *"],
    ),
    # time zones
    Case(
        "tz-unknown",
        "unknown time zone",
        new_template(timezone="Mars/Olympus"),
        create_cli("--schedule", "daily", "--timezone", "Mars/Olympus"),
    ),
    Case(
        "tz-path",
        "unknown time zone",
        new_template(timezone="../../etc/passwd"),
        ["report", "cron", "0 9 * * *", "--timezone", "../../etc/passwd"],
    ),
    Case(
        "tz-offset", "unknown time zone", new_template(timezone="UTC+25"), create_cli("--schedule", "daily", "--timezone", "UTC+25")
    ),
    Case(
        "tz-config",
        "unknown time zone",
        lambda a: load_settings(env={"TUI_ANALYTICS_TIMEZONE": "Nowhere/City"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_TIMEZONE": "Nowhere/City"},
    ),
    # e-mail addresses
    Case(
        "email-no-at",
        "invalid e-mail",
        new_template(recipients=["not-an-email"]),
        create_cli("--schedule", "daily", "--recipient", "not-an-email"),
    ),
    Case(
        "email-no-tld",
        "invalid e-mail",
        new_template(recipients=["ops@example"]),
        create_cli("--schedule", "daily", "--recipient", "ops@example"),
    ),
    Case(
        "email-header-injection",
        "line break",
        new_template(recipients=[GOOD + "\nBcc: evil@example.com"]),
        create_cli("--schedule", "daily", "--recipient", GOOD + "\r\nBcc: evil@example.com"),
    ),
    Case(
        "email-double-at",
        "invalid e-mail",
        new_template(recipients=["ops@@example.com"]),
        create_cli("--schedule", "daily", "--recipient", "ops@@example.com"),
    ),
    Case(
        "email-space",
        "invalid e-mail",
        new_template(recipients=["ops@exa mple.com"]),
        create_cli("--schedule", "daily", "--recipient", "ops@exa mple.com"),
    ),
    Case(
        "email-local-too-long",
        "invalid e-mail",
        new_template(recipients=["x" * 65 + "@example.com"]),
        create_cli("--schedule", "daily", "--recipient", "x" * 65 + "@example.com"),
    ),
    Case(
        "email-one-bad-of-two",
        "invalid e-mail",
        lambda a: a.reports.update_report_template("weekly-user-growth", recipients=[GOOD, "-@-"]),
    ),
    # file names and directories
    Case("file-parent-dir", "is a path", save_as("../escape.csv")),
    Case("file-absolute", "is a path", save_as("/etc/passwd")),
    Case("file-device", "reserved device name", save_as("CON.csv")),
    Case("file-hidden", "starts with a dot", save_as(".hidden.csv")),
    Case("file-nul", "NUL", save_as("a\x00b.csv")),
    Case("file-trailing-dot", "ends with a dot", save_as("report.")),
    Case("file-empty", "empty", save_as("   ")),
    Case("dir-parent-is-a-file", "Not a directory", None, ["export", "user-growth", "-o", "{tmp}/a-file/out.csv"]),
    Case(
        "dir-export-dir-is-a-file",
        "Not a directory",
        None,
        ["export", "user-growth"],
        env={"TUI_ANALYTICS_EXPORT_DIR": "{tmp}/a-file"},
    ),
    # glob patterns
    Case("glob-empty", "empty cache pattern", lambda a: a.processor.invalidate_cache(""), ["cache", "invalidate", ""]),
    Case("glob-no-match", "no cache key matches", None, ["cache", "invalidate", "user-growth"]),
    Case("glob-unclosed-bracket", "no cache key matches", None, ["cache", "invalidate", "["]),
    # date ranges
    Case(
        "range-reversed",
        "must be before",
        export_with(date_range=DateRange(date(2026, 1, 10), date(2026, 1, 1))),
        ["export", "user-growth", "--from", "2026-01-10", "--to", "2026-01-01"],
    ),
    Case(
        "range-empty",
        "must be before",
        lambda a: DateRange.parse("2026-01-01T00:00", "2026-01-01T00:00"),
        ["export", "top-items", "--from", "2026-01-01T00:00", "--to", "2026-01-01T00:00"],
    ),
    Case(
        "range-half", "needs both", lambda a: DateRange.parse("2026-01-10", None), ["export", "user-growth", "--from", "2026-01-10"]
    ),
    Case(
        "range-month-13",
        "not an ISO date",
        lambda a: DateRange.parse("2026-13-01", "2026-12-01"),
        ["export", "user-growth", "--from", "2026-13-01", "--to", "2026-12-01"],
    ),
    Case("range-words", "not an ISO date", None, ["export", "user-growth", "--from", "yesterday", "--to", "today"]),
    Case(
        "range-feb-30",
        "not an ISO date",
        None,
        ["report", "run", "daily-activity-summary", "--from", "2026-02-30", "--to", "2026-03-01"],
    ),
    Case("range-not-a-range", "must be a DateRange", export_with(date_range="2026-01-01/2026-02-01")),
    Case(
        "range-report-reversed",
        "must be before",
        lambda a: a.reports.generate_report("daily-activity-summary", DateRange(date(2026, 1, 2), date(2026, 1, 1))),
    ),
    # dataset names
    Case("dataset-unknown", "unknown dataset", lambda a: a.exports.export_dataset("users"), ["export", "users"]),
    Case("dataset-empty", "unknown dataset", lambda a: a.exports.export_dataset(""), ["export", ""]),
    Case("dataset-case", "unknown dataset", lambda a: a.exports.export_dataset("USER-GROWTH"), ["export", "USER-GROWTH"]),
    Case(
        "dataset-template",
        "unknown dataset",
        new_template(datasets=["sales"]),
        create_cli("--schedule", "daily", "--dataset", "sales"),
    ),
    # limits
    Case("limit-zero", "between 1 and", lambda a: a.exports.export_top_items(0), ["export", "top-items", "--limit", "0"]),
    Case(
        "limit-negative",
        "between 1 and",
        lambda a: a.exports.export_recent_activity(-5),
        ["export", "recent-activity", "--limit", "-5"],
    ),
    Case(
        "limit-text",
        "whole number",
        lambda a: a.exports.export_activity_trends("7"),  # type: ignore[arg-type]
        ["export", "activity-trends", "--limit", "abc"],
        cli_expect="not a whole number",
    ),
    Case(
        "limit-huge",
        "between 1 and",
        lambda a: a.exports.export_user_growth_trends(10**12),
        ["export", "user-growth", "--limit", "99999999999"],
    ),
    Case("limit-bool", "whole number", lambda a: a.exports.export_top_items(True)),
    Case("limit-comprehensive", "does not apply", None, ["export", "comprehensive", "--limit", "5"]),
    Case("limit-history", "at least 1", None, ["report", "history", "--limit", "0"]),
    Case("limit-jobs-history", "at least 1", None, ["jobs", "history", "--limit", "-1"]),
    Case("limit-cron-n", "between 1 and", None, ["report", "cron", "0 9 * * *", "-n", "0"]),
    # formats, names, unknown ids
    Case("format-ods", "unknown export format", export_with(format="ods"), ["export", "user-growth", "--format", "ods"]),
    Case("format-template-pdf", "unknown format", new_template(format="pdf"), create_cli("--schedule", "daily", "--format", "pdf")),
    Case(
        "name-empty", "name must not be empty", new_template(name="  "), ["report", "create", "--name", "", "--schedule", "daily"]
    ),
    Case("name-newline", "line breaks", new_template(name="a\nb")),
    Case("name-too-long", "too long", new_template(name="n" * 201)),
    Case("schedule-hourly", "unknown schedule", new_template(schedule="hourly"), create_cli("--schedule", "hourly")),
    Case("field-read-only", "cannot be changed", lambda a: a.reports.update_report_template("weekly-user-growth", id="x")),
    Case("job-unknown", "unknown job", lambda a: a.processor.trigger_job("bogus"), ["jobs", "run", "bogus"]),
    Case(
        "template-unknown",
        "unknown report template",
        lambda a: a.reports.update_report_template("bogus", name="x"),
        ["report", "run", "bogus"],
    ),
    Case("template-delete-unknown", "unknown report template", None, ["report", "delete", "bogus"]),
    # configuration values
    Case(
        "config-bool",
        "must be true or false",
        lambda a: load_settings(env={"DISABLE_AUTO_SYNC": "maybe"}),
        ["jobs", "status"],
        env={"DISABLE_AUTO_SYNC": "maybe"},
    ),
    Case(
        "config-retention-text",
        "must be a number",
        lambda a: load_settings(env={"TUI_ANALYTICS_HISTORY_RETENTION": "lots"}),
        ["report", "list"],
        env={"TUI_ANALYTICS_HISTORY_RETENTION": "lots"},
    ),
    Case(
        "config-retention-small",
        "at least 10",
        lambda a: load_settings(env={"TUI_ANALYTICS_HISTORY_RETENTION": "5"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_HISTORY_RETENTION": "5"},
    ),
    Case(
        "config-timeout-zero",
        "at least 1",
        lambda a: load_settings(env={"TUI_ANALYTICS_QUERY_TIMEOUT": "0"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_QUERY_TIMEOUT": "0"},
    ),
    Case("config-timeout-nan", "must be a number", lambda a: load_settings(env={"TUI_ANALYTICS_QUERY_TIMEOUT": "nan"})),
    Case(
        "config-interval-zero",
        "at least 1",
        lambda a: load_settings(env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "0"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "0"},
    ),
    Case(
        "config-smtp-timeout",
        "at least 1",
        lambda a: load_settings(env={"TUI_ANALYTICS_SMTP_URL": "smtp://m", "TUI_ANALYTICS_SMTP_TIMEOUT": "-1"}),
    ),
    Case(
        "config-database-url",
        "not a database URL",
        lambda a: load_settings(env={"TUI_ANALYTICS_DATABASE_URL": "not a url"}),
        ["export", "user-growth"],
        env={"TUI_ANALYTICS_DATABASE_URL": "not a url"},
    ),
    Case("config-toml-unknown-key", "unknown setting", None, ["jobs", "status"], toml='colour = "blue"\n'),
    Case("config-toml-syntax", "not valid TOML", None, ["jobs", "status"], toml='timezone = "UTC\n'),
    Case("config-toml-unknown-job", "unknown job", None, ["jobs", "status"], toml="[jobs]\nbogus = 30\n"),
    Case(
        "config-file-missing",
        "config file not found",
        lambda a: load_settings("/nonexistent/tui.toml"),
        ["--config", "/nonexistent/tui.toml", "jobs", "status"],
    ),
    # input merely out of range, which used to end in "unexpected ...Error"
    Case(
        "range-year-9999",
        "outside the years 1900-9998",
        lambda a: DateRange.parse("9999-12-30", "9999-12-31"),
        ["export", "user-growth", "--from", "9999-12-30", "--to", "9999-12-31"],
    ),
    Case(
        "range-utc-past-9999",
        "outside the years 1900-9998",
        None,
        ["export", "top-items", "--from", "2026-01-01", "--to", "9999-12-31T23:59:59-01:00"],
    ),
    Case(
        "limit-days-past-year-1",
        "between 1 and 36,600",
        lambda a: a.exports.export_activity_trends(3_000_000),
        ["export", "activity-trends", "--limit", "3000000"],
    ),
    Case("limit-history-past-int64", "too large", None, ["report", "history", "--limit", "99999999999999999999"]),
    Case("limit-arabic-indic-digits", "not a whole number", None, ["export", "top-items", "--limit", "١٢"]),
    Case(
        "demo-months-huge",
        "between 1 and 1,200",
        lambda a: DemoSpec(months=100_000).validate(),
        ["demo-data", "--months", "100000", "--url", "sqlite:///{tmp}/demo.db"],
    ),
    Case("config-retention-1e400", "at most 10,000,000", None, ["jobs", "status"], toml="history_retention = 1e400\n"),
    Case("config-toml-url-number", "must be text", None, ["jobs", "status"], toml="database_url = 5\n"),
    Case("config-toml-jobs-number", "must be a table", None, ["jobs", "status"], toml="jobs = 5\n"),
    Case("config-toml-dir-number", "must be text", None, ["jobs", "status"], toml="export_dir = 7\n"),
    Case(
        "config-interval-1e12",
        "at most 2,678,400",
        lambda a: load_settings(env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "1e12"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "1e12"},
    ),
    Case(
        "config-interval-inf",
        "must be a number",
        lambda a: load_settings(env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "inf"}),
        ["jobs", "status"],
        env={"TUI_ANALYTICS_INTERVAL_USER_GROWTH": "inf"},
    ),
    Case(
        "tz-zone-directory",
        "unknown time zone 'Europe'",
        new_template(timezone="Europe"),
        ["report", "cron", "0 9 * * *", "--timezone", "Europe"],
    ),
    Case(
        "tz-5000-characters",
        "5,000 characters",
        new_template(timezone="E" * 5000),
        create_cli("--schedule", "daily", "--timezone", "E" * 5000),
    ),
    Case(
        "name-zero-width-only",
        "visible characters",
        new_template(name="\u200b\u200d"),
        ["report", "create", "--name", "\u200b\u200d", "--schedule", "daily"],
    ),
    Case(
        "name-bidi-override",
        "bidirectional",
        new_template(name="report\u202etxt.exe"),
        ["report", "create", "--name", "report\u202etxt.exe", "--schedule", "daily"],
    ),
]


def test_the_matrix_is_big_enough() -> None:
    inputs = sum((case.api is not None) + (case.cli is not None) for case in CASES)
    assert len(CASES) >= 40 and inputs >= 100, (len(CASES), inputs)
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.fixture
def apis(settings, frozen_clock, tmp_path) -> Apis:
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "a-file").write_text("not a directory\n")
    bus = EventBus()
    exports = AnalyticsExportService(settings=settings, clock=frozen_clock).open()
    return Apis(
        settings,
        AnalyticsScheduledReportsService(settings, clock=frozen_clock, bus=bus, export_service=exports, auto_start=False).open(),
        exports,
        AnalyticsBackgroundProcessor(settings, clock=frozen_clock, bus=bus, autostart=False, probe_loop_lag=False).open(),
        tmp_path / "scratch",
    )


def snapshot(a: Apis) -> dict[str, Any]:
    """Everything a failed input could have changed: state rows and files."""
    engine = a.processor.state_engine
    with engine.connect() as conn:
        tables = {
            t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in (report_templates, report_runs, job_runs, app_meta)
        }
    skip = ("state.sqlite3", "demo.sqlite3")
    files = {}
    for root in (a.settings.data_dir, a.tmp):
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith(skip):
                files[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return {"tables": tables, "files": files}


def one_line(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    assert len(lines) == 1, message
    assert "Traceback" not in message
    return lines[0]


@pytest.mark.parametrize("case", [c for c in CASES if c.api is not None], ids=lambda c: c.id)
async def test_api_refuses_bad_input(apis, case) -> None:
    before = snapshot(apis)
    with pytest.raises((ValueError, KeyError)) as caught:
        result = case.api(apis)
        if inspect.isawaitable(result):
            await result
    error = caught.value
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    assert case.expect.lower() in one_line(message).lower()
    assert snapshot(apis) == before


@pytest.mark.parametrize("case", [c for c in CASES if c.cli is not None], ids=lambda c: c.id)
def test_cli_refuses_bad_input(apis, case, capsys, monkeypatch) -> None:
    from tui_analytics.cli import main

    monkeypatch.chdir(apis.tmp)
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(apis.settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.replace("{tmp}", str(apis.tmp)))
    argv = [arg.replace("{tmp}", str(apis.tmp)) for arg in case.cli or []]
    if case.toml is not None:
        config = apis.tmp.parent / "bad.toml"
        config.write_text(case.toml)
        argv = ["--config", str(config), *argv]
    before = snapshot(apis)
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    out = capsys.readouterr()
    assert code not in (0, None)
    assert (case.cli_expect or case.expect).lower() in one_line(out.out + out.err).lower()
    assert snapshot(apis) == before
