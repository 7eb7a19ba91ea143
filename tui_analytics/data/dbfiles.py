"""The files behind SQLite URLs, so that nothing the product writes lands on its own databases.

An export path, or a demo-data target, that is the live state database or the
source database (reached directly, through a symlink or a hard link) would
replace or fill it. `own_database(settings, path)` says which one a path is; and a new one is
created private (`create_private_file`).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tui_analytics.config.settings import Settings
from tui_analytics.data.owner import give_to_directory_owner

# What SQLite and the scheduler lock keep beside a database file.
_COMPANIONS = ("", "-wal", "-shm", "-journal", ".scheduler.lock", ".presence.lock")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for a server database or an in-memory one."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def real_path(path: Path | str) -> Path:
    """The path with every symlink resolved (a missing file's directories resolved as far as they exist)."""
    return Path(os.path.realpath(os.path.abspath(os.path.expanduser(str(path)))))


def _same(a: Path, b: Path) -> bool:
    if real_path(a) == real_path(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link reaches the same file under another name
    except OSError:
        return False


def own_database(settings: Settings, path: Path | str) -> str | None:
    """'the state database' or 'the source database' when `path` is one of them (or a file
    SQLite keeps beside it: -wal, -shm, the lock files); None otherwise."""
    for what, url in (("the state database", settings.resolved_state_url), ("the source database", settings.source_url)):
        database = sqlite_path(url)
        if database is None:
            continue
        for suffix in _COMPANIONS:
            if _same(Path(path), database.with_name(database.name + suffix)):
                return what
    return None


def create_private_file(path: Path) -> None:
    """Create an SQLite database's file 0600 (its folders 0700) before SQLite does with the umask's
    0644: the state database holds templates, recipients and history. SQLite gives its -wal and -shm
    files the database's mode. An existing file, or anything that is not ours, is left alone."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # SQLite says why it cannot open the file, with its path
    try:
        give_to_directory_owner(fd, path.parent)  # root in a service's directory: the service's file
    finally:
        os.close(fd)
