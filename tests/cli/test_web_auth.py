"""`web`'s login (cli/web_auth.py) over HTTP: no session, no dashboard page and no WebSocket; a
token or a user's password starts one; the cookie's flags; the login form's CSRF checks."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from tui_analytics.cli.web_auth import CSRF_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Authenticator
from tui_analytics.cli.web_session import DashboardServer
from tui_analytics.config.access import WebUser

HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
TOKEN = "the-token-printed-at-start"
USERS = (
    WebUser("alice", HASHER.hash("alice-secret"), "operator"),
    WebUser("bob", HASHER.hash("bob-secret"), "viewer"),
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def client_for(server: DashboardServer) -> TestClient:
    client = TestClient(TestServer(await server._make_app(), port=server.port))
    await client.start_server()
    return client


def dashboard_server(users=(), token=TOKEN, public_url=None, clock=None) -> DashboardServer:
    from tests.support.serving import free_port

    port = free_port()
    return DashboardServer(
        f"exec {sys.executable} -c pass",
        host="127.0.0.1",
        port=port,
        public_url=public_url,
        auth=lambda origins, secure: Authenticator(users, token, origins, secure=secure, clock=clock or Clock()),
    )


@pytest.fixture
async def token_client() -> AsyncIterator[tuple[TestClient, str]]:
    server = dashboard_server()
    client = await client_for(server)
    yield client, f"http://127.0.0.1:{server.port}"
    await client.close()


@pytest.fixture
async def users_client() -> AsyncIterator[tuple[TestClient, str]]:
    server = dashboard_server(users=USERS, token=None)
    client = await client_for(server)
    yield client, f"http://127.0.0.1:{server.port}"
    await client.close()


async def test_without_a_session_the_page_is_a_login_and_the_websocket_is_refused(token_client) -> None:
    client, origin = token_client
    page = await client.get("/")
    text = await page.text()
    assert page.status == 200 and 'id="login"' in text and "websocket" not in text.lower()
    assert page.headers["X-Frame-Options"] == "DENY"
    cookie = page.headers["Set-Cookie"]
    assert CSRF_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    socket = await client.get("/ws", headers={"Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket"})
    assert socket.status == 401
    assert (await client.get("/download/anything")).status == 401


async def test_the_token_starts_a_session_and_the_page_opens(token_client) -> None:
    client, _origin = token_client
    wrong = await client.get("/?token=guess", allow_redirects=False)
    assert wrong.status == 401 and SESSION_COOKIE not in wrong.headers.get("Set-Cookie", "")
    login = await client.get(f"/?token={TOKEN}", allow_redirects=False)
    assert login.status == 303 and login.headers["Location"] == "/"
    cookie = login.headers["Set-Cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    page = await client.get("/")
    assert "data-session-websocket-url" in await page.text()


async def test_a_users_password_starts_a_session_behind_csrf_and_origin_checks(users_client) -> None:
    client, origin = users_client

    async def post(origin: str = origin, **changes: str):
        # Each answer with the form sets a new CSRF cookie: the form that page holds carries it.
        csrf = client.session.cookie_jar.filter_cookies(client.make_url("/"))[CSRF_COOKIE].value
        form = {"csrf": csrf, "user": "bob", "password": "bob-secret", **changes}
        return await client.post("/login", data=form, headers={"Origin": origin}, allow_redirects=False)

    await client.get("/")  # the form and its CSRF cookie
    assert (await post(origin="https://evil.example")).status == 403
    assert (await post(csrf="forged")).status == 403
    wrong = await post(password="nope")
    assert wrong.status == 401 and "Wrong user name or password" in await wrong.text()
    stranger = await post(user="eve")
    assert stranger.status == 401 and "Wrong user name or password" in await stranger.text()  # the same answer
    good = await post()
    assert good.status == 303 and SESSION_COOKIE in good.headers["Set-Cookie"]
    assert "data-session-websocket-url" in await (await client.get("/")).text()


async def test_a_session_ends_after_its_time_and_the_cookie_is_secure_over_https() -> None:
    clock = Clock()
    server = dashboard_server(public_url="https://analytics.example.com", clock=clock)
    client = await client_for(server)
    try:
        login = await client.get(f"/?token={TOKEN}", allow_redirects=False)
        assert "Secure" in login.headers["Set-Cookie"]
        session = login.cookies[SESSION_COOKIE].value
        assert "data-session-websocket-url" in await (await client.get("/", cookies={SESSION_COOKIE: session})).text()
        clock.now += SESSION_SECONDS + 1
        assert 'id="login"' in await (await client.get("/", cookies={SESSION_COOKIE: session})).text()
    finally:
        await client.close()


def test_no_auth_is_refused_off_this_machine(capsys) -> None:
    from tui_analytics.cli import main

    assert main(["web", "--no-auth", "--host", "0.0.0.0"]) == 1
    assert capsys.readouterr().err.strip() == (
        "tui-analytics: error: --no-auth is refused with --host 0.0.0.0: only on 127.0.0.1, ::1 or localhost"
    )


def test_hash_password_prints_an_argon2_hash_that_checks(monkeypatch, capsys) -> None:
    import io

    from tui_analytics.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    assert main(["web", "--hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$") and PasswordHasher().verify(printed, "correct horse")


def test_read_only_web_passes_the_mode_to_every_sessions_dashboard() -> None:
    import argparse

    from tui_analytics.cli.web_cmd import dashboard_command

    assert dashboard_command(argparse.Namespace(config=None, verbose=False, read_only=True)).endswith(
        "-m tui_analytics --read-only"
    )
    assert "--read-only" not in dashboard_command(argparse.Namespace(config=None, verbose=False, read_only=False))
