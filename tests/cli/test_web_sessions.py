"""`web` sessions within bounds: how many, how large, and no dashboard outlives its client or `web`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.serving import REPO, WAIT, Serve, free_port
from tests.support.waiting import poll_until
from tui_analytics.cli.web_session import MAX_COLUMNS, MAX_ROWS, bounded_size

GONE_WITHIN = 5.0  # seconds: a session's dashboard ends this soon after its client, or `web`, went
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list the server's children")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death watch is Linux's")


def child_pids(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (a session's dashboard is a child of `web`)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(entry.name))
    return children


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie waiting for its parent has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def environment_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if b"=" in entry)


def start_web(data_dir: Path, *args: str) -> tuple[Serve, int]:
    """`web` on a free port, answering HTTP (its start-up line comes before it listens); without a
    login (--no-auth: these tests are about the sessions' bounds, test_web_auth.py about the login)."""
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--no-auth", *args, command="web")

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                return response.status == 200
        except OSError:
            return web.proc.poll() is not None

    poll_until(answers, timeout=WAIT, interval=0.2)
    assert web.proc.poll() is None, web.drain()
    return web, port


@contextlib.asynccontextmanager
async def session(port: int, query: str = "") -> AsyncIterator[Any]:
    """A browser's WebSocket to the dashboard page (the page's own Origin)."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(
            f"ws://127.0.0.1:{port}/ws{query}",
            headers={"Origin": f"http://127.0.0.1:{port}"},
            max_msg_size=0,
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
        ) as ws,
    ):
        yield ws


async def handshake_status(port: int) -> int:
    import aiohttp

    try:
        async with session(port):
            return 101
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


async def wait_for_children(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + WAIT
    while len(children := child_pids(pid)) < count:
        assert time.monotonic() < deadline, f"{len(children)} dashboard(s) started, not {count}"
        await asyncio.sleep(0.1)
    return children


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The processes of `pids` still running after `seconds` (an empty list once all ended)."""
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# -- the terminal size ----------------------------------------------------------------


def test_a_terminal_size_is_bounded_and_junk_keeps_the_current_one() -> None:
    assert bounded_size("120", "40") == (120, 40)
    assert bounded_size("9000", "9000") == (MAX_COLUMNS, MAX_ROWS) == (500, 200)
    assert bounded_size(20000, 20000, (120, 40)) == (500, 200)
    assert bounded_size("-5", 0) == (1, 1)
    assert bounded_size(None, "1e9") == (80, 24)  # textual-serve's default size
    assert bounded_size("wide", [1], (120, 40)) == (120, 40)
    assert bounded_size(float("inf"), float("nan"), (120, 40)) == (120, 40)


# Stands in for the dashboard: says it is a Textual app, then writes down its size and each control
# message `web` sends it (textual-serve's packets: a type byte, a 4-byte length, the payload).
FAKE_DASHBOARD = """
import json, os, sys
record = open(sys.argv[1], "a", buffering=1)
record.write(json.dumps({"COLUMNS": os.environ["COLUMNS"], "ROWS": os.environ["ROWS"]}) + "\\n")
sys.stdout.buffer.write(b"__GANGLION__\\n")
sys.stdout.flush()
read = sys.stdin.buffer.read
while (kind := read(1)):
    payload = read(int.from_bytes(read(4), "big"))
    if kind == b"M":
        record.write(payload.decode() + "\\n")
        if json.loads(payload)["type"] == "quit":
            break
"""


async def test_the_size_a_page_asks_for_is_bounded_at_the_start_and_on_each_resize(tmp_path) -> None:
    import aiohttp
    from aiohttp import web

    from tui_analytics.cli.web_cmd import _server_class

    script, record = tmp_path / "fake_dashboard.py", tmp_path / "record.jsonl"
    script.write_text(FAKE_DASHBOARD)
    port = free_port()
    server = _server_class()(f"exec {sys.executable} {script} {record}", host="127.0.0.1", port=port)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        async with session(port, "?width=9000&height=9000") as ws:
            await ws.send_json(["resize", {"width": 20000, "height": 20000}])
            await ws.send_json(["resize", {"width": "junk", "height": 50}])
            deadline = time.monotonic() + WAIT
            while len(lines := record.read_text().splitlines() if record.exists() else []) < 3:
                assert time.monotonic() < deadline, lines
                await asyncio.sleep(0.05)
        while server.sessions:  # the client left: its session ends its (fake) dashboard
            assert time.monotonic() < deadline, "the session did not end"
            await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(aiohttp.ClientError):
            await runner.cleanup()
    start, first, second = (json.loads(line) for line in lines[:3])
    assert start == {"COLUMNS": "500", "ROWS": "200"}
    assert first == {"type": "resize", "width": 500, "height": 200}
    assert second == {"type": "resize", "width": 500, "height": 50}  # what is not a number keeps the width


@pytest.mark.slow
@needs_proc
def test_the_size_asked_for_at_the_start_is_bounded(data_dir) -> None:
    web, port = start_web(data_dir)
    try:

        async def scenario() -> dict[str, str]:
            async with session(port, "?width=9000&height=9000"):
                (dashboard,) = await wait_for_children(web.proc.pid, 1)
                return environment_of(dashboard)

        environment = asyncio.run(scenario())
        code, log = web.stop()
    finally:
        web.close()
    assert (environment["COLUMNS"], environment["ROWS"]) == ("500", "200")
    assert code == 0, log


# -- how many -------------------------------------------------------------------------


@pytest.mark.slow
@needs_proc
def test_one_session_over_the_cap_gets_503_and_starts_no_dashboard(data_dir) -> None:
    web, port = start_web(data_dir, "--max-sessions", "2")
    try:

        async def scenario() -> tuple[int, list[int]]:
            async with session(port), session(port):
                await wait_for_children(web.proc.pid, 2)
                status = await handshake_status(port)
                await asyncio.sleep(0.5)  # a dashboard started for it would show by now
                return status, child_pids(web.proc.pid)

        status, children = asyncio.run(scenario())
        code, log = web.stop()
    finally:
        web.close()
    assert status == 503
    assert len(children) == 2
    assert "refused a session from 127.0.0.1: 2 sessions are open, the most allowed (--max-sessions)" in log
    assert log.count("session opened") == 2
    assert code == 0, log


def test_max_sessions_must_be_at_least_one(capsys) -> None:
    from tui_analytics.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["web", "--max-sessions", "0"])
    assert exited.value.code == 2
    assert "argument --max-sessions: must be a whole number of at least 1, got '0'" in capsys.readouterr().err


