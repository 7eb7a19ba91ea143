"""Atomic saves and safe file names."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui_analytics.export import files
from tui_analytics.export.files import (
    TEMP_SUFFIX,
    AtomicFile,
    check_filename,
    remove_stale_temps,
    resolve_inside,
    safe_filename,
    save_export,
    write_atomic,
)
from tui_analytics.export.options import ExportResult
from tui_analytics.runtime.errors import ExportOptionsError

WHEN = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def result(data: str | bytes = "a,b\r\n1,2\r\n", *, fmt: str = "csv", gz: bool = False, metadata=None) -> ExportResult:
    if gz:
        data = gzip.compress(data.encode() if isinstance(data, str) else data)
    ext = (".csv" if fmt == "csv" else ".json") + (".gz" if gz else "")
    return ExportResult(
        data=data,
        filename=f"top-items_20260115T120000Z{ext}",
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        size=len(data if isinstance(data, bytes) else data.encode()),
        timestamp=WHEN,
        dataset="top-items",
        format=fmt,
        metadata=metadata,
        content_encoding="gzip" if gz else None,
    )


# -- atomic writing ------------------------------------------------------------


def test_failure_mid_write_leaves_no_file_and_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="disk on fire"):
        with AtomicFile(target) as fh:
            fh.write(b"x" * 100_000)
            raise RuntimeError("disk on fire")
    assert listing(tmp_path) == []


def test_failure_mid_write_keeps_the_previous_file_whole(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old complete file")
    with pytest.raises(KeyboardInterrupt):
        with AtomicFile(target) as fh:
            fh.write(b"new partial")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old complete file"
    assert listing(tmp_path) == ["out.csv"]


def test_failing_fsync_publishes_nothing(tmp_path, monkeypatch):
    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)  # the os module files.py calls
    with pytest.raises(OSError, match="Input/output"):
        write_atomic(tmp_path / "out.json", b"{}")
    assert listing(tmp_path) == []


def test_failing_rename_publishes_nothing(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_atomic(tmp_path / "out.json", b"{}")
    assert listing(tmp_path) == []


def test_atomic_write_replaces_and_is_0640_whatever_the_umask(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    umask = os.umask(0o000)  # one that would make a plain open() world-writable
    try:
        assert write_atomic(target, b"new") == target
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640  # the owner writes, its group reads, nobody else


def test_no_clobber_modes(tmp_path):
    target = tmp_path / "r.csv"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second", overwrite=False)
    assert write_atomic(target, b"second", unique=True) == tmp_path / "r-2.csv"
    assert write_atomic(tmp_path / "r.csv", b"third", unique=True) == tmp_path / "r-3.csv"
    assert target.read_bytes() == b"first"
    assert not [n for n in listing(tmp_path) if n.endswith(TEMP_SUFFIX)]


def test_stale_temps_are_removed_but_fresh_ones_kept(tmp_path):
    stale = tmp_path / f".x.csv.abc{TEMP_SUFFIX}"
    fresh = tmp_path / f".y.csv.def{TEMP_SUFFIX}"
    foreign = tmp_path / ".someone-elses.tmp"
    for p in (stale, fresh, foreign):
        p.write_bytes(b"partial")
    old = time.time() - 2 * files.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    assert remove_stale_temps(tmp_path) == 1
    assert listing(tmp_path) == sorted([fresh.name, foreign.name])


# -- names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../escape.csv",
        "..",
        ".",
        "/etc/passwd",
        "sub/dir.csv",
        "..\\..\\win.csv",
        "C:evil.csv",
        "report\x00.csv",
        "line\nbreak.csv",
        "CON",
        "nul.csv",
        "com1.json",
        "LPT9.txt",
        ".hidden.csv",
        "trailing.",
        "trailing ",
        "",
        "   ",
        "a" * 300,
        "what?.csv",
    ],
)
def test_unsafe_names_are_rejected(name):
    with pytest.raises(ExportOptionsError):
        check_filename(name)


@pytest.mark.parametrize("name", ["report.csv", "Q1 report (final).json", "zoë-2026.csv.gz", "con-fig.csv"])
def test_plain_names_pass(name):
    assert check_filename(name) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monthly Comprehensive Analytics", "Monthly-Comprehensive-Analytics"),
        ("../../etc/passwd", "etc-passwd"),
        ("/abs/path", "abs-path"),
        ("a\x00b", "a-b"),
        ("CON", "_CON"),
        ("...", "export"),
        ("", "export"),
        ("Q1: Growth / Users?", "Q1-Growth-Users"),
    ],
)
def test_safe_filename_derives_plain_names(text, expected):
    assert safe_filename(text) == expected
    check_filename(safe_filename(text))


def test_resolve_inside_refuses_a_symlink_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "link.csv").symlink_to(outside / "target.csv")
    with pytest.raises(ExportOptionsError, match="leave"):
        resolve_inside(exports, "link.csv")


# -- save_export -------------------------------------------------------------------


def test_save_export_uses_the_generated_name_and_never_overwrites(tmp_path):
    first = save_export(result("one"), tmp_path)
    second = save_export(result("two"), tmp_path)
    assert first.name == "top-items_20260115T120000Z.csv"
    assert second.name == "top-items_20260115T120000Z-2.csv"
    assert first.read_text() == "one" and second.read_text() == "two"


def test_save_export_with_a_name_adds_the_extension(tmp_path):
    assert save_export(result(), tmp_path, "weekly").name == "weekly.csv"
    assert save_export(result(gz=True), tmp_path, "weekly.csv").name == "weekly.csv.gz"
    assert save_export(result(fmt="json"), tmp_path, " q1.json ").name == "q1.json"


@pytest.mark.parametrize("name", ["../x", "/tmp/x", "x\x00", "NUL", ""])
def test_save_export_refuses_escaping_names(tmp_path, name):
    exports = tmp_path / "exports"
    with pytest.raises(ExportOptionsError):
        save_export(result(), exports, name)
    assert not exports.exists() or listing(exports) == []
    assert listing(tmp_path) in ([], ["exports"])


def test_save_export_writes_gzip_bytes(tmp_path):
    path = save_export(result("a\r\n", gz=True), tmp_path)
    assert path.name.endswith(".csv.gz")
    assert gzip.decompress(path.read_bytes()) == b"a\r\n"


def test_csv_metadata_goes_to_a_sidecar(tmp_path):
    meta = {"generatedAt": "2026-01-15T12:00:00+00:00", "totalRecords": 1}
    path = save_export(result(metadata=meta), tmp_path)
    sidecar = path.with_name(path.name + ".meta.json")
    assert json.loads(sidecar.read_text()) == meta
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"


def test_failed_sidecar_removes_the_export_too(tmp_path, monkeypatch):
    real = files.write_atomic
    calls = []

    def fail_second(path, data, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(files, "write_atomic", fail_second)
    with pytest.raises(OSError):
        save_export(result(metadata={"totalRecords": 1}), tmp_path)
    assert listing(tmp_path) == []
