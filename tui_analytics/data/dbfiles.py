"""The files behind SQLite URLs, so that nothing the product writes lands on its own databases.

An export path, or a demo-data target, that is the live state database or the
source database (reached directly, through a symlink or a hard link) would
replace or fill it. `own_database(settings, path)` says which one a path is.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tui_analytics.config.settings import Settings

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
