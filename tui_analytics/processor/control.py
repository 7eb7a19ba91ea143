"""Per-job control for the processor: pause, resume and a run-time interval (jobsettings.py).

Mixed into AnalyticsBackgroundProcessor. Every change is written to the state
database first (any process may make it), then applied to this process's
scheduler when it schedules; the process that schedules picks up changes made
elsewhere at its next `apply_job_settings()` (every performance-metrics run).

A paused job is left out by the scheduler; `trigger_job` still runs it. The one
exception is performance-metrics: its runs are also how a scheduling process hears
of settings changed by other processes, so while it is
paused it keeps that rhythm and only polls, without measuring or recording a run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from tui_analytics.processor import jobsettings
from tui_analytics.processor.jobsettings import JobSetting
from tui_analytics.runtime.event_types import JobSettingsChanged

if TYPE_CHECKING:  # what the processor provides
    from tui_analytics.config.settings import Settings
    from tui_analytics.processor.models import JobSpec
    from tui_analytics.runtime import scheduling
    from tui_analytics.runtime.clock import Clock
    from tui_analytics.runtime.events import EventBus

log = logging.getLogger(__name__)

POLL_JOB = "performance-metrics"  # its runs also re-read the job settings


class JobControlMixin:
    """pause_job / resume_job / set_job_interval / apply_job_settings (see the module docstring)."""

    if TYPE_CHECKING:
        settings: Settings
        clock: Clock
        bus: EventBus
        specs: dict[str, JobSpec]
        _scheduler: scheduling.LoopScheduler | None

        def _spec(self, job_id: str) -> JobSpec: ...
        def _state(self) -> Any: ...
        def _aps_id(self, job_id: str) -> str: ...

    job_settings: dict[str, JobSetting]

    def job_setting(self, job_id: str) -> JobSetting:
        """The job's run-time overrides (defaults when none is stored)."""
        return self.job_settings.get(job_id, JobSetting())

    def interval(self, job_id: str) -> float:
        """The job's interval in seconds: set at run time, else the configured one."""
        override = self.job_setting(job_id).interval_s
        return override if override is not None else self.settings.interval(job_id)

    def is_paused(self, job_id: str) -> bool:
        return self.job_setting(job_id).paused

    def load_job_settings(self) -> list[str]:
        """Read the stored settings (blocking) without applying them to a scheduler; returns the jobs
        whose settings changed. A dashboard attached to another process's scheduler shows them."""
        loaded = {job_id: s for job_id, s in jobsettings.load(self._state()).items() if job_id in self.specs}
        changed = jobsettings.changes(getattr(self, "job_settings", {}), loaded, self.specs)
        self.job_settings = loaded
        return changed

    # -- changing ----------------------------------------------------------------

    async def pause_job(self, job_id: str) -> JobSetting:
        """Stop scheduling one job (persisted); manual triggers still run it."""
        return await self._change(job_id, paused=True)

    async def resume_job(self, job_id: str) -> JobSetting:
        """Schedule a paused job again; its next run is one interval away."""
        return await self._change(job_id, paused=False)

    async def set_job_interval(self, job_id: str, seconds: float | None) -> JobSetting:
        """Run a job every `seconds` (1 s to 31 days; a ValueError otherwise) from now on;
        None puts it back on its configured interval. The next run is one interval away."""
        if seconds is not None:
            seconds = jobsettings.check_interval(float(seconds))
        return await self._change(job_id, interval_s=seconds)

    async def _change(self, job_id: str, **change: Any) -> JobSetting:
        self._spec(job_id)
        setting = await asyncio.to_thread(jobsettings.save, self._state(), job_id, self.clock.now(), **change)
        self.job_settings = {**self.job_settings, job_id: setting}
        if setting.is_default:
            self.job_settings.pop(job_id)
        self._apply_to_scheduler([job_id])
        self.bus.publish(JobSettingsChanged(job_id, paused=setting.paused, interval_s=self.interval(job_id), at=self.clock.now()))
        return setting

    async def apply_job_settings(self) -> list[str]:
        """Read the settings other processes stored and apply what changed to this process's
        scheduler; returns the ids of the jobs that changed. Cheap (one small read): the
        performance-metrics job calls it on every run, and anything may call it sooner."""
        try:
            changed = await asyncio.to_thread(self.load_job_settings)
        except Exception:  # a state-database hiccup: the next poll tries again
            log.exception("reading the job settings failed")
            return []
        if changed:
            self._apply_to_scheduler(changed)
            for job_id in changed:
                self.bus.publish(
                    JobSettingsChanged(job_id, paused=self.is_paused(job_id), interval_s=self.interval(job_id), at=self.clock.now())
                )
        return changed

    async def poll_requests(self) -> None:
        """The slow path by which a scheduling process hears of job settings changed elsewhere (the
        channel, channel/service.py, applies them within a second; this catches a missed event)."""
        await self.apply_job_settings()

    # -- scheduling ----------------------------------------------------------------

    def held_by_scheduler(self, job_id: str) -> bool:
        """True when the scheduler keeps the job from firing (paused, except the poll job)."""
        return self.is_paused(job_id) and job_id != POLL_JOB

    def _apply_to_scheduler(self, job_ids: list[str]) -> None:
        scheduler = self._scheduler
        if scheduler is None or not scheduler.running:
            return  # not scheduling here: the process that schedules applies it at its next poll
        for job_id in job_ids:
            aps_id = self._aps_id(job_id)
            job = scheduler.get_job(aps_id)
            if job is None:
                continue
            seconds = self.interval(job_id)
            if job.trigger.interval.total_seconds() != seconds:
                # A new trigger: the next run is one new interval from now (also unpauses it).
                job = scheduler.reschedule_job(aps_id, trigger="interval", seconds=seconds)
            if self.held_by_scheduler(job_id):
                scheduler.pause_job(aps_id)
            elif job.next_run_time is None:
                scheduler.resume_job(aps_id)
            log.info(
                "job %s: %s, every %s",
                job_id,
                "paused" if self.is_paused(job_id) else "scheduled",
                jobsettings.describe_interval(seconds),
            )
