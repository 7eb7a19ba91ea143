"""Writing export files: atomic saves and file names that stay inside their directory.

A save writes a temp file in the target's directory, fsyncs it and renames it over
the target, then fsyncs the directory: a crash leaves the old file or the whole new
one, never a partial one. On any error (or Ctrl-C) the temp file is removed. Temp
files are hidden (`.name.<host>-<pid>.XXXX.tui-tmp`); one orphaned by a hard kill
(SIGKILL, power loss) is removed by the next save into that directory (or the next
start of the services): at once when its writer was a process of this host that is
gone, otherwise once it is an hour old (a writer on another host may still be alive).
"""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
import tempfile
import time
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import IO

from tui_analytics.export.jsonfmt import dumps
from tui_analytics.export.options import EXTENSIONS, ExportResult
from tui_analytics.runtime.errors import ExportOptionsError

TEMP_SUFFIX = ".tui-tmp"
STALE_TEMP_SECONDS = 3600
# Exports and reports: the owner writes, its group reads, nobody else (docs/deployment.md#file-modes).
SHARED_FILE_MODE = 0o640
SHARED_DIR_MODE = 0o750
MAX_NAME_BYTES = 200

# Windows device names are reserved with any extension (CON.csv opens the console).
_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)
_FORBIDDEN_CHARS = set('<>:"/\\|?*')
_UNSAFE_RUN = re.compile(r"[^\w.\-]+")


def _is_device_name(name: str) -> bool:
    return name.split(".", 1)[0].rstrip(" ").upper() in _DEVICE_NAMES


