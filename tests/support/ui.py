"""Helpers for the dashboard tests (no tests here; the `services` fixture is in tests/ui/conftest.py)."""

from __future__ import annotations

import threading
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from tests.support import screenshots
from tests.support.processor_fakes import WrappedRepository
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.ui.app import DashboardApp

settle = screenshots.settle  # wait until the app is quiet: workers done, panes redrawn


async def until(pilot: Pilot[Any], condition: Any, timeout: float = 30.0) -> None:
    """Wait (in small steps) until condition() is true; fail after `timeout` seconds (a hang guard, not a speed check)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}")
        await pilot.pause(0.05)


def static_text(widget: Any) -> str:
    return str(widget.render())


def current_screen(app: App[Any]) -> Screen[Any]:
    """The app's screen now. (A type checker keeps an `isinstance(app.screen, ...)` narrowing across
    the awaits that change the screen; read through a call, the screen is looked at afresh.)"""
    return app.screen


def notes(app: DashboardApp) -> list[tuple[str, str, str]]:
    """(severity, title, message) of every notification so far."""
    sent = getattr(app, "sent_notifications", None)
    if sent is not None:
        return list(sent)
    return [(n.severity, n.title, n.message) for n in app._notifications]


def cell(table: Any, row_key: str, column_key: str) -> str:
    return str(table.get_cell(row_key, column_key))


class GatedRepository(WrappedRepository):
    """Wraps a repository so one method waits until `release` is set (a job that is still running)."""

    def __init__(self, inner: SourceRepository, method: str) -> None:
        super().__init__(inner)
        self.method = method
        self.entered = threading.Event()
        self.release = threading.Event()

    def before(self, method: str) -> None:
        if method == self.method:
            self.entered.set()
            self.release.wait(10)


def gated_services(settings: Any, method: str) -> tuple[Any, GatedRepository]:
    """Sample services whose repository holds `method` until the gate's `release` is set."""
    from tests.support.sample import sample_services

    gates: list[GatedRepository] = []

    def wrap(repository: SourceRepository) -> GatedRepository:
        gates.append(GatedRepository(repository, method))
        return gates[0]

    services = sample_services(settings, wrap=wrap, shown_paths=False)
    return services, gates[0]
