"""Export and report directories that are full or unwritable, and a full state database disk.

A tiny tmpfs gives a real ENOSPC and a read-only mount a real EROFS when the tests run as
root with mount rights (CI); otherwise the same faults are injected into the atomic
writer. Each case: one clear error naming the file, nothing half-written, no temp file,
and the service works again once the disk has room.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability import temp_litter
from tests.support.serving import WAIT, WARMED, Serve
from tests.support.waiting import poll_until
from tui_analytics.export import AnalyticsExportService, ExportOptions
from tui_analytics.export import files as export_files
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.events import EventBus

pytestmark = pytest.mark.slow  # full and unwritable disks (tmpfs and read-only mounts where allowed)


def _mount(path: Path, options: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


class Disk:
    """A directory that is full or read-only: really (tmpfs) when possible, else by injection."""

    def __init__(self, path: Path, kind: str, size: str = "64k") -> None:
        self.path, self.kind, self._mp = path, kind, pytest.MonkeyPatch()  # its own: fix() undoes only the fault
        self.mounted = _mount(path, f"size={size}" if kind == "full" else f"ro,size={size}")
        self.filler: Path | None = None
        if not self.mounted:
            path.mkdir(parents=True, exist_ok=True)
        self.break_it()

    def break_it(self) -> None:
        if self.mounted and self.kind == "full":
            self.filler = self.path / "filler.bin"
            with open(self.filler, "wb") as fh:  # leave a few KB: small writes succeed, exports do not
                fh.write(b"\0" * 48 * 1024)
        elif not self.mounted:
            self._inject()

    def fix(self) -> None:
        if self.mounted and self.kind == "full":
            if self.filler:
                self.filler.unlink()
            _umount(self.path)  # room again: a larger tmpfs would do; unmounting gives the whole disk
            self.mounted = False
        elif self.mounted:
            _umount(self.path)
            self.mounted = False
        self._mp.undo()

    def _inject(self) -> None:
        directory = str(self.path)
        if self.kind == "readonly":
            original = tempfile.mkstemp

            def refuse(*args: Any, **kwargs: Any) -> Any:
                if str(kwargs.get("dir")) == directory:
                    raise PermissionError(errno.EACCES, "Permission denied", directory)
                return original(*args, **kwargs)

            self._mp.setattr(tempfile, "mkstemp", refuse)  # the module export/files.py calls
            return
        original_enter = export_files.AtomicFile.__enter__

        class Full:
            def __init__(self, fh: Any) -> None:
                self._fh, self._n = fh, 0

            def write(self, data: Any) -> int:
                self._n += len(data)
                if self._n > 16 * 1024:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return self._fh.write(data)

            def __getattr__(self, name: str) -> Any:
                return getattr(self._fh, name)

        def enter(writer: Any) -> Any:
            fh = original_enter(writer)
            return Full(fh) if str(writer.path.parent) == directory else fh

        self._mp.setattr(export_files.AtomicFile, "__enter__", enter)

    @property
    def message(self) -> str:
        if self.kind == "full":
            return "No space left on device"
        return "Read-only file system" if self.mounted else "Permission denied"

    def contents(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.name != "filler.bin") if self.path.exists() else []


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Any]:
    made: list[Disk] = []

    def make(kind: str, name: str = "target", size: str = "64k") -> Disk:
        d = Disk(tmp_path / name, kind, size)
        made.append(d)
        return d

    yield make
    for d in made:
        d._mp.undo()
        if d.mounted:
            _umount(d.path)


@pytest.mark.parametrize("kind", ["full", "readonly"])
async def test_export_into_a_broken_directory(settings, frozen_clock, disk, kind) -> None:
    d = disk(kind)
    service = AnalyticsExportService(settings=replace(settings, export_dir=d.path), clock=frozen_clock)
    with pytest.raises(OSError) as caught:
        await service.export_to_file("recent-activity", None, ExportOptions())
    text = str(caught.value)
    assert d.message in text and str(d.path) in text and "\n" not in text
    assert d.contents() == []  # no partial export, no temp file
    d.fix()
    result = await service.export_to_file("recent-activity", None, ExportOptions())  # the same service, working again
    assert result.rows == 20_000 and result.path is not None and result.path.parent == d.path
    assert temp_litter(d.path) == []


@pytest.mark.parametrize("kind", ["full", "readonly"])
def test_cli_export_into_a_broken_directory(settings, disk, kind, capsys, monkeypatch) -> None:
    from tui_analytics.cli import main

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    d = disk(kind)
    assert main(["export", "recent-activity", "-o", str(d.path / "a.csv"), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tui-analytics: error: ") and d.message in err[0]
    assert d.contents() == []


@pytest.mark.parametrize("kind", ["full", "readonly"])
async def test_report_into_a_broken_directory_is_recorded_failed(settings, frozen_clock, disk, kind) -> None:
    d = disk(kind)
    service = AnalyticsScheduledReportsService(
        replace(settings, report_dir=d.path), clock=frozen_clock, auto_start=False, bus=EventBus()
    )
    template = service.create_report_template(name="Big", schedule="daily", datasets=["recent-activity"])
    half_year = DateRange(date(2025, 7, 1), date(2026, 1, 14))  # 1,000 rows: larger than the room left
    with pytest.raises(OSError):
        await service.generate_report(template, half_year)
    failed = service.get_scheduled_reports()[0]
    assert failed.status == "failed" and d.message in (failed.error or "") and failed.path is None
    assert d.contents() == []
    d.fix()
    report = await service.generate_report(template, half_year)  # the app kept running; it works again
    assert Path(report.path).parent == d.path and report.size > 0
    stats = service.get_report_statistics()
    assert (stats.successful_reports, stats.failed_reports) == (1, 1)


async def test_full_state_disk_does_not_stop_the_jobs(settings, frozen_clock, disk, tmp_path) -> None:
    from tui_analytics.processor import AnalyticsBackgroundProcessor
    from tui_analytics.runtime.events import EventBus

    d = disk("full", "state", "4m")
    if not d.mounted:
        pytest.skip("needs a real tiny tmpfs (root with mount rights) for a full SQLite disk")
    assert d.filler is not None  # a mounted disk is filled
    d.filler.unlink()
    s = replace(settings, state_url=f"sqlite:///{d.path / 'state.sqlite3'}")
    processor = AnalyticsBackgroundProcessor(s, clock=frozen_clock, bus=EventBus(), autostart=False, probe_loop_lag=False)
    assert (await processor.trigger_job("top-items")).status == "completed"
    fd = os.open(d.path / "filler.bin", os.O_WRONLY | os.O_CREAT)  # now fill the disk completely
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    for _ in range(20):  # history writes fail (logged); the jobs and the cache carry on
        run = await processor.trigger_job("recent-activity")
        assert run.status == "completed"
    assert processor.get_cached("recent-activity:20") is not None
    assert len(processor.history.recent("recent-activity", 50)) < 20  # the disk really refused writes
    (d.path / "filler.bin").unlink()
    run = await processor.trigger_job("user-growth")
    assert run.status == "completed"
    assert processor.history.recent("user-growth", 1)[0].status == "completed"  # recorded again


JOBS_EVERY_SECOND = {f"TUI_ANALYTICS_INTERVAL_{job.upper().replace('-', '_')}": "1" for job in WARMED + ("cache-cleanup",)}


def test_serve_on_a_full_state_disk_logs_each_problem_once_and_closes_its_runs_at_stop(disk, tmp_path, demo_db_template) -> None:
    """Every job runs each second while the state database's disk is full: each problem is one line
    (no traceback) for the minute, and after the space comes back a clean stop leaves no run 'running'."""
    d = disk("full", "state", "2m")
    if not d.mounted:
        pytest.skip("needs a real tiny tmpfs (root with mount rights) for a full SQLite disk")
    assert d.filler is not None
    d.filler.unlink()
    source = tmp_path / "source.sqlite3"
    shutil.copy(demo_db_template, source)
    serve = Serve(d.path, env={"TUI_ANALYTICS_DATABASE_URL": f"sqlite:///{source}", **JOBS_EVERY_SECOND})
    try:
        serve.wait_until_warmed()
        fill(d.path / "filler.bin")
        before = len(serve.drain())

        def rounds() -> bool:  # ten rounds of the six jobs on the full disk
            return sum("job.finished" in line for line in serve.drain()[before:]) >= 60

        poll_until(rounds, timeout=WAIT, interval=0.2)
        during = serve.lines[before:]
        (d.path / "filler.bin").unlink()  # room again, then a clean stop
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
    assert code == 0, log
    problems = [line for line in during if " WARNING " in line or " ERROR " in line]
    assert "Traceback" not in "\n".join(during), during
    assert any("database or disk is full" in line for line in problems), problems
    # the history's failed writes are said (once), not filtered away as if an event line restated them
    assert sum("could not write the job history: " in line for line in problems) == 1, problems
    assert len(problems) <= 6, problems  # one per kind of write that failed, not one per run
    assert len({line.split("Z ", 1)[1] for line in problems}) == len(problems)  # none repeated within the minute
    with contextlib.closing(sqlite3.connect(d.path / "state.sqlite3")) as db:
        open_runs = db.execute("SELECT job_id, status FROM job_runs WHERE status = 'running'").fetchall()
    assert open_runs == [], open_runs


def fill(path: Path) -> None:
    """Write zeros to `path` until the disk refuses more."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