def check_filename(name: str) -> str:
    """A user-typed file name, unchanged if it is a plain name; else ExportOptionsError.

    Rejected: empty names, paths (`/`, `\\`, `..`, absolute, drive letters), NUL and
    other control characters, characters Windows forbids, hidden names (leading dot),
    trailing dots or spaces, device names (CON, NUL, COM1...), over-long names.
    """
    if not isinstance(name, str) or not name.strip():
        raise ExportOptionsError("the file name is empty")
    shown = name.encode("unicode_escape").decode("ascii")
    if "\x00" in name:
        raise ExportOptionsError(f"the file name {shown!r} contains a NUL character")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ExportOptionsError(f"the file name {shown!r} is a path; give a plain name (the file stays in the export directory)")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ExportOptionsError(f"the file name {shown!r} contains control characters")
    bad = sorted(_FORBIDDEN_CHARS.intersection(name))
    if bad:
        raise ExportOptionsError(f"the file name {shown!r} contains {' '.join(bad)}, which file systems forbid")
    if name.startswith("."):
        raise ExportOptionsError(f"the file name {shown!r} starts with a dot (hidden file)")
    if name != name.rstrip(". "):
        raise ExportOptionsError(f"the file name {shown!r} ends with a dot or space")
    if name != name.lstrip():
        raise ExportOptionsError(f"the file name {shown!r} starts with a space")
    if _is_device_name(name):
        raise ExportOptionsError(f"the file name {shown!r} is a reserved device name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ExportOptionsError(f"the file name is longer than {MAX_NAME_BYTES} bytes")
    return name


def safe_filename(text: str, *, default: str = "export", max_bytes: int = 120) -> str:
    """A safe file-name stem made from free text (template names, dataset labels).

    Letters, digits, `.`, `_` and `-` are kept; every other run becomes `-`; leading
    dots and dashes go; device names get a `_` prefix. Never empty, never a path.
    """
    text = unicodedata.normalize("NFKC", str(text or ""))
    stem = _UNSAFE_RUN.sub("-", text).strip(".-_ ")
    stem = re.sub(r"-{2,}", "-", stem)
    while len(stem.encode("utf-8")) > max_bytes:
        stem = stem[:-1]
    stem = stem.rstrip(".-_ ")
    if not stem:
        stem = default
    if _is_device_name(stem):
        stem = "_" + stem
    return stem


def name_with_extension(name: str, extension: str) -> str:
    """`name` ending in `extension` (`.csv`, `.json.gz`); a bare `.csv` on a gzip result gains `.gz`."""
    lowered = name.lower()
    if lowered.endswith(extension):
        return name
    base = extension.removesuffix(".gz")
    if extension.endswith(".gz") and lowered.endswith(base):
        return name + ".gz"
    return name + extension


def resolve_inside(directory: Path | str, name: str) -> Path:
    """directory/name after `check_filename`, proven to stay inside directory (symlinks resolved)."""
    directory = Path(directory)
    target = directory / check_filename(name)
    root = directory.resolve()
    if target.resolve().parent != root:
        raise ExportOptionsError(f"the file name {name!r} would leave the directory {directory}")
    return target


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable. Not possible on Windows; harmless to skip there.
    with suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def numbered(path: Path, n: int) -> Path:
    """`name-2.csv` for `name.csv` (n=2): the names a save that never replaces tries in turn."""
    name = path.name
    for ext in sorted((e + z for e in EXTENSIONS.values() for z in (".gz", "")), key=len, reverse=True):
        if name.lower().endswith(ext) and len(name) > len(ext):
            return path.with_name(f"{name[: -len(ext)]}-{n}{name[-len(ext) :]}")
    return path.with_name(f"{name}-{n}")


class AtomicFile:
    """`with AtomicFile(path) as fh: fh.write(...)`: the file appears whole at exit, or not at all.

    overwrite=True replaces an existing file (like `>` in a shell). overwrite=False
    never replaces one: with unique=True it picks `name-2.csv`, `name-3.csv`...,
    otherwise it raises FileExistsError. The final path is `.path` after exit.
    A symlink is written through: its target is replaced atomically, the link stays.
    Anything else that is not a regular file (a device, a FIFO) is never replaced:
    ExportOptionsError (write into those with `write_in_place`). make_dirs=False
    (an operator's -o path) creates no directory, as a shell redirect creates none.
    The file is 0640 and any directory it creates 0750, whatever the umask: an export or a report
    holds the operator's data, so it is never world-readable, but a team can share it through a group.
    private=True makes them 0600 and 0700.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        overwrite: bool = True,
        unique: bool = False,
        make_dirs: bool = True,
        private: bool = False,
    ) -> None:
        self.path = Path(path)
        self._private = private
        self._overwrite = overwrite and not unique
        self._unique = unique
        self._make_dirs = make_dirs
        self._tmp: str | None = None
        self._fh: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        if self.path.is_symlink():
            self.path = Path(os.path.realpath(self.path))
        if is_special_file(self.path):
            raise ExportOptionsError(f"refusing to replace {self.path}: it is not a regular file")
        directory = self.path.parent
        if not self._make_dirs:
            if not directory.is_dir():
                if directory.exists():
                    raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(directory))
                raise FileNotFoundError(errno.ENOENT, "No such directory", str(directory))
        else:
            try:
                directory.mkdir(parents=True, exist_ok=True, mode=0o700 if self._private else SHARED_DIR_MODE)
            except FileExistsError:  # the "directory" is a file: say so, not "File exists"
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(directory)) from None
        remove_stale_temps(directory)
        try:
            fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name[:100]}.{_owner_tag()}.", suffix=TEMP_SUFFIX)
        except OSError as exc:
            raise _with_path(exc, self.path) from None
        try:
            with suppress(OSError, AttributeError):
                os.fchmod(fd, 0o600 if self._private else SHARED_FILE_MODE)
            self._fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self._discard()
            raise
        return self._fh

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        fh = self._fh
        assert fh is not None
        if exc_type is not None:  # the writer failed or was interrupted: no file, no litter
            with suppress(OSError):
                fh.close()
            self._discard()
            if isinstance(exc, OSError) and not exc.filename:  # say which file the disk refused
                raise _with_path(exc, self.path) from None
            return
        try:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            self._publish()
        except BaseException as failure:
            with suppress(OSError):
                fh.close()
            self._discard()
            if isinstance(failure, OSError) and not failure.filename:
                raise _with_path(failure, self.path) from None
            raise
        _fsync_directory(self.path.parent)

    def _discard(self) -> None:
        if self._tmp:
            with suppress(FileNotFoundError):
                os.unlink(self._tmp)
            self._tmp = None

    def _publish(self) -> None:
        assert self._tmp is not None
        if self._overwrite:
            os.replace(self._tmp, self.path)
            self._tmp = None
            return
        first = self.path
        for n in range(1, 1000):
            candidate = first if n == 1 else numbered(first, n)
            try:
                _link_no_clobber(self._tmp, candidate)
            except FileExistsError:
                if not self._unique:
                    raise
                continue
            self.path = candidate
            self._discard()
            return
        raise FileExistsError(f"no free file name like {first}")


def is_special_file(path: Path | str) -> bool:
    """True for something that exists and is neither a regular file nor a directory
    (a device, a FIFO, a socket), symlinks followed."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def write_in_place(path: Path | str) -> Iterator[IO[bytes]]:
    """Open a device or FIFO for writing, as a shell redirect does: no temp file, no rename,
    the node itself stays (`/dev/null` stays a device). A write error names the path
    (`/dev/full`: "No space left on device: /dev/full")."""
    try:
        with open(path, "wb") as fh:
            yield fh
    except OSError as exc:
        if exc.filename:
            raise
        raise _with_path(exc, Path(path)) from None


def _link_no_clobber(src: str, dst: Path) -> None:
    # A hard link fails if dst exists, so two savers can never replace each other's
    # file. File systems without hard links fall back to check-then-rename.
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:
        if dst.exists():
            raise FileExistsError(str(dst)) from None
        os.replace(src, dst)


def _with_path(exc: OSError, path: Path) -> OSError:
    """The same error naming the target file (ENOSPC from a write names none)."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def _host_tag() -> str:
    return format(zlib.crc32(socket.gethostname().encode("utf-8")) & 0xFFFF, "04x")


def _owner_tag() -> str:
    return f"{_host_tag()}-{os.getpid()}"


def _writer_is_gone(name: str) -> bool:
    """True when a temp file's writer was a process on this host that no longer exists."""
    parts = name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
    host, _, pid = parts[1].partition("-") if len(parts) == 3 else ("", "", "")
    if host != _host_tag() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def remove_stale_temps(directory: Path | str, older_than: float = STALE_TEMP_SECONDS) -> int:
    """Delete temp files a killed writer left behind (only ours: dead writers', or old ones)."""
    removed = 0
    cutoff = time.time() - older_than
    with suppress(OSError):
        for entry in os.scandir(directory):
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                with suppress(OSError):
                    if _writer_is_gone(entry.name) or entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
    return removed


def write_atomic(path: Path | str, data: bytes, *, overwrite: bool = True, unique: bool = False, private: bool = False) -> Path:
    """Write bytes atomically; returns the final path."""
    writer = AtomicFile(path, overwrite=overwrite, unique=unique, private=private)
    with writer as fh:
        fh.write(data)
    return writer.path


def sidecar_path(path: Path) -> Path:
    """Where a CSV export's metadata goes: `<file>.meta.json` beside it."""
    return path.with_name(path.name + ".meta.json")


def save_export(
    result: ExportResult,
    directory: Path | str,
    name: str | None = None,
    *,
    overwrite: bool = False,
    unique: bool | None = None,
    private: bool = False,
) -> Path:
    """Save an export in `directory` atomically and return the file's path.

    `name` is an operator's file name (checked by `check_filename`, the extension
    added if missing); by default the result's own timestamped name. An existing
    file is never replaced unless `overwrite`: the name gains `-2`, `-3`... (with
    unique=False: FileExistsError instead, so a caller that recorded the name keeps it).
    CSV metadata (include_metadata) goes beside it as `<file>.meta.json`.
    Blocking: call it from a thread (`await asyncio.to_thread(save_export, ...)`).
    """
    extension = EXTENSIONS.get(result.format, "") + (".gz" if result.compressed else "")
    if name is None:
        filename = result.filename
    else:
        filename = name_with_extension(check_filename(name.strip() if isinstance(name, str) else name), extension)
    target = resolve_inside(directory, filename)
    unique = (not overwrite) if unique is None else unique
    path = write_atomic(target, result.to_bytes(), overwrite=overwrite, unique=unique, private=private)
    if result.metadata is not None and result.format == "csv":
        try:
            write_atomic(sidecar_path(path), (dumps(result.metadata) + "\n").encode("utf-8"), private=private)
        except BaseException:
            with suppress(OSError):
                path.unlink()
            raise
    return path
