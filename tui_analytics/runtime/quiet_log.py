"""One log line per problem per minute.

A fault that repeats (a full disk under the state database, a source that is down) made every job
and every retry log the same error, with its traceback, many times a second: 2,065 lines in 20 s.
This filter lets a warning or error through, holds back the same one (same logger, level and
message) for a minute, and then lets the next one through saying how many it held. Information
lines (a session opened, a job finished) are events, each worth its line: they always pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

WINDOW = 60.0


class RepeatFilter(logging.Filter):
    def __init__(self, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # key -> (last shown, held since)
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.levelno, record.getMessage())
        now = self._clock()
        with self._lock:
            shown, held = self._seen.get(key, (None, 0))
            if shown is not None and now - shown < self.window:
                self._seen[key] = (shown, held + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 1000:  # many distinct messages: forget the oldest half
                for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:500]:
                    del self._seen[old]
        if held:
            record.msg, record.args = f"{key[2]} (and {held} more like it in the last minute)", None
        return True


class OneLineFormatter(logging.Formatter):
    """Every message is one line: control characters in its values (a template id with a newline,
    an error quoting the source's data) are shown escaped, so no value can forge a second line or
    send terminal commands. A traceback, added after the message, keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        from tui_analytics.runtime.printable import printable

        record.message = printable(record.message)
        return super().formatMessage(record)
