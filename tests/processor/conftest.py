"""Fixtures of the processor tests: a FakeRepository on the frozen clock, and a processor factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.processor_fakes import FakeRepository
from tui_analytics.config.settings import Settings
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus


@pytest.fixture
def fake_repo(frozen_clock: FrozenClock) -> FakeRepository:
    return FakeRepository(frozen_clock)


@pytest.fixture
def make_processor(settings: Settings, frozen_clock: FrozenClock) -> Iterator[Callable[..., AnalyticsBackgroundProcessor]]:
    """Build processors on the test's settings with a frozen clock and a private bus; stopped afterwards."""
    made: list[AnalyticsBackgroundProcessor] = []

    def make(repository: Any = None, **kwargs: Any) -> AnalyticsBackgroundProcessor:
        kwargs.setdefault("clock", frozen_clock)
        kwargs.setdefault("bus", EventBus())
        kwargs.setdefault("warm_on_start", False)
        processor = AnalyticsBackgroundProcessor(kwargs.pop("settings", settings), repository=repository, **kwargs)
        made.append(processor)
        # What the composition root does: open (I/O), then schedule on the running loop if wanted.
        processor.open()
        processor.ensure_scheduled()
        return processor

    yield make
    for processor in made:
        processor.stop()
