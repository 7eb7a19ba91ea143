"""DashboardState: what the dashboard knows between redraws, with one owner.

The app owns the one DashboardState and changes it only in its message handlers
(on the UI loop). Workers, the service listeners and the stall watchdog never
touch it: they post a message (messages.py) and the handler updates it.

| Message | Changes |
| --- | --- |
| `ServicesReady`, `SchedulerToggled`, `ServiceEventMessage` (a SchedulerStateChanged event) | `scheduler`, `lock_holder` |
| `StartupFailed` | `scheduler` |
| `ExportStarted`, `ExportProgress`, `ExportFinished` | `exports_running`, `export_label`, `export_rows` |
| `LoopStalled` | `stall_count`, `worst_stall_ms` |
| `Notify` (Textual's) | `notifications` |

The header and the panes read it when they redraw. No Textual here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

NOTIFICATION_HISTORY = 100


@dataclass
class DashboardState:
    """The scheduler as the dashboard shows it, who holds its lock, running exports and loop stalls."""

    # running, paused, stopped, read-only (another process schedules), disabled (DISABLE_AUTO_SYNC),
    # or starting until the services are open.
    scheduler: str = "starting"
    lock_holder: str | None = None  # who schedules, while this dashboard is read-only
    exports_running: int = 0
    export_label: str = ""  # the dataset of the latest export still running
    export_rows: int = 0  # rows it has written so far
    watching_stalls: bool = False  # the stall monitor runs (the Metrics pane shows stalls only then)
    stall_count: int = 0
    worst_stall_ms: float = 0.0
    # (when, severity, title, message) of recent notifications, newest last (the `m` screen)
    notifications: deque[tuple[datetime, str, str, str]] = field(default_factory=lambda: deque(maxlen=NOTIFICATION_HISTORY))

    @property
    def stall_summary(self) -> tuple[int, float] | None:
        """(stalls seen, worst in ms) while the stall monitor runs; None when it is off."""
        return (self.stall_count, self.worst_stall_ms) if self.watching_stalls else None

    # -- changes (called by the app's message handlers only) ---------------------------

    def scheduler_changed(self, state: str, *, reported: str | None = None, holder: str | None = None) -> None:
        """The scheduler is in `state` now. `reported` is what a scheduler event said: with
        'read-only' it names the lock's `holder`; 'started' means this dashboard schedules again."""
        self.scheduler = state
        if reported == "read-only":
            self.lock_holder = holder or "another process"
        elif reported == "started":
            self.lock_holder = None

    def export_started(self, label: str) -> None:
        self.exports_running += 1
        self.export_label, self.export_rows = label, 0

    def export_progress(self, label: str, rows: int) -> None:
        self.export_label, self.export_rows = label, rows

    def export_finished(self) -> bool:
        """One export ended (saved, failed or cancelled); True when none is left running."""
        self.exports_running = max(0, self.exports_running - 1)
        return not self.exports_running

    def notified(self, when: datetime, severity: str, title: str, message: str) -> None:
        self.notifications.append((when, severity, title, message))

    def loop_stalled(self, duration_ms: float) -> None:
        self.stall_count += 1
        self.worst_stall_ms = max(self.worst_stall_ms, duration_ms)
