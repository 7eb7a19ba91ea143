"""SIGTERM, SIGHUP (the SSH session dropped) and SIGINT quit the dashboard like `q`.

Left to their defaults they kill the process before Textual leaves the alternate screen and
restores the terminal's modes: the operator's shell would stay invisible.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def quit_on_signals(quit_by: Callable[[signal.Signals], None]) -> None:
    """Call `quit_by(signal)` on the running loop when one of TERMINATING_SIGNALS arrives."""
    loop = asyncio.get_running_loop()
    for sig in TERMINATING_SIGNALS:
        # Not available off the main thread (tests run apps there too) or on every platform.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, quit_by, sig)


def default_signals() -> None:
    """Give TERMINATING_SIGNALS back to their default handling (the app is ending)."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop = asyncio.get_running_loop()
        for sig in TERMINATING_SIGNALS:
            loop.remove_signal_handler(sig)
