"""Asyncio helpers the services share: the loop running here, and cancelling a task from any thread."""

from __future__ import annotations

import asyncio


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread, or None (a worker thread, or no loop yet)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def cancel_task(task: asyncio.Task[object]) -> None:
    """Cancel `task` from its own loop or from any other thread (Task.cancel is not thread-safe:
    elsewhere it is handed to the task's loop). A task whose loop is closed never runs again: left."""
    loop = task.get_loop()
    try:
        if running_loop() is loop:
            task.cancel()
        else:
            loop.call_soon_threadsafe(task.cancel)
    except RuntimeError:  # its loop is closed
        pass
