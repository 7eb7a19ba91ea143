"""Start-up without the cyclic garbage collector.

The dashboard imports Textual and its own modules (~300 modules, some 60,000 container objects)
before the first frame. Every one of them lives as long as the process, yet each time the
allocations pass the collector's threshold it walked the growing heap: ~9 ms of the start-up on a
2-core machine, spent finding nothing to free. The screen gc.freeze()s all of it once built.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collections inside the block; the collector's state before it is restored after
    (an exception included), so a caller that had it off keeps it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
