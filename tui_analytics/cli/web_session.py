"""One `web` session: the dashboard process behind one browser WebSocket, kept within bounds.

textual-serve's AppService starts the process and relays its terminal; this one also

- bounds the terminal size the page asks for, at the start and on each resize: the dashboard
  lays out every cell of it (9000x9000 grew one process past a gigabyte);
- bounds the end: the dashboard is asked to quit, then terminated, then killed, so a client
  that left never leaves its dashboard running (one busy drawing, or blocked writing output
  nobody reads any more, used to run on);
- tells the dashboard who started it and whether it may schedule (web_child.py).

Imports textual-serve: only `web` loads this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from textual_serve.app_service import AppService

from tui_analytics.cli.web_child import child_environment

log = logging.getLogger("tui_analytics.web")

MAX_COLUMNS, MAX_ROWS = 500, 200  # wider than any screen's terminal at a readable font size
DEFAULT_SIZE = (80, 24)
QUIT_SECONDS = 2.0  # a dashboard told to quit has this long to finish its interrupted work and exit
TERMINATE_SECONDS = 1.0  # then SIGTERM; SIGKILL after this (the flock it may hold goes with the process)


def bounded_size(width: Any, height: Any, current: tuple[int, int] = DEFAULT_SIZE) -> tuple[int, int]:
    """The terminal size a page asked for, within 1..MAX_COLUMNS x 1..MAX_ROWS; `current` for what is not a number."""
    return _bounded(width, current[0], MAX_COLUMNS), _bounded(height, current[1], MAX_ROWS)


def _bounded(value: Any, fallback: int, limit: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return fallback
    return max(1, min(number, limit))


class DashboardSession(AppService):
    """textual-serve's AppService with bounds on size and lifetime (see the module's docstring)."""

    def __init__(self, command: str, *, schedule: bool, write_bytes: Callable[[bytes], Awaitable[None]],
                 write_str: Callable[[str], Awaitable[None]], **kwargs: Any) -> None:
        super().__init__(command, write_bytes=self._to_client(write_bytes), write_str=self._to_client(write_str), **kwargs)
        self.schedule = schedule
        self.size = DEFAULT_SIZE
        self.client_gone = False

    def _to_client(self, write: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """`write`, dropping the output once the client is gone: the relay goes on reading the
        dashboard's output, so a dashboard told to quit is never blocked writing to a full pipe."""

        async def send(data: Any) -> None:
            if self.client_gone:
                return
            try:
                await write(data)
            except (ConnectionError, RuntimeError):  # closed, or closing (aiohttp says either)
                self.client_gone = True

        return send

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(*bounded_size(width, height))
        environment.update(child_environment(os.getpid(), self.schedule))
        return environment

    async def start(self, width: int, height: int) -> None:
        self.size = bounded_size(width, height)
        await super().start(*self.size)

    async def set_terminal_size(self, width: Any, height: Any) -> None:
        self.size = bounded_size(width, height, self.size)
        await super().set_terminal_size(*self.size)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        """End the dashboard: quit, then SIGTERM, then SIGKILL (see QUIT_SECONDS); idempotent."""
        task, self._task = self._task, None
        process = self._process
        if task is None or process is None:
            return
        self.client_gone = True
        try:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            await self._end(process)
        except BaseException:  # cancelled while waiting (`web` stopping): never leave the process behind
            _signal(process, "kill")
            raise
        finally:
            # The relay reads the output to its end: quick once the process has exited.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=1.0)

    async def _end(self, process: asyncio.subprocess.Process) -> None:
        if await _exited(process, QUIT_SECONDS):
            return
        log.warning("the dashboard (pid %d) did not quit within %g s: terminating it", process.pid, QUIT_SECONDS)
        _signal(process, "terminate")
        if await _exited(process, TERMINATE_SECONDS):
            return
        log.warning("the dashboard (pid %d) is still running: killing it", process.pid)
        _signal(process, "kill")
        await process.wait()


async def _exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), timeout)
    except TimeoutError:
        return False
    return True


def _signal(process: asyncio.subprocess.Process, how: str) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited in the meantime
        getattr(process, how)()


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "DashboardSession", "bounded_size"]
