"""`Once`: the opening step of a service runs once, across threads, and again after a failure."""

from __future__ import annotations

import threading

import pytest

from tui_analytics.runtime.once import Once


def test_runs_once_however_many_threads_ask() -> None:
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def step() -> None:
        calls.append(1)
        started.set()
        release.wait(5)

    once = Once(step)
    threads = [threading.Thread(target=once) for _ in range(8)]
    threads[0].start()
    started.wait(5)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == [1] and once.done


def test_a_call_from_inside_the_step_returns_instead_of_deadlocking() -> None:
    seen: list[bool] = []
    once: Once

    def step() -> None:
        once()  # the step reads what it opens (a store asking for the engine)
        seen.append(once.done)

    once = Once(step)
    once()
    assert seen == [False] and once.done


def test_a_failed_step_runs_again_on_the_next_call() -> None:
    attempts: list[int] = []

    def step() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("database down")

    once = Once(step)
    with pytest.raises(OSError):
        once()
    assert not once.done
    once()
    once()
    assert len(attempts) == 2 and once.done
