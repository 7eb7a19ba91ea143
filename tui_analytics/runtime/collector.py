"""Start-up without the cyclic garbage collector.

The dashboard imports Textual and its own modules (hundreds of modules, tens of thousands of
container objects) and then builds its first frame (its widgets, their styles, the rendered lines).
Everything loaded lives as long as the process, yet each time the allocations pass the collector's
threshold it walks the young objects, and every tenth time the older ones: dozens of collections
during start-up, none of which finds anything to free.

So the dashboard switches the collector off before its imports and back on once the first frame
is drawn, freezing what exists at that moment (gc.freeze(): moved out of the generations, so no
later collection walks it either).
"""

from __future__ import annotations

import gc
from collections.abc import Callable


class CollectorHold:
    """The collector held off while the loop builds many objects at once, and let go after.

    A dialog's first frame makes a great many objects at once (widgets, styles, strips): each time
    they pass the collector's threshold it walks them, now and then in a full collection, and on
    the loop every such walk lengthens the stall while the dialog opens.
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
