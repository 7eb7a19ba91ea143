"""Retrying a whole unit of work after a transient database failure.

A unit is everything one dataset refresh or one report build does, redone from
the start: a half-finished unit is never resumed, so a retry cannot mix rows from
two connections. Delays grow exponentially up to a cap, with jitter, so a dozen
jobs that failed in the same database blink do not all come back at the same
instant. Only transient failures are retried (lost or refused connections, a
locked SQLite file); a missing table or a query over its time limit fails at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


# Classifiers for driver errors, registered by the layer that knows the drivers
# (data/engines.py registers SQLAlchemy's): this layer stays free of database imports.
_classifiers: list[Callable[[BaseException], bool]] = []


def register_transient(classifier: Callable[[BaseException], bool]) -> None:
    """Add a test that says whether an error is transient (a lost connection, a locked file)."""
    if classifier not in _classifiers:
        _classifiers.append(classifier)


def is_transient(exc: BaseException) -> bool:
    """True when a retry may succeed: an error marked `transient`, or one a registered classifier accepts."""
    if getattr(exc, "transient", False):
        return True
    return any(classifier(exc) for classifier in _classifiers)


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` in all (1 = no retry); delay n is min(cap, base * 2**(n-1)), minus up to `jitter` of it."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 5.0
    jitter: float = 0.5
    sleep: Sleep | None = None  # asyncio.sleep unless given (tests pass one that moves a FrozenClock)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        capped = min(self.max_delay, self.base_delay * (2.0 ** (retry - 1)))
        return max(0.0, capped * (1.0 - self.jitter * self.rng.random()))


NO_RETRY = RetryPolicy(attempts=1)


async def retry_async(
    unit: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    what: str = "work",
    on_retry: Callable[[int, BaseException], object] | None = None,
) -> T:
    """Await `unit()`; on a transient failure wait and run it again, up to `policy.attempts` times."""
    sleep = policy.sleep or asyncio.sleep
    for attempt in range(1, max(1, policy.attempts) + 1):
        try:
            return await unit()
        except Exception as exc:
            if attempt >= policy.attempts or not is_transient(exc):
                raise
            delay = policy.delay(attempt)
            log.info("%s failed (%s); retry %d in %.1f s", what, exc, attempt, delay)
            if on_retry is not None:
                on_retry(attempt, exc)
            await sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
