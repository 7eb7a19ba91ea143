"""The terminal driver: Textual's, except that a hang-up does not restart application mode.

Textual's Linux driver answers SIGCONT by restarting application mode, for `fg` after ctrl+z.
But SIGCONT also comes with a hang-up: tmux's kill-session sends SIGHUP then SIGCONT, and the
kernel sends both when a terminal goes away under a session leader. Restarted on a terminal that
is gone, the driver's new output thread died on its first write (EIO), its bounded queue filled,
and the quit that SIGHUP started blocked forever in that queue: a headless dashboard left running,
still holding the scheduler lock, so no `serve` or other dashboard could take over.
"""

from __future__ import annotations

from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class HangupSafeLinuxDriver(LinuxDriver):
    def _sigcont_application(self, *args: object) -> None:
        # Resume only what our own SIGTSTP suspended (Textual sets this flag there, when it will
        # restart); a SIGCONT that was not preceded by one has no application mode to restore.
        if self._must_signal_resume:
            super()._sigcont_application(*args)


def driver_class(chosen: type[Driver]) -> type[Driver]:
    """The driver to run with, given the one Textual chose (web and Windows drivers stay theirs)."""
    return HangupSafeLinuxDriver if chosen is LinuxDriver else chosen
