"""Start-up without the cyclic garbage collector.

The dashboard imports Textual and its own modules (~300 modules, some 60,000 container objects)
and then builds its first frame (~50 widgets, their styles, the rendered lines). Everything loaded
lives as long as the process, yet each time the allocations passed the collector's threshold it
walked the young objects, and every tenth time the older ones: about 80 collections and ~15 ms of a
2-core machine's start-up, finding nothing to free.

So the dashboard switches the collector off before its imports and back on once the first frame
is drawn, freezing what exists at that moment (gc.freeze(): moved out of the generations, so no
later collection walks it either).
"""

from __future__ import annotations

import gc
from collections.abc import Callable


class CollectorHold:
    """The collector held off while the loop builds many objects at once, and let go after.

    A dialog's first frame makes ~100,000 objects (widgets, styles, strips): each time they passed
    the collector's threshold it walked them, ~90 collections and, now and then, a full one of
    15-20 ms; on the loop, they doubled the opening's stall (40-100 ms against 30 without).
    `release` restores the state `hold` found; holding twice keeps that first state.
    """

    def __init__(self) -> None:
        self._was_enabled: bool | None = None  # None: not holding

    @property
    def holding(self) -> bool:
        return self._was_enabled is not None

    def hold(self) -> None:
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
            gc.disable()

    def release(self) -> None:
        if self._was_enabled is not None:
            was_enabled, self._was_enabled = self._was_enabled, None
            if was_enabled:
                gc.enable()


def pause_collector() -> Callable[[], None]:
    """Switch the collector off until the returned function is called.

    That function freezes every object alive then and restores the collector's state from before
    (a caller that had it off keeps it off). Calling it again does nothing, so the app can call it
    after its first frame and the CLI once more when the app ends, whichever comes first.
    """
    paused = CollectorHold()
    paused.hold()

    def resume() -> None:
        if paused.holding:
            gc.freeze()
            paused.release()

    return resume
