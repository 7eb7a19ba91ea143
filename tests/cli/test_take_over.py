"""A dashboard or `serve` started as another OS user than the one that owns the data directory
does not take over scheduling (one line naming both users) unless --take-over is given: root's
reports and logs in a service's directory would be files the service cannot replace."""

from __future__ import annotations

import os
import pwd
import signal

import pytest

from tests.support.serving import Serve
from tui_analytics.cli import main
from tui_analytics.cli.ownership import foreign_owner, user_name
from tui_analytics.data.state import locking

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the data directory to another user")
OTHER = "nobody"


def test_the_line_names_both_users(tmp_path) -> None:
    me = os.geteuid()
    assert foreign_owner(tmp_path) is None  # ours
    assert foreign_owner(tmp_path / "not-made-yet") is None  # it will be made by us
    other = me + 12345
    line = foreign_owner(tmp_path, uid=other)
    assert line == (
        f"the data directory {tmp_path} belongs to {user_name(me)}, this process runs as {user_name(other)}: "
        "not taking over scheduling (--take-over to schedule anyway)"
    )
    assert user_name(other) == _name_or_number(other)


def _name_or_number(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"  # a DynamicUser= account while its service is stopped has no entry


@pytest.fixture
def foreign_dir(settings, monkeypatch):
    os.chown(settings.data_dir, pwd.getpwnam(OTHER).pw_uid, -1)
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    yield settings.data_dir
    os.chown(settings.data_dir, 0, -1)


@needs_root
def test_serve_refuses_in_one_line_with_exit_1(foreign_dir, capsys) -> None:
    code = main(["serve"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert f"belongs to {OTHER}, this process runs as root: not taking over scheduling" in err
    assert not (foreign_dir / "state.sqlite3").exists()  # nothing opened, nothing made


class FakeApp:
    """Stands in for the dashboard: what it was told before it ran, and whether it ran."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.ran = False
        self.return_code = 0

    def notify(self, message: str, **_options: object) -> None:
        self.notes.append(message)

    def run(self) -> None:
        self.ran = True


@needs_root
@pytest.mark.parametrize("take_over", [False, True])
def test_the_dashboard_attaches_instead_unless_told_to_take_over(foreign_dir, monkeypatch, capsys, take_over) -> None:
    import tui_analytics.cli.dashboard as dashboard
    import tui_analytics.ui as ui

    app = FakeApp()
    monkeypatch.setattr(ui, "build_app", lambda *a, **k: app)
    monkeypatch.setattr(dashboard, "_log_to_file", lambda *a: None)
    monkeypatch.setattr(locking, "_may_schedule", True)
    assert main(["--take-over"] if take_over else []) == 0
    err = capsys.readouterr().err
    assert app.ran
    if take_over:
        assert locking._may_schedule and app.notes == [] and err == ""
    else:
        assert not locking._may_schedule  # it attaches to whoever schedules, as a second dashboard does
        assert len(app.notes) == 1 and f"belongs to {OTHER}, this process runs as root" in app.notes[0]
        assert err == f"tui-analytics: {app.notes[0]}\n"


@needs_root
@pytest.mark.slow
def test_serve_with_take_over_schedules(foreign_dir) -> None:
    serve = Serve(foreign_dir, "--take-over")
    try:
        serve.wait_for_line("scheduling 6 jobs")
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
    assert code == 0, log


@needs_root
def test_what_root_creates_in_anothers_data_directory_belongs_to_that_user(foreign_dir) -> None:
    """A root dashboard that opened a service's directory first (attached, not scheduling) must not
    leave root's 0600 lock and database files there: the service could not open them next."""
    from sqlalchemy import text

    from tui_analytics.data.engines import new_engine
    from tui_analytics.data.state.lock_backends import open_lock_file

    os.close(open_lock_file(foreign_dir / "state.sqlite3.presence.lock"))
    engine = new_engine(f"sqlite:///{foreign_dir / 'fresh.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    owner = pwd.getpwnam(OTHER).pw_uid
    made = [foreign_dir / "state.sqlite3.presence.lock", *foreign_dir.glob("fresh.sqlite3*")]
    assert len(made) >= 2 and {path.name: path.stat().st_uid for path in made} == {path.name: owner for path in made}
    engine.dispose()


@needs_root
def test_root_keeps_what_it_creates_in_its_own_directory(tmp_path) -> None:
    from tui_analytics.data.state.lock_backends import open_lock_file

    os.close(open_lock_file(tmp_path / "x.lock"))
    assert (tmp_path / "x.lock").stat().st_uid == 0
