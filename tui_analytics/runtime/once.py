"""`Once`: a service's opening step, run once however many threads ask for it."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Once:
    """Runs `step` on the first call, from whichever thread makes it; later calls return at once.

    Other threads wait while it runs. A call made by `step` itself (it may read what it
    is opening) returns at once instead of deadlocking. If `step` raises, the next call
    runs it again: a database that was down at start is tried again on the next use.
    """

    def __init__(self, step: Callable[[], object]) -> None:
        self._step = step
        self._lock = threading.RLock()
        self._running = False
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        with self._lock:
            if self.done or self._running:
                return
            self._running = True
            try:
                self._step()
                self.done = True
            finally:
                self._running = False
