"""A canary password in the database and SMTP URLs (userinfo and query string), with every
connection failing, must appear nowhere: CLI output (with -v), log files, exported and
report files, the state database, error lines and tracebacks.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tui_analytics.runtime.redact import install_log_redaction, redact

pytestmark = pytest.mark.slow  # CLI subprocesses and a dashboard in tmux

# Characters that must be percent-encoded in a URL, so both spellings are looked for.
DB_PASSWORD = "Db:Canary/7f3a@pw"
DB_QUERY_SECRET = "DbQueryCanary91c2"
SMTP_PASSWORD = "Smtp Canary#5d1e"
SMTP_QUERY_SECRET = "SmtpTokenCanary8b4f"
CANARIES = [DB_PASSWORD, DB_QUERY_SECRET, SMTP_PASSWORD, SMTP_QUERY_SECRET]


def quoted(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def spellings() -> list[bytes]:
    out: set[bytes] = set()
    for canary in CANARIES:
        out |= {canary.encode(), quoted(canary).encode(), canary.replace(" ", "+").encode()}
    return sorted(out)


# Port 1 on localhost refuses every connection.
DB_URL = f"postgresql://analyst:{quoted(DB_PASSWORD)}@127.0.0.1:1/analytics?sslpassword={DB_QUERY_SECRET}"
SMTP_URL = f"smtp://mailer:{quoted(SMTP_PASSWORD)}@127.0.0.1:1/?token={SMTP_QUERY_SECRET}"


def leaks(text: str | bytes) -> list[bytes]:
    data = text.encode() if isinstance(text, str) else text
    return [s for s in spellings() if s in data]


def files_leaking(root: Path) -> dict[str, list[bytes]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            hit = leaks(path.read_bytes())
            if hit:
                found[str(path)] = hit
    return found


def cli(data_dir: Path, *argv: str, database: bool = True, smtp: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_") or k.startswith("TUI_ANALYTICS_TEST_")}
    env.update(TUI_ANALYTICS_DATA_DIR=str(data_dir), TUI_ANALYTICS_TIMEZONE="UTC")
    if database:
        env["TUI_ANALYTICS_DATABASE_URL"] = DB_URL
    if smtp:
        env["TUI_ANALYTICS_SMTP_URL"] = SMTP_URL
    return subprocess.run(
        [sys.executable, "-c", "from tui_analytics.cli import main; raise SystemExit(main())", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_with_the_database_and_smtp_down_never_shows_a_password(settings) -> None:
    data_dir = settings.data_dir
    commands = [
        ("-v", "jobs", "run", "all"),
        ("-v", "export", "user-growth"),
        ("-v", "export", "recent-activity", "-o", "-"),
        ("-v", "report", "run", "daily-activity-summary"),
        ("-v", "jobs", "status", "--json"),
        ("-v", "jobs", "history"),
        ("-v", "report", "history", "--json"),
        ("-v", "cache", "clear"),
    ]
    # Side by side, as commands from several shells would run: most of their time is spent
    # waiting out retries against the database that is down.
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda argv: cli(data_dir, *argv), commands))
    # the source works, mail does not: the report is saved and its delivery fails
    created = cli(
        data_dir,
        "report",
        "create",
        "--name",
        "Mailed",
        "--schedule",
        "daily",
        "--dataset",
        "top-items",
        "--recipient",
        "ops@example.com",
        database=False,
    )
    assert created.returncode == 0, created.stderr
    mailed = cli(data_dir, "-v", "report", "run", created.stdout.strip(), "--json", database=False)
    runs += [created, mailed]
    assert mailed.returncode == 0 and '"status": "failed"' in mailed.stdout  # delivery failed, recorded
    failed = [r for r in runs[:4]]
    assert all(r.returncode == 1 for r in failed), [r.stderr[-300:] for r in failed]
    assert "***" in runs[0].stdout + runs[0].stderr  # the URL is shown, masked
    for run in runs:
        assert leaks(run.stdout + run.stderr) == [], (run.args, run.stdout[-500:], run.stderr[-1500:])
    assert files_leaking(data_dir) == {}  # state database, WAL, exports, reports, logs


def test_services_logs_and_tracebacks_never_show_a_password(settings, frozen_clock, tmp_path) -> None:
    import asyncio
    from dataclasses import replace

    from tui_analytics.config.settings import SmtpSettings, mask_url
    from tui_analytics.export import AnalyticsExportService, ExportOptions
    from tui_analytics.processor import AnalyticsBackgroundProcessor
    from tui_analytics.reports import AnalyticsScheduledReportsService
    from tui_analytics.runtime.events import EventBus
    from tui_analytics.runtime.retry import RetryPolicy

    log_file = tmp_path / "dashboard.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    install_log_redaction()
    down = replace(settings, database_url=DB_URL, smtp=SmtpSettings(SMTP_URL, "tui@example.com", 5.0))
    errors: list[BaseException] = []
    try:

        async def scenario() -> list[str]:
            bus = EventBus()
            seen: list[str] = []
            bus.subscribe(lambda e: seen.append(repr(e)))
            processor = AnalyticsBackgroundProcessor(
                down,
                clock=frozen_clock,
                bus=bus,
                autostart=False,
                probe_loop_lag=False,
                retry=RetryPolicy(attempts=2, base_delay=0),
            )
            runs = [await processor.trigger_job(job) for job in processor.specs]
            assert all(r.status == "failed" for r in runs[:5])
            seen += [r.error or "" for r in runs] + [s.error or "" for s in processor.get_job_statuses()]
            seen += [repr(e) for e in processor.get_cache_entries()]
            exports = AnalyticsExportService(settings=down, clock=frozen_clock)
            reports = AnalyticsScheduledReportsService(
                down, clock=frozen_clock, bus=bus, export_service=exports, auto_start=False, retry=RetryPolicy(attempts=1)
            )
            for attempt in (
                exports.export_comprehensive_report(ExportOptions()),
                reports.generate_report("daily-activity-summary"),
            ):
                try:
                    await attempt
                except Exception as exc:
                    errors.append(exc)
            seen += [repr(h) for h in reports.get_scheduled_reports()]
            logging.getLogger("test").exception("a failure with the URL %s in it", DB_URL, exc_info=errors[-1])
            logging.getLogger("test").warning("smtp said no for %s", SMTP_URL)
            return seen

        seen = asyncio.run(scenario())
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
    assert len(errors) == 2
    shown = [str(e) for e in errors] + ["".join(traceback.format_exception(e)) for e in errors]
    assert all("***" in s or "127.0.0.1" in s for s in shown[:2])
    assert leaks("\n".join(shown + seen)) == []
    assert leaks(mask_url(DB_URL) + mask_url(SMTP_URL)) == []
    log_text = log_file.read_text()
    assert "a failure with the URL" in log_text and "Traceback" in log_text
    assert leaks(log_text) == []
    assert files_leaking(settings.data_dir) == {}


def test_an_unexpected_error_with_a_password_in_it_is_redacted(capsys, monkeypatch, settings) -> None:
    from tui_analytics.cli import jobs_cmd, main

    def explode(args: Any) -> int:
        raise RuntimeError(f"driver echoed {DB_URL} and {SMTP_PASSWORD}")

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_SMTP_URL", SMTP_URL)
    monkeypatch.setattr(jobs_cmd, "run_status", explode)
    for argv in (["jobs", "status"], ["-v", "jobs", "status"]):
        assert main(argv) == 1
        out = capsys.readouterr()
        assert "unexpected RuntimeError" in out.err and leaks(out.out + out.err) == []
    assert "Traceback" in out.err  # -v shows it, redacted


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql+psycopg://u:{quoted(DB_PASSWORD)}@h/db",
        f"dsn: host=h password={DB_QUERY_SECRET} user=u",
        f"smtps://{SMTP_PASSWORD}@mail?auth_token={SMTP_QUERY_SECRET}",
    ],
)
def test_redact_masks_every_spelling(text) -> None:
    from tui_analytics.runtime.redact import register_url

    register_url(SMTP_URL)
    assert leaks(redact(text)) == []


@pytest.mark.skipif(not __import__("shutil").which("tmux"), reason="needs tmux")
def test_dashboard_screen_and_log_never_show_a_password(tmp_path) -> None:
    import shlex
    import time
    import uuid

    session = f"tui-canary-{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path / "dash"
    data_dir.mkdir()
    env = " ".join(
        f"{k}={shlex.quote(v)}"
        for k, v in {
            "TUI_ANALYTICS_DATA_DIR": str(data_dir),
            "TUI_ANALYTICS_LOG_DIR": str(data_dir),
            "TUI_ANALYTICS_DATABASE_URL": DB_URL,
            "TUI_ANALYTICS_SMTP_URL": SMTP_URL,
            "TUI_ANALYTICS_TIMEZONE": "UTC",
        }.items()
    )
    command = f"env {env} {shlex.quote(sys.executable)} -c 'from tui_analytics.cli import main; main()'; sleep 60"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    screen = ""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Connection refused" not in screen:
            time.sleep(0.5)
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-t", session], capture_output=True, text=True).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert "Connection refused" in screen and "***" in screen, screen
    assert leaks(screen) == []
    assert files_leaking(data_dir) == {}  # dashboard.log and the state database
