"""Event-loop stall monitor: which callback held the loop for more than 100 ms, and where.

The loop-lag probe (processor/metrics.py) says *that* the loop was late; this
says *what* made it late. A watchdog thread posts a no-op to the loop every
`interval` seconds and waits for it. When the no-op has not run within
`threshold`, some callback is hogging the loop: the watchdog copies the loop
thread's stack at that moment (`sys._current_frames`), and once the loop answers
it records a `Stall` with the duration and that stack, logs it and calls
`on_stall`. It costs one thread and a wake-up every 50 ms; enable it in the
dashboard, or in tests (`with StallMonitor() as monitor: ...`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.1
STACK_FRAMES = 20
# Frames of the product's own code a stall's log record names (innermost last); the full stack
# stays on the Stall. Forty lines of asyncio and Textual per stall filled the log and said little.
LOGGED_FRAMES = 3
_OUR_CODE = f"{os.sep}tui_analytics{os.sep}"


@dataclass(frozen=True)
class Stall:
    """One stall: how long the loop did not answer, and what it was running."""

    duration_ms: float
    at: datetime
    stack: tuple[str, ...]  # formatted frames, outermost first

    @property
    def where(self) -> str:
        """The innermost frame, `file:line in function` (the line that blocked)."""
        return self.stack[-1].strip().splitlines()[0] if self.stack else "unknown"

    def describe(self) -> str:
        """One line, then the innermost frames of our own code (`file:line in function: source`)."""
        ours = [frame for frame in self.stack if _OUR_CODE in frame][-LOGGED_FRAMES:]
        lines = [f"event loop stalled {self.duration_ms:.0f} ms at {self.where}"]
        lines += ["  via " + ": ".join(part.strip() for part in frame.strip().splitlines()) for frame in ours]
        return "\n".join(lines)


class StallMonitor:
    """Watches one event loop; `stalls` keeps the last `keep` stalls, `count` all of them."""

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        interval: float = 0.05,
        on_stall: Callable[[Stall], None] | None = None,
        keep: int = 100,
    ) -> None:
        self.threshold = threshold
        self.interval = interval
        self.on_stall = on_stall
        self.stalls: deque[Stall] = deque(maxlen=keep)
        self.count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Watch the running loop (call from its thread), or `loop` if its thread is the current one."""
        if self.running:
            return
        self._loop = loop or asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="tui-analytics stall monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def __enter__(self) -> StallMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _watch(self) -> None:
        loop = self._loop
        assert loop is not None
        while not self._stop.wait(self.interval):
            answered = threading.Event()
            posted = time.monotonic()
            try:
                loop.call_soon_threadsafe(answered.set)
            except RuntimeError:  # the loop closed
                return
            if answered.wait(self.threshold):
                continue
            stack = self._loop_stack()
            while not answered.wait(0.02):
                if self._stop.is_set() or loop.is_closed():
                    return
            self._record(Stall((time.monotonic() - posted) * 1000.0, datetime.now(timezone.utc), stack))

    def _loop_stack(self) -> tuple[str, ...]:
        frame = sys._current_frames().get(self._loop_thread or -1)
        if frame is None:
            return ()
        return tuple(traceback.format_stack(frame, limit=STACK_FRAMES))

    def _record(self, stall: Stall) -> None:
        self.stalls.append(stall)
        self.count += 1
        log.warning("%s", stall.describe())
        if self.on_stall is not None:
            try:
                self.on_stall(stall)
            except Exception:
                log.exception("stall listener failed")
