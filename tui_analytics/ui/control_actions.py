"""What `p` (pause or resume the scheduler), `z` (one job), `s` (a job's interval) and the palette's
"Backfill <template>…" and "Export <dataset>, last 30 days" do. Mixed into the main screen beside
ActionsMixin; the same rules: every service call in a worker (`exit_on_error=False`), its outcome a
notification."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from tui_analytics.runtime.errors import one_line
from tui_analytics.ui import format as fmt
from tui_analytics.ui.access import changing
from tui_analytics.ui.messages import SchedulerToggled

if TYPE_CHECKING:
    from tui_analytics.reports.backfill import BackfillItem
    from tui_analytics.reports.models import BackfillRequest, ReportTemplate
    from tui_analytics.ui.actions import ActionsMixin
    from tui_analytics.ui.screens.interval import IntervalChoice

    _Host = ActionsMixin  # type-checked as the screen's other actions, which it sits beside
else:
    _Host = object


class ControlActionsMixin(_Host):
    """The scheduler's and each job's control, and backfill (see keys.py and palette_commands.py)."""

    @changing("pause")
    def action_toggle_scheduler(self) -> None:
        services = self._ready()
        if services is None:
            return
        shown = self.app.state
        if services.attached:
            paused = (services.channel.status or {}).get("state") == "paused"
            verb = "Resume" if paused else "Pause"
            self._if_shared(f"{verb} the scheduler?", f"{verb} the jobs and reports of", verb, self._toggle_remote)
            return
        if shown.scheduler not in ("running", "paused"):
            why = {
                "disabled": "DISABLE_AUTO_SYNC is set",
                "read-only": f"{shown.lock_holder or 'another process'} schedules on this state database",
            }.get(shown.scheduler, "the scheduler is not running")
            self.notify(f"Nothing to pause: {why}. Manual triggers (t) still work.", severity="warning")
            return
        state = services.toggle_scheduler()
        self.app.post_message(SchedulerToggled())  # the app reads the new state and redraws
        if state == "paused":
            self.notify("No job or report runs until you press p again; t still runs a job.", title="Scheduler paused")
        else:
            self.notify("Runs missed while paused happen once now.", title="Scheduler resumed")

    @work(group="trigger", exit_on_error=False)
    async def _toggle_remote(self) -> None:
        try:
            state = await self.app.services.toggle_remote_scheduler()
        except Exception as exc:
            self.notify(one_line(exc), title="Pause failed", severity="error")
            return
        self.app.refresh_panes("header", "jobs", "metrics")
        where = self.app.services.attached_label() or "the scheduling process"
        self.notify(f"{where.removeprefix('attached to ')}: scheduler {state}.", title=f"Scheduler {state}")

    def _where_applied(self) -> str:
        """Said after a change: a read-only dashboard only stores it; the scheduling process applies it."""
        state = self.app.state
        if state.scheduler != "read-only":
            return ""
        every = fmt.span(self.app.services.settings.interval("performance-metrics"))
        return f" {state.lock_holder or 'The process that schedules'} applies it within {every}."

    # -- a: the audit log ---------------------------------------------------------------------

    def action_audit(self) -> None:
        self._show_audit()

    @work(group="audit", exit_on_error=False)
    async def _show_audit(self) -> None:
        import asyncio

        from tui_analytics.ui.screens.audit_log import SHOWN, AuditScreen

        services = self._ready()
        if services is None:
            return
        try:
            rows = await asyncio.to_thread(services.audit.read, limit=SHOWN)
        except Exception as exc:
            self.notify(one_line(exc), title="Audit log not read", severity="error")
            return
        self.app.push_screen(AuditScreen(rows, services.settings.tz))

    # -- z: pause or resume the selected job ------------------------------------------

    @changing("pause-job")
    def action_toggle_job(self) -> None:
        services = self._ready()
        job_id = self.jobs.selected_job
        if services is None or job_id is None:
            return
        status = next((s for s in services.job_statuses() if s.id == job_id), None)
        if status is not None:
            verb = "Resume" if status.paused else "Pause"
            go = lambda: self._set_paused(job_id, not status.paused)  # noqa: E731
            self._if_shared(f"{verb} {job_id}?", f"{verb} {job_id} in the schedule of", verb, go)

    def _if_shared(self, title: str, what: str, label: str, go: Callable[[], object]) -> None:
        """`go` at once when this dashboard schedules; attached, ask first, naming who else sees the change."""
        others = self.app.services.attached_label(self.app.state.lock_holder)
        if others is None:
            go()
            return
        from tui_analytics.ui.screens.confirm import ConfirmDialog

        where = others.removeprefix("attached to ").removesuffix(" · paused")
        text = f"{what} {where}? Every dashboard and browser attached to it sees the change."

        def answered(yes: bool | None) -> None:
            if yes:
                go()

        self.app.push_screen(ConfirmDialog(title, text, confirm_label=label), answered)

    @work(group="job-settings", exit_on_error=False)
    async def _set_paused(self, job_id: str, paused: bool) -> None:
        try:
            await self.app.services.set_job_paused(job_id, paused)
        except Exception as exc:
            self.notify(f"{job_id}: {one_line(exc)}", title="Not changed", severity="error")
            return
        if paused:
            self.notify(
                f"{job_id} is left out by the scheduler until z resumes it; t still runs it." + self._where_applied(),
                title="Job paused",
            )
        else:
            self.notify(f"{job_id} runs on its schedule again." + self._where_applied(), title="Job resumed")
        self.app.refresh_panes("jobs")

    # -- s: the selected job's interval ---------------------------------------------------

    @changing("job-interval")
    def action_job_interval(self) -> None:
        services = self._ready()
        job_id = self.jobs.selected_job
        if services is None or job_id is None:
            return
        from tui_analytics.ui.screens.interval import IntervalDialog

        status = next((s for s in services.job_statuses() if s.id == job_id), None)
        current = status.interval_s if status is not None else services.configured_interval(job_id)

        def chosen(choice: IntervalChoice | None) -> None:
            if choice is not None:
                self._set_interval(job_id, choice.seconds)

        self.app.push_screen(IntervalDialog(job_id, current, services.configured_interval(job_id)), chosen)

    @work(group="job-settings", exit_on_error=False)
    async def _set_interval(self, job_id: str, seconds: float | None) -> None:
        services = self.app.services
        try:
            await services.set_job_interval(job_id, seconds)
        except Exception as exc:
            self.notify(f"{job_id}: {one_line(exc)}", title="Interval not changed", severity="error")
            return
        from tui_analytics.processor.jobsettings import describe_interval  # the processor package: not before the first frame

        every = describe_interval(seconds if seconds is not None else services.configured_interval(job_id))
        which = " (the configured interval)" if seconds is None else ""
        status = next((s for s in services.job_statuses() if s.id == job_id), None)
        when = " once z resumes it" if status is not None and status.paused else " from now on"
        self.notify(f"{job_id} runs every {every}{which}{when}." + self._where_applied(), title="Interval changed")
        self.app.refresh_panes("jobs")

    # -- the palette's "Backfill <template>…" ----------------------------------------------

    @changing("backfill")
    def backfill(self, template_id: str) -> None:
        """Ask for a range of days, then make the template's report for each period in it."""
        services = self._ready()
        template = next((t for t in self.reports.templates if t.id == template_id), None)
        if services is None or template is None:
            return
        from tui_analytics.ui.screens.backfill_dialog import BackfillDialog

        try:
            tz = services.reports.timezone_of(template)
        except ValueError:  # a zone edited by hand into the row: the configured one
            tz = services.settings.tz

        def chosen(request: BackfillRequest | None) -> None:
            if request is not None:
                self._backfill(template, request)

        self.app.push_screen(BackfillDialog(template, tz, services.clock.now), chosen)

    @work(group="reports", exit_on_error=False)  # the group `q` asks about: recorded as interrupted
    async def _backfill(self, template: ReportTemplate, request: BackfillRequest) -> None:
        self.show_activity(f"Backfilling {template.name}…")

        def progress(done: int, total: int, item: BackfillItem) -> None:
            # On the UI loop (the backfill is a coroutine here; its SQL and files go to threads).
            self.show_activity(f"Backfilling {template.name}: {done}/{total} {item.period} {item.outcome}", done, total)
            if item.outcome != "skipped: already made":
                self.app.refresh_panes("reports")

        try:
            result = await self.app.services.backfill(template, request, on_progress=progress)
        except Exception as exc:
            self.notify(one_line(exc), title=f"Backfill of {template.name} failed", severity="error", timeout=10)
            return
        finally:
            self.hide_activity()
        self.notify(
            result.summary(),
            title=f"{template.name} backfilled",
            severity="warning" if result.failed else "information",
            timeout=10,
        )
        self.app.refresh_panes("reports")

    def export_last_days(self, dataset: str, days: int) -> None:
        """The palette's "Export <dataset>, last 30 days": the dialog's defaults (CSV, metadata) and its
        preset, without the dialog."""
        services = self._ready()
        if services is None:
            return
        from tui_analytics.ui.screens.export import build_request, period_dates

        today = services.clock.now().astimezone(services.settings.tz).date()
        first, last = period_dates(f"{days}d", today) or (today, today)
        self._export(build_request(dataset, "csv", first.isoformat(), last.isoformat(), "", "", True, False))
