"""Fixtures of the alert tests: a loopback webhook, settings with [[alerts]] targets, and services
(processor and reports through the composition root) on a fake source that fails on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.support.processor_fakes import FakeRepository
from tests.support.webhook import Hook
from tui_analytics.config.alert_targets import AlertTarget
from tui_analytics.config.settings import Settings
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus
from tui_analytics.wiring import Services

EVERYTHING = frozenset({"job-failed", "job-late", "report-failed", "recovered"})


def target(name: str, url: str | None = None, **fields: Any) -> AlertTarget:
    fields.setdefault("on", EVERYTHING)
    return AlertTarget(name=name, url=url, **fields)


@pytest.fixture
def hook():
    with Hook() as receiver:
        yield receiver


class Waits:
    """The alert service's wait between retries: records the delays, sleeps not at all."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.delays.append(seconds)
        return False


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def make_services(settings: Settings, frozen_clock: FrozenClock, waits: Waits) -> Iterator[Callable[..., Awaitable[Services]]]:
    """Services over the test's settings with the given alert targets, a fake source and a private bus."""
    made: list[Services] = []

    async def make(*targets: AlertTarget, repository: Any = None, grace: float = 3.0, **changes: Any) -> Services:
        root = Services(
            replace(settings, alerts=tuple(targets), alert_grace=grace, **changes),
            clock=frozen_clock,
            bus=EventBus(),
            repository=repository or FakeRepository(frozen_clock),
            processor_options={"autostart": False, "probe_loop_lag": False, "warm_on_start": False},
            reports_options={"auto_start": False},
            alerts_options={"wait": waits, "host": "test-host"},
        )
        await asyncio.to_thread(root.open)
        made.append(root)
        return root

    yield make
    for root in made:
        root.stop(interrupt=True)
        if root.alerts is not None:
            root.alerts.drain(10)
