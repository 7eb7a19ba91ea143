"""Helpers for the reliability tests (no tests here): a TCP proxy that can refuse or cut
connections, a private PostgreSQL database, worker subprocesses, litter checks.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.constants import POSTGRES_URL
from tui_analytics.data.engines import normalise_url

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "reliability_worker.py"

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="TUI_ANALYTICS_TEST_POSTGRES_URL is not set (.ci/run sets it)")


TCP_REPAIR = 19  # linux/tcp.h; needs CAP_NET_ADMIN (root)


class TcpProxy:
    """127.0.0.1:<port> -> target. `down()` refuses new connections and cuts open ones; `up()` serves again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        self.cut()

    def cut(self) -> None:
        """Drop every open connection (a server crash, a network blip)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def vanish(self) -> None:
        """The host behind the proxy is gone: new connections refused, and every open one dropped
        without a word to either end (no FIN, no RST: TCP_REPAIR closes a socket silently). A peer
        finds out only when it next sends or probes: then it gets a reset."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
            conn.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()

    def url_for(self, url: str) -> str:
        """`url` pointed at this proxy."""
        return make_url(normalise_url(url)).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)


def admin_engine() -> Any:
    return create_engine(normalise_url(POSTGRES_URL or ""), isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def private_pg_database(prefix: str = "tui_rel") -> Iterator[str]:
    """A new PostgreSQL database for one test (other tests use the shared `test` database)."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(POSTGRES_URL or "")).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from tui_analytics.data.engines import dispose_all

        dispose_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def terminate_backends(database: str, where: str = "true") -> int:
    """pg_terminate_backend for the sessions of one database matching an SQL condition; returns how many.

    Returns once those sessions are gone, their locks released: the call without a timeout only
    signals the backend, and a test that next asked for the dead session's advisory lock lost the
    race when the machine was busy. (The timeout form exists from PostgreSQL 14.)
    """
    admin = admin_engine()
    try:
        with admin.connect() as conn:
            waits = int(conn.execute(text("SHOW server_version_num")).scalar() or 0) >= 140000
            terminate = "pg_terminate_backend(pid, 30000)" if waits else "pg_terminate_backend(pid)"
            return len(
                conn.execute(
                    text(f"SELECT {terminate} FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() AND ({where})"),
                    {"db": database},
                ).all()
            )
    finally:
        admin.dispose()


def wait_for_query(database: str, marker: str, timeout: float = 30.0) -> None:
    """Wait until a statement containing `marker` is running in `database`."""
    admin = admin_engine()
    deadline = time.monotonic() + timeout
    try:
        with admin.connect() as conn:
            while time.monotonic() < deadline:
                found = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND state = 'active' "
                        "AND query LIKE :m AND pid <> pg_backend_pid()"
                    ),
                    {"db": database, "m": f"%{marker}%"},
                ).scalar()
                if found:
                    return
                time.sleep(0.02)
    finally:
        admin.dispose()
    raise AssertionError(f"no running query with {marker!r}")


def temp_litter(*directories: Path) -> list[Path]:
    """Temp files of the atomic writer (or anything hidden) left in the directories."""
    found: list[Path] = []
    for directory in directories:
        if directory.exists():
            found += [p for p in directory.iterdir() if p.name.startswith(".") or p.name.endswith(".tui-tmp")]
    return found


class Worker:
    """A subprocess running tests/support/reliability_worker.py; its stdout lines are read as they come."""

    def __init__(self, mode: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), mode, *args],
            cwd=str(REPO),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []

    def wait_for(self, prefix: str, timeout: float = 60.0) -> str:
        """The first stdout line starting with `prefix` (earlier lines are kept in `lines`)."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.lines.append(line.rstrip("\n"))
                if line.startswith(prefix):
                    return line.rstrip("\n")
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"worker never printed {prefix!r}; lines={self.lines}; stderr={err[-2000:]}")

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        self.lines += out.splitlines()
        return self.proc.returncode, out, err

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill9()
