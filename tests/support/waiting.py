"""Waiting for something to become true, with a generous deadline (no test asserts how fast)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def wait_until(predicate: Callable[[], Any], timeout: float = 30.0) -> None:
    """Let the loop run until predicate() holds (a worker thread is involved, so no fixed sleep).

    The deadline only stops a test that would otherwise hang; it is not a speed check."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {timeout} s: {getattr(predicate, '__name__', predicate)}")
        await asyncio.sleep(0.005)


def poll_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Call predicate() until it returns something truthy and return that; fail after `timeout` seconds.

    Blocking (for threads and subprocesses); the deadline is a hang guard, not a speed check."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout} s: {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)


HANG_GUARD = 120.0  # seconds: far above any normal run, even on a loaded machine


async def without_hanging(awaitable: Awaitable[T], what: str, timeout: float = HANG_GUARD) -> T:
    """Await `awaitable`, failing (instead of hanging the suite) if it never finishes.

    Only a hang guard: the deadline is far above any normal time, and no test uses it to say
    how fast something was."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise AssertionError(f"{what} did not finish within {timeout} s: it hangs") from None