# -- how long -------------------------------------------------------------------------


@pytest.mark.slow
@needs_proc
@pytest.mark.parametrize("dashboard_state", ["running", "stopped"])
def test_a_sessions_dashboard_ends_within_seconds_of_its_client(data_dir, dashboard_state: str) -> None:
    """A dashboard that cannot quit (stopped here; busy or blocked writing in the wild) is killed."""
    web, port = start_web(data_dir)
    try:

        async def scenario() -> list[int]:
            async with session(port):
                dashboards = await wait_for_children(web.proc.pid, 1)
                await asyncio.sleep(1.0)  # the dashboard is up: its quit is the dashboard's, not an early exit
                if dashboard_state == "stopped":
                    os.kill(dashboards[0], signal.SIGSTOP)
            return dashboards

        dashboards = asyncio.run(scenario())
        left = gone_within(dashboards, GONE_WITHIN)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        code, log = web.stop()
    finally:
        web.close()
    assert left == [], f"still running {GONE_WITHIN} s after the client left"
    assert code == 0, log
    assert "session closed" in log
    if dashboard_state == "stopped":
        assert "did not quit within" in log and "killing it" in log


@pytest.mark.slow
@needs_proc
@linux_only
def test_the_dashboards_end_within_seconds_of_web_being_killed(data_dir) -> None:
    web, port = start_web(data_dir)
    try:

        async def scenario() -> list[int]:
            async with session(port), session(port):
                dashboards = await wait_for_children(web.proc.pid, 2)
                await asyncio.sleep(1.0)
                web.proc.kill()
                web.proc.wait(timeout=30)
                return dashboards

        dashboards = asyncio.run(scenario())
        left = gone_within(dashboards, GONE_WITHIN)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    finally:
        web.close()
    assert left == [], f"still running {GONE_WITHIN} s after web was killed"


