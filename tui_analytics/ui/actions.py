"""What each key does. Mixed into the main screen, where the bindings live.

Every service call runs in a worker (`exit_on_error=False`) and reports its
outcome as a notification; a failure never closes the app. Failures the
services also publish as events (a failed job or report) are notified once,
by the event handler (ui/refresh.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work

from tui_analytics.runtime.errors import TemplateValidationError, one_line
from tui_analytics.ui import format as fmt
from tui_analytics.ui.access import changing
from tui_analytics.ui.messages import ExportFinished, ExportProgress, ExportStarted

# The export and template dialogs import the export and reports packages (and SQLAlchemy):
# they are imported when their key is first pressed, so start-up does not pay for them.
if TYPE_CHECKING:
    from textual import getters
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from tui_analytics.reports.models import ReportTemplate
    from tui_analytics.ui.dashboard_services import DashboardServices
    from tui_analytics.ui.host import HostApp
    from tui_analytics.ui.screens.export import ExportRequest
    from tui_analytics.ui.screens.template import FormValues, TemplateForm
    from tui_analytics.ui.widgets import AnalyticsPane, JobsPane, ReportsPane

    _Host = Screen[None]  # the mixin is type-checked as the screen it is mixed into
else:
    _Host = object

log = logging.getLogger(__name__)


class ActionsMixin(_Host):
    """The actions behind the keys (see keys.py)."""

    if TYPE_CHECKING:
        # Textual's way to type `self.app` as the dashboard's app (a descriptor), seen through its
        # protocol: the app module imports this one.
        app = getters.app(HostApp)
        active_pane: str

        # What the screen provides (MainScreen defines these).
        @property
        def jobs(self) -> JobsPane: ...
        @property
        def reports(self) -> ReportsPane: ...
        @property
        def analytics(self) -> AnalyticsPane: ...
        def show_activity(self, message: str, done: int | None = None, total: int | None = None) -> None: ...
        def hide_activity(self) -> None: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Like Widget.notify, but plain text by default: errors quote paths and SQL with brackets."""
        self.app.notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _ready(self) -> DashboardServices | None:
        services = self.app.services
        if not services.ready:
            self.notify("Still starting: the services are not ready yet.", severity="warning")
            return None
        return services

    # -- jobs and cache ------------------------------------------------------------

    @changing("trigger")
    def action_trigger_job(self) -> None:
        job_id = self.jobs.selected_job
        if self._ready() is not None and job_id is not None:
            self._trigger(job_id)

    @work(group="trigger", exit_on_error=False)
    async def _trigger(self, job_id: str) -> None:
        try:
            run = await self.app.services.trigger_job(job_id)
        except Exception as exc:
            self.notify(f"{job_id}: {one_line(exc)}", title="Trigger failed", severity="error")
            return
        if run.status == "skipped":
            self.notify(f"{job_id} skipped: it is already running.", title="Skipped", severity="warning")
        elif run.status == "completed":
            self.notify(f"{job_id} completed in {fmt.duration_ms(run.duration_ms)}.", title="Job finished")
        # 'failed' is notified once, from the JobFailed event.

    @changing("clear-cache")
    def action_clear_cache(self) -> None:
        services = self._ready()
        if services is None:
            return
        from tui_analytics.ui.screens.confirm import ConfirmDialog  # the dialogs load when first opened (or warmed: warmup.py)

        count = len(services.cache_keys("*"))

        def answered(yes: bool | None) -> None:
            if yes:
                self._clear()

        self.app.push_screen(
            ConfirmDialog(
                "Clear the cache?",
                f"Remove all {count} cached entries? The jobs fill them again on their next runs." + self._shared_note(),
                confirm_label="Clear",
            ),
            answered,
        )

    def _shared_note(self) -> str:
        """Who else sees a change, when another process schedules (" " + a sentence), else ""."""
        others = self.app.services.attached_label(self.app.state.lock_holder)
        if others is None:
            return ""
        return f" {others.removeprefix('attached to ').removesuffix(' · paused')} and every dashboard attached to it see it."

    @work(group="cache", exit_on_error=False)
    async def _clear(self) -> None:
        try:
            removed = await self.app.services.clear_cache()
        except Exception as exc:
            self.notify(one_line(exc), title="Clear failed", severity="error")
            return
        self.notify(f"Removed {removed} cache entries.", title="Cache cleared")

    @changing("invalidate")
    def action_invalidate(self) -> None:
        services = self._ready()
        if services is None:
            return
        from tui_analytics.ui.screens.confirm import ConfirmDialog
        from tui_analytics.ui.screens.invalidate import InvalidateDialog

        job_id = self.jobs.selected_job if self.active_pane == "jobs" else None
        start = f"{job_id}*" if job_id else ""

        def chosen(pattern: str | None) -> None:
            if not pattern:
                return
            keys = services.cache_keys(pattern)

            def answered(yes: bool | None) -> None:
                if yes:
                    self._invalidate(pattern)

            self.app.push_screen(
                ConfirmDialog(
                    "Invalidate?", f"Remove {fmt.plural(len(keys), 'key')} matching {pattern!r}?", confirm_label="Invalidate"
                ),
                answered,
            )

        self.app.push_screen(InvalidateDialog(services.cache_keys, start), chosen)

    @work(group="cache", exit_on_error=False)
    async def _invalidate(self, pattern: str) -> None:
        try:
            removed = await self.app.services.invalidate_cache(pattern)
        except Exception as exc:
            self.notify(one_line(exc), title="Invalidate failed", severity="error")
            return
        self.notify(f"Removed {fmt.plural(removed, 'key')} matching {pattern!r}.", title="Cache invalidated")

    # -- export -------------------------------------------------------------------

    @changing("export")
    def action_export(self) -> None:
        services = self._ready()
        if services is None:
            return
        from tui_analytics.ui.screens.export import ExportDialog

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._export(request)

        from tui_analytics.ui.widgets.analytics_pane import data_end

        tz = services.settings.tz
        today = lambda: services.clock.now().astimezone(tz).date()  # noqa: E731 - the operator's today
        ended = data_end(services.cache_entries())
        data_ends = ended.astimezone(tz).date() if ended is not None else None
        self.app.push_screen(ExportDialog(services.export_dir_label, today=today, data_ends=data_ends), chosen)

    @work(group="export", exit_on_error=False)
    async def _export(self, request: ExportRequest) -> None:
        label = request.dataset
        self.show_activity(f"Exporting {label}…")

        def progress(rows: int, size: int) -> None:
            # Called in the export's thread: post (thread-safe, never waits), do not touch widgets.
            self.app.post_message(ExportProgress(label, rows, size))

        # The app counts running exports, and hides the strip when the last one ends.
        self.app.post_message(ExportStarted(label))
        try:
            result = await self.app.services.export(request, progress)
        except Exception as exc:
            self.notify(one_line(exc), title=f"Export of {label} failed", severity="error", timeout=10)
            return
        finally:
            self.app.post_message(ExportFinished(label))
        # The service writes into the export directory here, never to a stream: there is a path.
        where = self.app.services.display_path(result.path) if result.path is not None else label
        rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
        from tui_analytics.export.service import capped_note  # loaded with the export itself

        note = capped_note(request.dataset, result.rows, request.size, more="a size")
        self.notify(
            f"{where}\n{rows}, {fmt.size_bytes(result.size)}" + (f"\n{note}" if note else ""), title="Export saved", timeout=10
        )

    # -- report templates --------------------------------------------------------------

    def _editor(
        self, template: ReportTemplate | None, error: str | None = None, values: FormValues | None = None, focus: str = "name"
    ) -> None:
        from tui_analytics.ui.screens.template import TemplateDialog

        services = self.app.services
        zone = getattr(services.settings.tz, "key", None) or str(services.settings.tz)

        def saved(form: TemplateForm | None) -> None:
            if form is not None:
                self._save_template(template, form)

        self.app.push_screen(
            TemplateDialog(template=template, default_tz=zone, now=services.clock.now, error=error, values=values, focus=focus),
            saved,
        )

    @property
    def templates(self) -> Sequence[ReportTemplate]:
        return self.reports.templates

    @changing("recipients")
    def edit_recipients(self, template_id: str) -> None:
        """The palette's "Edit recipients of <template>": the editor, in its recipients field."""
        template = next((t for t in self.reports.templates if t.id == template_id), None)
        if template is not None:
            self._editor(template, focus="recipients")

    def _selected_template(self) -> ReportTemplate | None:
        """The template the Reports pane has selected, once the services are ready; else say why."""
        if self._ready() is None:
            return None
        template = self.reports.selected_template
        if template is None:
            self.notify("No template selected (Reports pane, key 4).", severity="warning")
        return template

    @changing("new-template")
    def action_new_template(self) -> None:
        if self._ready() is not None:
            self._editor(None)

    @changing("edit-template")
    def action_edit_template(self) -> None:
        template = self._selected_template()
        if template is None:
            return
        self._editor(template)

    @work(group="templates", exit_on_error=False)
    async def _save_template(self, template: ReportTemplate | None, form: TemplateForm) -> None:
        try:
            saved = await self.app.services.save_template(form.template_id, form.fields)
        except TemplateValidationError as exc:
            from tui_analytics.ui.screens.template import form_values

            # Refused by the service: reopen the editor with what was typed and why.
            self._editor(template, str(exc), form_values(form.fields))
            return
        except Exception as exc:
            self.notify(one_line(exc), title="Template not saved", severity="error")
            return
        verb = "Created" if form.template_id is None else "Saved"
        self.notify(f"{verb} {saved.name} ({saved.id}).", title="Template saved")
        self.app.refresh_panes("reports")

    @changing("delete-template")
    def action_delete_template(self) -> None:
        template = self._selected_template()
        if template is None:
            return

        from tui_analytics.ui.screens.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete_template(template)

        self.app.push_screen(
            ConfirmDialog(
                "Delete template?",
                f"Delete {template.name} ({template.id})? Its schedule stops; its history stays."
                + (" A deleted default template is not created again." if template.is_default else "")
                + self._shared_note(),
                confirm_label="Delete",
            ),
            answered,
        )

    @work(group="templates", exit_on_error=False)
    async def _delete_template(self, template: ReportTemplate) -> None:
        try:
            deleted = await self.app.services.delete_template(template.id)
        except Exception as exc:
            self.notify(one_line(exc), title="Delete failed", severity="error")
            return
        if deleted:
            self.notify(f"Deleted {template.name}.", title="Template deleted")
        else:
            self.notify(f"{template.id} was already gone.", severity="warning")
        self.app.refresh_panes("reports")

    @changing("generate")
    def action_generate_report(self) -> None:
        template = self._selected_template()
        if template is None:
            return
        self._generate(template)

    @work(group="reports", exit_on_error=False)
    async def _generate(self, template: ReportTemplate) -> None:
        self.show_activity(f"Generating {template.name}…")
        try:
            report = await self.app.services.generate_report(template)
        except Exception as exc:
            if getattr(exc, "run_id", None) is None:  # not recorded, so no ReportFailed event either
                self.notify(one_line(exc), title=f"{template.name} failed", severity="error", timeout=10)
            return
        finally:
            self.hide_activity()
        if report.status == "skipped":
            self.notify(
                "Nothing happened in its period: no file, no e-mail (the template skips empty periods).",
                title=f"{template.name} skipped",
            )
            self.app.refresh_panes("reports")
            return
        self.notify(
            f"{self.app.services.display_path(report.path)}\n{fmt.size_bytes(report.size)}",
            title=f"{template.name} generated",
            timeout=10,
        )
        self.app.refresh_panes("reports")

    # -- the rest -----------------------------------------------------------------------

    def action_help(self) -> None:
        from tui_analytics.ui.screens.help import HelpScreen

        services = self.app.services
        from tui_analytics.ui.access import CHANGING

        access = self.app.access
        hidden = {change for change in CHANGING if access.refuses(change)}
        log_path = services.display_path(services.settings.dashboard_log)
        self.app.push_screen(HelpScreen(log_path, self.app.keymap, hidden, access.mode or ""))

    def action_messages(self) -> None:
        from tui_analytics.ui.screens.message_log import MessagesScreen

        self.app.push_screen(MessagesScreen(self.app.state.notifications, self.app.services.settings.tz))

    def action_quit(self) -> None:
        lost = self.app.in_flight()
        if not lost:
            self.app.exit()
            return
        log.info("quit asked while running: %s", "; ".join(lost))
        from tui_analytics.ui.screens.confirm import QuitDialog

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                log.warning("quit with work in flight: %s", "; ".join(lost))
                self.app.exit()

        self.app.push_screen(QuitDialog(lost), answered)
