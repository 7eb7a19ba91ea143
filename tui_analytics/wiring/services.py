"""`Services`: settings -> source and state databases -> processor, export, reports.

Building is free of I/O: constructing `Services` and reading a service property
only creates objects. `open()` does the blocking work (the source database,
created with demo data on a first start; the state database; each service's own
start-up housekeeping) and belongs in a worker thread. `start()` schedules on
the running event loop; `stop()` undoes it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui_analytics.config.defaults import defaults
from tui_analytics.config.settings import Settings
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.events import EventBus

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui_analytics.alerts import AlertService
    from tui_analytics.channel.service import ChannelService
    from tui_analytics.data.source.protocol import SourceRepository
    from tui_analytics.export import AnalyticsExportService
    from tui_analytics.processor import AnalyticsBackgroundProcessor
    from tui_analytics.reports import AnalyticsScheduledReportsService
    from tui_analytics.wiring.audit import AuditTrail

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]


class Services:
    """The services of one process (or one test), wired once over one `Settings`.

    Anything passed in is used as given (tests wrap the repository, share a
    state engine, pass a fake); the rest is created on first use, each service given
    the settings, bus and clock of this root (without a bus or clock, the process's:
    config/defaults.py). Services imported lazily: a CLI command that exports never
    imports the scheduler.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        repository: SourceRepository | None = None,
        state_engine: Any = None,
        processor: AnalyticsBackgroundProcessor | None = None,
        export: AnalyticsExportService | None = None,
        reports: AnalyticsScheduledReportsService | None = None,
        processor_options: dict[str, Any] | None = None,
        reports_options: dict[str, Any] | None = None,
        alerts_options: dict[str, Any] | None = None,
    ) -> None:
        given = defaults(settings)
        self.settings = settings
        self.clock: Clock = clock or given.clock
        self.bus: EventBus = bus or given.bus
        self.repository = repository
        self.state_engine = state_engine
        self._processor = processor
        self._export = export
        self._reports = reports
        self._channel: ChannelService | None = None
        self._audit: AuditTrail | None = None
        self.opened_source = False  # open() opened the source itself (it was not passed in)
        self._alerts: AlertService | None = None
        self._alerted_buses: list[EventBus] = []  # the buses the alert service listens to
        self._processor_options = dict(processor_options or {})
        self._reports_options = dict(reports_options or {})
        self._alerts_options = dict(alerts_options or {})

    # -- the services (built on first use, no I/O) ---------------------------------

    @property
    def processor(self) -> AnalyticsBackgroundProcessor:
        if self._processor is None:
            from tui_analytics.processor import AnalyticsBackgroundProcessor

            self._processor = AnalyticsBackgroundProcessor(
                self.settings,
                bus=self.bus,
                clock=self.clock,
                repository=self.repository,
                state_engine=self.state_engine,
                **self._processor_options,
            )
        self._alert_on(self._processor.bus)
        return self._processor

    @property
    def export(self) -> AnalyticsExportService:
        if self._export is None:
            from tui_analytics.export import AnalyticsExportService

            self._export = AnalyticsExportService(self.repository, settings=self.settings, clock=self.clock)
        return self._export

    @property
    def reports(self) -> AnalyticsScheduledReportsService:
        if self._reports is None:
            from tui_analytics.reports import AnalyticsScheduledReportsService

            self._reports = AnalyticsScheduledReportsService(
                self.settings,
                bus=self.bus,
                clock=self.clock,
                export_service=self.export,
                repository=self.repository,
                state_engine=self.state_engine,
                performance=self._performance,
                **self._reports_options,
            )
        self._alert_on(self._reports.bus)
        return self._reports

    @property
    def channel(self) -> ChannelService:
        """This process's end of the state database's channel (channel/service.py), over this root."""
        if self._channel is None:
            from tui_analytics.channel.service import ChannelService

            self._channel = ChannelService(self)
        return self._channel

    @property
    def audit(self) -> AuditTrail:
        """The audit trail of this process's changes (wiring/audit.py), in the state database."""
        if self._audit is None:
            from tui_analytics.wiring.audit import AuditTrail

            self._audit = AuditTrail(self.open_state, self.clock)
        return self._audit

    @contextlib.contextmanager
    def telling(self) -> Iterator[ChannelService]:
        """For a short command: what the services do inside is written to the channel, so running
        dashboards and the scheduling process see it (flushed on the way out; blocking)."""
        channel = self.channel
        channel.tell()
        try:
            yield channel
        finally:
            channel.close()

    @property
    def alerts(self) -> AlertService | None:
        """The alert service, when the settings name `[[alerts]]` targets or `[[alerts.rules]]` (else None:
        nothing listens). Its rules read the figures through this composition's source repository."""
        policy = self.settings.alert_policy
        if self._alerts is None and (self.settings.alerts or (policy is not None and policy.rules)):
            from tui_analytics.alerts import AlertService

            options = {"source": self._rule_source, **self._alerts_options}
            self._alerts = AlertService(self.settings, bus=self.bus, clock=self.clock, state_engine=self.open_state, **options)
        return self._alerts

    def _rule_source(self) -> SourceRepository:
        """The source the alert rules read (blocking; from the alert service's worker): this composition's,
        opened here when nothing opened it (`jobs run` leaves the source to the processor)."""
        if self.repository is None:
            from tui_analytics.data.source.opening import open_source

            self.repository = open_source(self.settings, clock=self.clock)
        return self.repository

    def _alert_on(self, bus: EventBus) -> None:
        # Whichever process runs a job or a report alerts about it: the dashboard, serve, a CLI
        # run, a script. So the alert service listens from the moment a service exists.
        alerts = self.alerts
        if alerts is not None and all(bus is not b for b in self._alerted_buses):
            self._alerted_buses.append(bus)
            alerts.watch(bus)

    def built(self, name: str) -> Any:
        """The service called `name` ('processor', 'export', 'reports') if it was built, else None."""
        return {"processor": self._processor, "export": self._export, "reports": self._reports}[name]

    def forget(self, name: str) -> Any:
        """Drop a service (the API's stop_*); returns it. The next read builds a new one."""
        service = self.built(name)
        setattr(self, f"_{name}", None)
        return service

    def buses(self) -> list[EventBus]:
        """Every bus the services publish on, once each (the loop's scheduler says its state on the
        bus of the service that created it: this root's, unless a service was passed in with another)."""
        found: list[EventBus] = []
        for bus in (self.processor.bus, self.reports.bus):
            if all(bus is not b for b in found):
                found.append(bus)
        return found

    def _performance(self, repository: SourceRepository, scheduler_state: str) -> dict[str, object]:
        # A report's performance section reads this process's processor, if it has one.
        from tui_analytics.reports.content import performance_figures

        return performance_figures(repository, scheduler_state, self._processor)

    # -- opening, scheduling, stopping ------------------------------------------------

    def open(self, on_progress: ProgressFn | None = None) -> Services:
        """Open the source (creating the demo database on a first start) and the state database,
        then run each service's start-up housekeeping. Blocking: call from a worker thread."""
        from tui_analytics.data.source.opening import open_source

        if self.repository is None and (self._processor is None or self._export is None or self._reports is None):
            self.repository = open_source(self.settings, clock=self.clock, on_progress=on_progress)
            self.opened_source = True
            if self.settings.rollups:
                self.repository = self._incremental(self.repository)
        self.open_state()
        self.processor.open()
        self.export.open()
        self.reports.open()
        if self.alerts is not None:
            self.alerts.open()
        return self

    def open_state(self) -> Any:
        """The state database's engine, opened (tables created) on first use. Blocking."""
        from tui_analytics.data.state.database import open_state

        if self.state_engine is None:
            self.state_engine = open_state(self.settings, self.clock)
        return self.state_engine

    def _incremental(self, base: Any) -> SourceRepository:
        """The datasets from the rollups of the state database (docs/data.md#rollups), over `base`."""
        from tui_analytics.data.rollups.answers import IncrementalRepository
        from tui_analytics.data.rollups.store import RollupStore

        return IncrementalRepository(base, RollupStore(self.open_state()), lateness_days=self.settings.rollup_lateness_days)

    def rollups(self) -> Any:
        """The incremental repository when the datasets come from rollups, else None."""
        from tui_analytics.data.rollups.answers import IncrementalRepository

        return self.repository if isinstance(self.repository, IncrementalRepository) else None

    def claim_scheduler(self) -> bool:
        """Try to take the state database's scheduler lock for this process (blocking).
        False: another process schedules, and this one runs read-only. The scheduling process
        is the one that writes the rollups."""
        claimed = self.processor.claim_scheduler()
        incremental = self.rollups()
        if claimed and incremental is not None:
            incremental.enable_writing()
        return claimed

    def start(self, *, follow: bool = True, tell: bool = True) -> None:
        """Schedule the jobs and the report templates on the running loop (call on that loop);
        with `follow`, also follow the other processes and, with `tell`, tell the channel what
        happens here (a read-only dashboard does not: it writes nothing to the state database)."""
        import asyncio

        self.processor.start()
        self.reports.restart()
        if follow:
            if tell:
                self.channel.tell()
            self.channel.follow(asyncio.get_running_loop())
        if self.alerts is not None:
            processor = self.processor
            self.alerts.start(
                lambda: [(s.id, s.interval_s) for s in processor.get_job_statuses()],
                lambda: processor.scheduler_state() == "running",
            )

    def stop(self, *, interrupt: bool = False) -> None:
        """Unschedule everything this process scheduled; with `interrupt`, cancel running work
        (recorded as interrupted) and shut the loop's scheduler down (quitting)."""
        from tui_analytics.runtime import scheduling

        for name in ("processor", "reports"):
            service = self.built(name)
            if service is None:
                continue
            try:
                service.stop(interrupt=interrupt)
            except Exception:  # shutting down: log, keep going
                log.exception("stopping the %s failed", name)
        if self._channel is not None:
            self._channel.close()  # after the services: their last events (runs interrupted) go out too
        if self._alerts is not None:
            # Quitting: no more retries (each queued alert still gets its attempt, in its thread).
            if interrupt:
                self._alerts.close()
            else:
                self._alerts.stop()
        if interrupt:
            scheduling.shutdown_scheduler()
