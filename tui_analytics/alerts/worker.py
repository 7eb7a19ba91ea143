"""A queue of calls run one at a time, in order, by a thread that exists only while there is work.

The thread is not a daemon: a short-lived command (`jobs run`) that queued an alert
ends only once the alert is delivered or given up, without having to say so. An idle
worker has no thread, so nothing keeps a finished process alive.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVarTuple

log = logging.getLogger(__name__)

Ts = TypeVarTuple("Ts")


class SerialWorker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: deque[tuple[Callable[..., object], tuple[object, ...]]] = deque()
        self._changed = threading.Condition()
        self._busy = False

    def submit(self, fn: Callable[[*Ts], object], *args: *Ts) -> None:
        with self._changed:
            self._queue.append((fn, args))
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._run, name=self.name, daemon=False).start()

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._queue:
                    self._busy = False
                    self._changed.notify_all()
                    return
                fn, args = self._queue.popleft()
            try:
                fn(*args)
            except Exception:  # the queue goes on: one failed call must not stop the others
                log.exception("%s: a queued call failed", self.name)

    @property
    def idle(self) -> bool:
        with self._changed:
            return not self._busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the queue is empty and the thread gone; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._busy, timeout)
