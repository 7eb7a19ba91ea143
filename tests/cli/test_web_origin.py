"""`web` refuses a WebSocket from a page that is not the dashboard's own (cross-site WebSocket hijacking)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from tests.support.serving import WAIT, Serve, free_port
from tests.support.waiting import poll_until
from tui_analytics.cli.web_origin import OriginPolicy, origin_of


def test_origin_of_normalises_scheme_host_and_default_ports() -> None:
    assert origin_of("HTTP://LocalHost:8000/") == "http://localhost:8000"
    assert origin_of("https://analytics.example.com:443/x") == "https://analytics.example.com"
    assert origin_of("http://[::1]:8000") == "http://[::1]:8000"
    assert origin_of("null") is None
    assert origin_of("file:///etc/passwd") is None
    assert origin_of("http://host:99999") is None  # an impossible port


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_the_page_itself_may_open_a_session_on_loopback(origin: str) -> None:
    assert OriginPolicy("127.0.0.1", 8000, None).allows(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://evil.example:8000",  # DNS rebinding: a foreign name resolving to 127.0.0.1, on our port
        "http://127.0.0.1:8001",  # another local service's page
        "https://127.0.0.1:8000",
        "null",  # a sandboxed frame or a file:// page
        "",
    ],
)
def test_a_foreign_page_may_not(origin: str) -> None:
    assert not OriginPolicy("127.0.0.1", 8000, None).allows(origin)


def test_behind_a_proxy_the_public_origin_is_the_page() -> None:
    policy = OriginPolicy("127.0.0.1", 8000, "https://analytics.example.com")
    assert policy.allows("https://analytics.example.com")
    assert not policy.allows("http://analytics.example.com")
    assert not policy.allows("https://evil.example")


def test_on_every_address_an_ip_literal_on_our_port_is_the_page_but_a_name_is_not() -> None:
    policy = OriginPolicy("0.0.0.0", 8000, None)
    assert policy.allows("http://192.0.2.10:8000")
    assert not policy.allows("http://192.0.2.10:8001")
    assert not policy.allows("http://intranet.example:8000")  # a name: pass it as --public-url


def test_a_named_host_allows_that_name_only() -> None:
    policy = OriginPolicy("analytics.internal", 8000, None)
    assert policy.allows("http://analytics.internal:8000")
    assert not policy.allows("http://localhost:8000")


def _child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a session's dashboard is a child of `web`)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def _wait_until_listening(port: int, web: Serve) -> None:
    """`web` accepts connections (its start-up line is logged just before it listens)."""

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0 or web.proc.poll() is not None

    poll_until(listening, timeout=WAIT, interval=0.1)
    assert web.proc.poll() is None, web.drain()


async def _open(url: str, origin: str) -> int:
    """The HTTP status of a WebSocket handshake sent with this Origin (101 when it opened)."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers={"Origin": origin}, timeout=aiohttp.ClientWSTimeout(ws_close=5)) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list the server's children")
def test_a_foreign_origin_gets_403_and_no_dashboard_starts(data_dir) -> None:
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--no-auth", command="web")  # the origin check, not the login
    try:
        web.wait_for_line("serving the dashboard", timeout=WAIT)  # read now: later lines come one by one
        _wait_until_listening(port, web)
        for origin in ("http://evil.example", f"http://evil.example:{port}", "null"):
            assert asyncio.run(_open(f"ws://127.0.0.1:{port}/ws", origin)) == 403
        assert _child_pids(web.proc.pid) == []  # nothing was started for them
        line = web.wait_for_line("refused a session")
        assert "'http://evil.example'" in line and "--public-url" in line
        code, log = web.stop()
    finally:
        web.close()
    assert code == 0, log
    assert "session opened" not in log


@pytest.mark.slow
def test_the_pages_own_origin_still_opens_a_session(data_dir) -> None:
    port = free_port()
    web = Serve(data_dir, "--port", str(port), "--no-auth", command="web")  # the origin check, not the login
    try:
        web.wait_for_line("serving the dashboard", timeout=WAIT)  # read now: later lines come one by one
        _wait_until_listening(port, web)
        assert asyncio.run(_open(f"ws://127.0.0.1:{port}/ws", f"http://localhost:{port}")) == 101
        web.wait_for_line("session opened")
        web.wait_for_line("session closed")
        code, log = web.stop()
    finally:
        web.close()
    assert code == 0, log
    assert "refused" not in log
