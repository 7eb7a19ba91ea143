"""The dashboard's background activity: the activity strip (the first start's progress, running
exports), loop stalls, and what quitting now would cut short.

The export worker, the start-up worker and the stall monitor post messages (messages.py);
these handlers change the app's DashboardState (dashboard_state.py), its one owner being
the app this is mixed into (app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.ui import format as fmt
from tui_analytics.ui.messages import ExportFinished, ExportProgress, ExportStarted, LoopStalled, StartupProgress

if TYPE_CHECKING:
    from textual.app import App

    from tui_analytics.runtime.stall import Stall
    from tui_analytics.ui.dashboard_services import DashboardServices
    from tui_analytics.ui.dashboard_state import DashboardState
    from tui_analytics.ui.screen import MainScreen

    _Host = App[None]  # the mixin is type-checked as the app it is mixed into
else:
    _Host = object


class ActivityMixin(_Host):
    """Start-up progress, exports, in_flight and loop stalls (see the module docstring)."""

    if TYPE_CHECKING:  # what the app provides
        services: DashboardServices
        state: DashboardState
        main_screen: MainScreen

        def refresh_panes(self, *names: str) -> None: ...

    def on_startup_progress(self, message: StartupProgress) -> None:
        self.main_screen.show_activity(
            f"First start: creating the demo database ({message.stage}, {message.done:,}/{message.total:,})…",
            message.done,
            message.total,
        )

    # -- exports (the export worker posts these) ------------------------------------------

    def on_export_started(self, message: ExportStarted) -> None:
        self.state.export_started(message.dataset)

    def on_export_progress(self, message: ExportProgress) -> None:
        if not self.state.exports_running:
            return  # a late message from an export that has finished: its strip is already gone
        self.state.export_progress(message.dataset, message.rows)
        self.main_screen.show_activity(f"Exporting {message.dataset}… {message.rows:,} rows, {fmt.size_bytes(message.size)}")

    def on_export_finished(self, message: ExportFinished) -> None:
        if self.state.export_finished():
            self.main_screen.hide_activity()

    def in_flight(self) -> list[str]:
        """What quitting now would cut short, one phrase each ("" when nothing runs)."""
        lost = []
        state = self.state
        if state.exports_running:
            rows = f", {state.export_rows:,} rows written so far" if state.export_rows else ""
            more = f" and {state.exports_running - 1} more" if state.exports_running > 1 else ""
            lost.append(f"the export of {state.export_label}{rows}{more} (its file is discarded)")
        reports = sum(1 for w in self.workers if w.group == "reports" and w.is_running)
        if reports:
            lost.append(f"{reports} report generation{'s' if reports > 1 else ''} (recorded as interrupted)")
        # Jobs the operator started with `t` and waits for. Scheduled runs are not asked about: they
        # run every few seconds, take milliseconds, and the next start refreshes the cache anyway.
        if any(w.group == "trigger" and w.is_running for w in self.workers):
            jobs = [s.id for s in self.services.job_statuses() if s.status == "running"]
            lost.append(f"the run of {', '.join(jobs) or 'a job'} you started (recorded as interrupted)")
        return lost

    # -- loop stalls ---------------------------------------------------------------------

    def _stalled(self, stall: Stall) -> None:
        """In the watchdog thread: tell the loop (post_message is thread-safe), nothing else."""
        self.post_message(LoopStalled(stall.duration_ms))

    def on_loop_stalled(self, message: LoopStalled) -> None:
        self.state.loop_stalled(message.duration_ms)
        self.refresh_panes("metrics")
