"""`export -o PATH` treats PATH as a shell redirect does, and never destroys what is not ours.

A device or FIFO is written into in place (it stays a device, a FIFO); a symlink is
written through to its target (the link stays); a missing directory is an error, not
created; the live state database and the source database are refused. The devices
are made with mknod in a temp directory (the tests run as root), never /dev itself.
"""

from __future__ import annotations

import os
import stat
import threading
from contextlib import suppress
from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.data.state.database import open_state

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
CSV_HEADER = "rank,itemId,name,category,interactions,uniqueUsers"


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    return settings


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and "unexpected" not in err
    return err


@needs_root
def test_a_null_device_stays_a_device(env, tmp_path, capsys):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    assert main(["export", "top-items", "-o", str(null), "-q"]) == 0
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.lstat(null).st_rdev == os.makedev(1, 3)
    assert [p.name for p in tmp_path.iterdir() if p.name != "data"] == ["null"]  # no temp, no sidecar


@needs_root
def test_a_full_device_is_no_space_left_and_exit_1(env, tmp_path, capsys):
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    assert main(["export", "top-items", "-o", str(full), "-q"]) == 1
    assert error_line(capsys) == f"tui-analytics: error: No space left on device: {full}"
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def read_fifo_while(fifo: Path, action) -> tuple[object, bytes]:
    """Run `action()` while a thread reads the FIFO; returns its result and what the reader got."""
    keep = fifo.with_name(fifo.name + ".keep")
    os.link(fifo, keep)  # the FIFO itself, even if the path gets replaced
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        result = action()
    finally:
        if reader.is_alive():  # nobody wrote into the FIFO: let the reader see an empty one
            with suppress(OSError):
                os.close(os.open(keep, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
        keep.unlink()
    return result, received[0] if received else b""


def test_a_fifo_reader_gets_the_export_and_the_fifo_stays(env, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, data = read_fifo_while(
        fifo, lambda: main(["export", "top-items", "--from", "2000-01-01", "--to", "2100-01-01", "-o", str(fifo), "-q"])
    )
    assert code == 0
    received = [data]
    assert received[0].decode().splitlines()[0] == CSV_HEADER
    assert len(received[0].decode().splitlines()) == 11
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_csv_metadata_for_a_fifo_goes_to_stderr_not_beside_it(env, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, _ = read_fifo_while(fifo, lambda: main(["export", "top-items", "--metadata", "-o", str(fifo), "-q"]))
    assert code == 0
    assert '"metadata"' in capsys.readouterr().err
    assert not (tmp_path / "fifo.meta.json").exists()


def test_a_symlink_is_written_through_to_its_target(env, tmp_path, capsys):
    target = tmp_path / "elsewhere" / "target.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert main(["export", "top-items", "-o", str(link), "-q"]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().splitlines()[0] == CSV_HEADER
    assert sorted(p.name for p in target.parent.iterdir()) == ["target.csv"]  # atomically: no temp left


def test_a_dangling_symlink_creates_its_target(env, tmp_path, capsys):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "new.csv")
    assert main(["export", "top-items", "-o", str(link), "-q"]) == 0
    assert link.is_symlink() and (tmp_path / "new.csv").read_text().startswith(CSV_HEADER)


def test_a_missing_directory_is_an_error_and_is_not_created(env, tmp_path, capsys):
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    assert main(["export", "top-items", "-o", str(target), "-q"]) == 1
    assert error_line(capsys) == f"tui-analytics: error: No such directory: {target.parent}"
    assert not (tmp_path / "nonexistent").exists()


def test_the_state_database_is_refused(env, tmp_path, capsys):
    open_state(env)  # the live state database of this data directory
    state = env.data_dir / "state.sqlite3"
    before = state.read_bytes()
    link = tmp_path / "state-link"
    link.symlink_to(state)
    hard = tmp_path / "state-hard"
    os.link(state, hard)
    for path in (state, link, hard, Path(str(state) + "-wal")):
        assert main(["export", "top-items", "-o", str(path), "-q"]) == 1
        assert "refusing to overwrite the state database" in error_line(capsys)
    assert state.read_bytes() == before and link.is_symlink()


def test_the_source_database_is_refused(env, capsys):
    source = env.demo_database_path
    before = source.read_bytes()
    assert main(["export", "top-items", "-o", str(source), "-q"]) == 1
    assert "refusing to overwrite the source database" in error_line(capsys)
    assert source.read_bytes() == before