@linux_only
def test_a_dashboard_whose_quit_hangs_still_ends_after_web_died(tmp_path) -> None:
    """The hard exit behind the SIGTERM: the child here ignores SIGTERM, as a hung quit would."""
    child = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "from tui_analytics.cli.web_child import end_with\n"
        "print('watching' if end_with(os.getppid()) else 'orphan', flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = (
        "import subprocess, sys\n"
        f"proc = subprocess.Popen([sys.executable, '-c', {child!r}])\n"
        "print(proc.pid, flush=True)\n"
        "proc.wait()\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", parent], cwd=str(REPO), stdout=subprocess.PIPE, text=True)
    try:
        assert launcher.stdout is not None
        pid = int(launcher.stdout.readline())
        assert launcher.stdout.readline().strip() == "watching"
        launcher.kill()
        launcher.wait(timeout=30)
        left = gone_within([pid], GONE_WITHIN)
        if left:
            os.kill(pid, signal.SIGKILL)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert left == [], "a child ignoring SIGTERM was still running after its parent died"


def test_a_dashboard_whose_web_had_ended_before_it_watched_exits_at_once(data_dir) -> None:
    """Orphaned between its start and its watch: the pid `web` gave is no longer its parent."""
    from tests.support.serving import cli_env

    env = cli_env(data_dir, TUI_ANALYTICS_WEB_PARENT=str(os.getpid() + 1_000_000), TUI_ANALYTICS_WEB_SCHEDULE="0")
    done = subprocess.run(
        [sys.executable, "-m", "tui_analytics"], cwd=str(REPO), env=env, stdin=subprocess.PIPE, capture_output=True, timeout=WAIT
    )
    assert done.returncode == 1
    assert done.stdout == b""  # no dashboard drawn


def test_the_header_does_not_name_a_scheduling_process_that_has_ended() -> None:
    """The channel's status row outlives the process that wrote it; a browser dashboard, which does
    not take over, would otherwise go on showing it as the scheduler."""
    import socket
    from types import SimpleNamespace

    from tui_analytics.ui.dashboard_services import DashboardServices

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    here = socket.gethostname()

    def label(pid: int) -> str | None:
        holder = {"pid": pid, "host": here, "program": "serve", "since": "2026-01-01T00:00:00+00:00"}
        root = SimpleNamespace(
            processor=SimpleNamespace(read_only=True),
            channel=SimpleNamespace(status={"holder": holder}),
            built=lambda name: object(),
        )
        return DashboardServices(root).attached_label("another process")

    assert label(os.getpid()) == f"attached to serve on {here} (pid {os.getpid()})"
    assert label(int(ended.stdout)) == "attached to another process"


# Stands in for a dashboard that draws without pause: textual-serve's data packets, as fast as it can.
FLOODING_DASHBOARD = """
import sys
out = sys.stdout.buffer
out.write(b"__GANGLION__\\n")
frame = b"\\x1b[H" + b"x" * 60000
while True:
    out.write(b"D" + len(frame).to_bytes(4, "big") + frame)
    out.flush()
"""


async def test_a_client_that_drops_mid_send_is_one_quiet_line(tmp_path, caplog) -> None:
    """A browser that vanishes (a reset, not a close) while its dashboard's output is being sent:
    no traceback, nothing above INFO (the session's end is an event, not a fault)."""
    import base64
    import logging
    import socket
    import struct

    from aiohttp import web

    from tui_analytics.cli.web_cmd import _server_class

    script = tmp_path / "flooding_dashboard.py"
    script.write_text(FLOODING_DASHBOARD)
    port = free_port()
    server = _server_class()(f"exec {sys.executable} {script}", host="127.0.0.1", port=port)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    caplog.set_level(logging.DEBUG)
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        for _ in range(3):
            client = socket.socket()
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing: the server's sends back up
            await asyncio.to_thread(client.connect, ("127.0.0.1", port))
            key = base64.b64encode(os.urandom(16)).decode()
            client.sendall(
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            deadline = time.monotonic() + WAIT
            while not server.sessions:
                assert time.monotonic() < deadline, "no session started"
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # the flood is on its way, the client's window full
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # a reset mid-send
            while server.sessions:
                assert time.monotonic() < deadline, "the session did not end"
                await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    # (this fake never reads its quit message: being terminated for it is its own doing; and this
    # server runs without a login, which it says once at start)
    loud = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and "did not quit" not in r.getMessage() and "with --no-auth" not in r.getMessage()
    ]
    assert loud == [], [(r.name, r.getMessage()) for r in loud]
    assert not [r for r in caplog.records if r.exc_info and r.levelno > logging.DEBUG]
    assert sum("session closed" in r.getMessage() for r in caplog.records) == 3
