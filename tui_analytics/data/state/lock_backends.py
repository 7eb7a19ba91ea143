"""Lock backends for locking.py: flock files (SQLite), advisory locks (PostgreSQL), GET_LOCK (MySQL).

Each backend can try to take its lock exclusively or shared without waiting,
release it, tell whether a held lock is still alive, and read the note the
holder left (who it is). Blocking calls: the server ones do SQL.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy.engine import make_url

from tui_analytics.data.engines import normalise_url
from tui_analytics.data.owner import give_to_directory_owner

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

_PG_CLASS = 0x74756961  # 'tuia': the advisory-lock namespace of this app
SCHEDULER_KEY, PRESENCE_KEY = 1, 2
HOLDER_KEY = "scheduler.holder"  # app_meta row naming the holder (server databases)
LOCK_FILE_MODE = 0o600  # the lock files are this user's alone (see FileBackend)


class FileBackend:
    """An flock on a file beside the state database.

    flock needs only a descriptor, a read-only one too: any user who could open the file could
    hold the lock and keep every process from scheduling. So the file is this user's alone: created
    0600, and an existing one of ours with a wider mode tightened. It is never followed as a symlink.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, shared: bool = False, write: str | None = None) -> bool:
        import fcntl

        if self._fd is None:
            self._fd = open_lock_file(self.path)
        try:
            fcntl.flock(self._fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if write is not None:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, write.encode("utf-8"), 0)
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    def alive(self) -> bool:
        return self._fd is not None

    def holder_text(self) -> str | None:
        """The holder's note, or None when nobody holds the lock (a free lock's note is stale)."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return None  # we could take it: free
            except BlockingIOError:
                return os.pread(fd, 4096, 0).decode("utf-8", "replace")
        finally:
            os.close(fd)


def open_lock_file(path: Path) -> int:
    """A read-write descriptor on the lock file at `path`, created 0600; an existing regular file of
    this user's is tightened to 0600. Raises OSError for a symlink or anything but a regular file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, LOCK_FILE_MODE)
        except FileExistsError:
            fd = os.open(path, flags | os.O_CREAT, LOCK_FILE_MODE)  # O_CREAT still: it may have gone since
        else:
            give_to_directory_owner(fd, path.parent)  # made by root in a service's directory: the service's file
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # what O_NOFOLLOW says of a symlink
            raise OSError(exc.errno, "the lock file is a symlink: remove it (a lock file is never followed)", str(path)) from None
        raise
    return _checked(fd, path)


def _checked(fd: int, path: Path) -> int:
    """`fd` when it is a regular file, tightened to 0600 when ours (closed, OSError otherwise)."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "the lock file is not a regular file", str(path))
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & ~LOCK_FILE_MODE:
            os.fchmod(fd, LOCK_FILE_MODE)
            log.info("%s was open to other users: now 0600 (anyone who can open it can hold the lock)", path)
        elif info.st_uid != os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            log.warning(
                "%s belongs to another user (uid %d) and other users may open it: they can hold the lock", path, info.st_uid
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


# A lock session whose holder vanished (its host died, the network between it and the server went)
# holds the lock until the server notices the session is dead. Left to the kernel's defaults that is
# about two hours of nobody scheduling; these bound it to about a minute (docs/deployment.md#failover).
KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT = 10, 5, 3
# MariaDB has no per-session keepalive: the server ends a session idle this long. The holder's
# `alive()` check (every SchedulerLock.refresh_interval, 15 s) keeps a live one from idling out.
MYSQL_LOCK_IDLE_S = 60


def lock_session_options(kind: str) -> dict[str, object]:
    """The driver's connect arguments for a lock session on a `kind` server."""
    if kind == "postgresql":
        keepalive = (
            f"-c tcp_keepalives_idle={KEEPALIVE_IDLE_S} -c tcp_keepalives_interval={KEEPALIVE_INTERVAL_S}"
            f" -c tcp_keepalives_count={KEEPALIVE_COUNT}"
        )
        return {
            "connect_timeout": 10,
            # The server's end: it drops the session (and the lock) when this client stops answering.
            "options": keepalive,
            # This end: a holder cut off from the server finds out, instead of waiting in a read.
            "keepalives": 1,
            "keepalives_idle": KEEPALIVE_IDLE_S,
            "keepalives_interval": KEEPALIVE_INTERVAL_S,
            "keepalives_count": KEEPALIVE_COUNT,
            "tcp_user_timeout": (KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT) * 1000,
        }
    if kind in ("mysql", "mariadb"):
        return {"connect_timeout": 10, "read_timeout": 30, "write_timeout": 30}
    return {"connect_timeout": 10}


