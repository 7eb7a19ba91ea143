"""Passwords echoed back by whoever received them: a database server that repeats the password
in its error, an SMTP server that answers AUTH PLAIN with the decoded credentials. The
passwords come from the TOML file and from the environment, encoded and with unencoded
`?`, `#`, `@` and `%`. None may reach the CLI's output, the log, the state database or a file.
"""

from __future__ import annotations

import base64
import logging
import socket
import struct
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tui_analytics.cli import main

pytestmark = pytest.mark.slow  # servers on loopback, several CLI commands per case


class EchoingPostgres:
    """Speaks just enough of the PostgreSQL protocol to ask for a clear-text password and
    refuse it with an error that quotes it, as a careless server or proxy might."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.heard: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    self._session(conn)
                except OSError:
                    pass

    @staticmethod
    def _read(conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _session(self, conn: socket.socket) -> None:
        while True:  # SSL / GSS encryption requests first: refuse them, then the startup message
            length, code = struct.unpack("!ii", self._read(conn, 8))
            self._read(conn, length - 8)
            if code in (80877103, 80877104):
                conn.sendall(b"N")
                continue
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind, length = struct.unpack("!ci", self._read(conn, 5))
        password = self._read(conn, length - 4).rstrip(b"\0")
        self.heard.append(password)
        fields = b"SFATAL\0VFATAL\0C28P01\0M" + b"password authentication failed, got " + password + b"\0\0"
        conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    def close(self) -> None:
        self.sock.close()


class EchoingSmtp:
    """Refuses every login with the credentials it decoded: '535 5.7.8 bad credentials: u p'."""

    def __init__(self) -> None:
        self.heard: list[bytes] = []
        self.port = 0

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.heard.append(auth_data.password)
        text = f"{auth_data.login.decode()} {auth_data.password.decode()}"
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad credentials: {text}")


@pytest.fixture
def postgres():
    server = EchoingPostgres()
    yield server
    server.close()


@pytest.fixture
def smtp():
    handler = EchoingSmtp()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(object(), hostname="127.0.0.1", port=port, authenticator=handler, auth_require_tls=False)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


# Every character that ends a URL's password early when it is not percent-encoded, and one
# percent-encoded password. Each case has its own canaries: masks registered by an earlier
# case must not hide a leak in a later one.
SPELLINGS = {"question": "?", "hash": "#", "at": "@", "percent": "%", "encoded": ""}


def canary(kind: str, case: str) -> str:
    middle = SPELLINGS[case]
    return f"{kind}Canary{case[:3]}{middle}pw991" if middle else f"{kind}Canary{case[:3]}:/ pw991"


def in_url(password: str, case: str) -> str:
    return quote(password, safe="") if case == "encoded" else password


def spellings(secret: str, login: str) -> set[bytes]:
    out = {
        secret.encode(),
        quote(secret, safe="").encode(),
        secret.replace(" ", "+").encode(),
        base64.b64encode(f"\0{login}\0{secret}".encode()),
    }
    out |= {piece.encode() for piece in secret.split("@") if len(piece) >= 6}  # a driver's "host"
    return out


def leaks(data: bytes, secrets: set[bytes]) -> list[bytes]:
    return sorted(s for s in secrets if s in data)


def files_leaking(root: Path, secrets: set[bytes]) -> dict[str, list[bytes]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and leaks(path.read_bytes(), secrets):
            found[str(path)] = leaks(path.read_bytes(), secrets)
    return found


@pytest.mark.parametrize("case", list(SPELLINGS))
def test_echoed_passwords_from_toml_and_environment_never_show(
    case, postgres, smtp, tmp_path, capsys, monkeypatch, settings
) -> None:
    db_pw, state_pw, smtp_pw = (canary(kind, case) for kind in ("Toml", "State", "Smtp"))
    secrets = spellings(db_pw, "analyst") | spellings(state_pw, "keeper") | spellings(smtp_pw, "mailer")
    data_dir = settings.data_dir
    toml = tmp_path / "tui.toml"
    db_url = f"postgresql://analyst:{in_url(db_pw, case)}@127.0.0.1:{postgres.port}/analytics"
    toml.write_text(f"database_url = {db_url!r}\nhistory_retention = 100\n".replace("'", '"'), encoding="utf-8")
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    # An SMTP URL cut short by an unencoded "?" or "#" cannot be used at all ("invalid port"):
    # there the password is encoded, so the server still hears it and echoes it.
    smtp_in_url = quote(smtp_pw, safe="") if case in ("question", "hash") else in_url(smtp_pw, case)
    monkeypatch.setenv("TUI_ANALYTICS_SMTP_URL", f"smtp://mailer:{smtp_in_url}@127.0.0.1:{smtp.port}")
    log_file = tmp_path / "cli.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    shown = b""
    try:

        def run(*argv: str, config: bool = True) -> int:
            nonlocal shown
            code = main([*(("--config", str(toml)) if config else ()), *argv])
            out = capsys.readouterr()
            shown += (out.out + out.err).encode()
            return code

        # the database (password from TOML) echoes it: a failed job, its history, an export
        assert run("-v", "jobs", "run", "top-items") == 1
        assert run("jobs", "history") == 0 and run("jobs", "status", "--json") == 0
        assert run("-v", "export", "top-items", "-o", "-") == 1
        # the SMTP server (password from the environment) echoes it: a report on the demo source
        assert (
            run(
                "report",
                "create",
                "--name",
                "Mailed",
                "--schedule",
                "daily",
                "--dataset",
                "top-items",
                "--recipient",
                "ops@example.com",
                config=False,
            )
            == 0
        )
        template_id = shown.decode().strip().splitlines()[-1]
        assert run("-v", "report", "run", template_id, "--json", config=False) == 0
        assert run("report", "history", config=False) == 0 and run("report", "history", "--json", config=False) == 0
        # the state database's password (environment) in its own connection error
        monkeypatch.setenv(
            "TUI_ANALYTICS_STATE_URL", f"postgresql://keeper:{in_url(state_pw, case)}@127.0.0.1:{postgres.port}/state"
        )
        assert run("-v", "jobs", "status", config=False) == 1
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert b"***" in shown and b"535" in shown, shown.decode()[-3000:]  # the errors were shown, masked
    if case != "at":  # SQLAlchemy takes the host to start after the first "@": the driver finds no server
        assert db_pw.encode() in postgres.heard  # so the echo really happened
    assert smtp_pw.encode() in smtp.heard
    assert leaks(shown, secrets) == []
    assert leaks(log_file.read_bytes(), secrets) == []
    assert files_leaking(data_dir, secrets) == {}  # the state database (and its WAL), reports


@pytest.mark.parametrize("case", ["hash", "at", "encoded"])
async def test_the_dashboard_never_shows_an_echoed_password(case, postgres, smtp, tmp_path, monkeypatch, settings, capsys) -> None:
    """The start-up failure on the echoing database (header, activity line, notification); then, on
    the demo source, the failed job its run history recorded and the report history's detail line."""
    import asyncio

    from tests.support.sample import record_notifications
    from tests.support.ui import notes, settle, static_text, until
    from tui_analytics.config.settings import load_settings
    from tui_analytics.ui import build_app

    db_pw, smtp_pw = canary("Dash", case), canary("DashSmtp", case)
    secrets = spellings(db_pw, "analyst") | spellings(smtp_pw, "mailer")
    secrets |= {s.replace(b" ", b"&#160;") for s in secrets}  # how the screenshot writes a space
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    smtp_in_url = quote(smtp_pw, safe="") if case == "hash" else in_url(smtp_pw, case)
    monkeypatch.setenv("TUI_ANALYTICS_SMTP_URL", f"smtp://mailer:{smtp_in_url}@127.0.0.1:{smtp.port}")
    toml = tmp_path / "tui.toml"
    toml.write_text(f'database_url = "postgresql://analyst:{in_url(db_pw, case)}@127.0.0.1:{postgres.port}/a"\n', encoding="utf-8")

    def cli(*argv: str) -> int:
        return main(list(argv))

    # history to show: a job the echoing database failed, a delivery the SMTP server refused
    assert await asyncio.to_thread(cli, "--config", str(toml), "jobs", "run", "top-items") == 1
    assert (
        await asyncio.to_thread(
            cli,
            "report",
            "create",
            "--name",
            "Mailed",
            "--schedule",
            "daily",
            "--dataset",
            "top-items",
            "--recipient",
            "ops@example.com",
        )
        == 0
    )
    template = capsys.readouterr().out.strip().splitlines()[-1]
    assert await asyncio.to_thread(cli, "report", "run", template) == 0
    assert smtp_pw.encode() in smtp.heard
    screens: list[str] = []
    failing = record_notifications(build_app(load_settings(toml), start_scheduler=False))
    async with failing.run_test(size=(160, 50), notifications=True) as pilot:
        await until(pilot, lambda: any(n[0] == "error" for n in notes(failing)))
        await pilot.pause(0.2)
        screens.append(failing.export_screenshot())
    app = record_notifications(build_app(load_settings(), start_scheduler=False))
    app.cursor_blink = False
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # top-items: its last error under the table
        await settle(pilot)
        screens.append(app.export_screenshot())
        await pilot.press("4")
        app.screen.query_one("#history-table").focus()  # the detail line names each recipient's outcome
        await settle(pilot)
        screens.append(app.export_screenshot())
        # the detail line in full (a notification may cover part of it in the picture)
        screens.append(static_text(app.screen.query_one("#history-detail")))
    shown = "\n".join(screens + [" ".join(n) for n in notes(failing) + notes(app)]).encode()
    # the refusal and the failed connection were shown, masked (with "@" the driver finds no server)
    assert b"535" in shown and b"***" in shown
    assert case == "at" or b"password authentication failed" in shown
    assert leaks(shown, secrets) == []
    assert files_leaking(settings.data_dir, secrets) == {}