class ServerBackend:
    """PostgreSQL advisory lock / MySQL GET_LOCK on a dedicated autocommit session."""

    def __init__(self, url: str, key: int) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.url = url
        self.key = key
        self.kind = make_url(url).get_backend_name()
        self.engine = create_engine(
            url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=lock_session_options(self.kind)
        )
        self._conn: Connection | None = None
        name = make_url(url).database or ""
        self._mysql_name = f"tui-analytics:{key}:{name}"[:64]

    def _session(self) -> Connection:
        if self._conn is None:
            conn = self.engine.connect()
            if self.kind != "postgresql":
                from sqlalchemy import text

                conn.execute(text(f"SET SESSION wait_timeout = {MYSQL_LOCK_IDLE_S}"))
            self._conn = conn
        return self._conn

    def _sql(self, pg: str, mysql: str) -> object:
        from sqlalchemy import text

        stmt = pg if self.kind == "postgresql" else mysql
        return self._session().execute(text(stmt), {"c": _PG_CLASS, "k": self.key, "n": self._mysql_name}).scalar()

    def acquire(self, shared: bool = False, write: str | None = None) -> bool:
        if shared and self.kind != "postgresql":
            return False  # MySQL has no shared named locks
        fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        got = bool(self._sql(f"SELECT {fn}(:c, :k)", "SELECT GET_LOCK(:n, 0)"))
        if got and write is not None:
            self._write_note(write)
        return got

    def downgrade(self) -> None:
        """Exclusive -> shared (PostgreSQL keeps both until the exclusive one is unlocked)."""
        self._sql("SELECT pg_advisory_lock_shared(:c, :k)", "SELECT 1")
        self._sql("SELECT pg_advisory_unlock(:c, :k)", "SELECT 1")

    def _write_note(self, note: str) -> None:
        from sqlalchemy import delete, insert

        from tui_analytics.data.schema import app_meta

        conn = self._session()
        conn.execute(delete(app_meta).where(app_meta.c.key == HOLDER_KEY))
        conn.execute(insert(app_meta).values(key=HOLDER_KEY, value=note))

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # ending the session releases its advisory locks
            except Exception:
                log.debug("closing the lock session failed", exc_info=True)

    def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._sql("SELECT 1", "SELECT 1")
            return True
        except Exception:  # terminated or the server restarted: the lock is gone with the session
            self.release()
            return False

    def holder_text(self) -> str | None:
        from sqlalchemy import select

        from tui_analytics.data.schema import app_meta

        held = self._sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :c AND objid = :k"
            " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            "SELECT IS_USED_LOCK(:n) IS NOT NULL",
        )
        if not held:
            return None
        note: str | None = self._session().execute(select(app_meta.c.value).where(app_meta.c.key == HOLDER_KEY)).scalar()
        return note or "{}"


class LocalBackend:
    """An in-memory database belongs to one process: the lock is always free for it."""

    def acquire(self, shared: bool = False, write: str | None = None) -> bool:
        return True

    def release(self) -> None:
        pass

    def alive(self) -> bool:
        return True

    def holder_text(self) -> str | None:
        return None


LockBackend: TypeAlias = FileBackend | ServerBackend | LocalBackend


def backend_for(state_url: str, key: int) -> LockBackend:
    url = normalise_url(state_url)
    parsed = make_url(url)
    kind = parsed.get_backend_name()
    if kind == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:") or os.name == "nt":
            return LocalBackend()
        suffix = ".scheduler.lock" if key == SCHEDULER_KEY else ".presence.lock"
        # Beside the real file: two data directories reaching one state file through a
        # symlink (of the file or of a directory) must meet on one lock.
        real = Path(os.path.realpath(Path(database).expanduser()))
        return FileBackend(real.with_name(real.name + suffix))
    if kind in ("postgresql", "mysql", "mariadb"):
        return ServerBackend(url, key)
    return LocalBackend()
