"""AlertService: turns job and report events into one alert per incident, sent off the event loop.

It listens on the services' event bus (the processor and the reports service publish
`job.failed`, `job.finished`, `report.failed`, `report.finished`), so whichever
process ran the work alerts, and the processor knows nothing of alerts. The bus
listener only queues the event: the incident is opened or closed in the state
database by a worker thread, and each target sends in a thread of its own (a slow or
failing target holds up neither the jobs nor the other targets). The process that
schedules also checks, every few seconds, for jobs without a successful run for
longer than their grace period (`check_late`, on the injected clock's monotonic time: a step
of the wall clock neither makes a job late nor hides that it is).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from tui_analytics.alerts import wording as messages
from tui_analytics.alerts.incidents import IncidentStore
from tui_analytics.alerts.models import FAILED, TEST, Alert, AlertSummary, Delivery, summarise
from tui_analytics.alerts.policy import PolicyMixin
from tui_analytics.alerts.quiet import MuteStore
from tui_analytics.alerts.rules import Reading
from tui_analytics.alerts.senders import Flights, Outcome, Wait, deliver
from tui_analytics.alerts.worker import SerialWorker, Ts
from tui_analytics.config import alert_targets as on
from tui_analytics.config.alert_rules import AlertPolicy
from tui_analytics.config.alert_targets import AlertTarget
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import write_error
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.event_types import AlertFailed, AlertSent, Event, JobFailed, JobFinished, ReportFailed, ReportFinished
from tui_analytics.runtime.events import EventBus

log = logging.getLogger(__name__)

ABANDON_AFTER = 5.0  # seconds a quitting process still gives its queued alerts
CHECK_SECONDS = 30.0  # how often the scheduling process looks for late jobs (less for shorter intervals)
REMEMBERED = 500  # deliveries kept in memory for the screen
STALE_PENDING = 3600.0  # a pending delivery older than this has no live sender (attempts are bounded by their timeout)


class AlertService(PolicyMixin):
    """The alerts of one process. Constructing it does no I/O; `open()` reads the last alerts."""

    def __init__(
        self,
        settings: Settings,
        *,
        bus: EventBus,
        clock: Clock,
        state_engine: Any = None,
        wait: Wait | None = None,
        host: str | None = None,
        source: Callable[[], SourceRepository | None] | None = None,
    ) -> None:
        self.settings = settings
        self.targets: tuple[AlertTarget, ...] = settings.alerts
        self.clock = clock
        self.bus = bus
        self._state_engine = state_engine  # an Engine, a function that opens one, or None: opened on first use
        self.store = IncidentStore(self._state)
        self.mutes = MuteStore(self._state)
        self.policy = settings.alert_policy or AlertPolicy()
        self._source = source  # the source the rules read (the services' repository), None: no rules evaluated
        self._readings: dict[str, Reading] = {}
        self.host = host if host is not None else socket.gethostname()
        self._closing = threading.Event()
        self._abandoned = threading.Event()  # set ABANDON_AFTER seconds after close()
        self._flights = Flights()  # this service's webhook attempts in progress
        self._wait: Wait = wait or self._closing.wait
        self._lock = threading.Lock()
        self._work = SerialWorker("alerts")
        self._senders: dict[str, SerialWorker] = {}
        self._known: dict[tuple[str, str], Delivery] = {}
        self._summaries: dict[str, AlertSummary] = {}
        # Monotonic seconds: when watching a job began, when a success of it was last heard of (its
        # event, or a newer success in the run history), when it was last looked at; and the
        # newest success the run history showed then (wall-clock, compared for a change only).
        self._baseline: dict[str, float] = {}
        self._heard: dict[str, float] = {}
        self._seen: dict[str, datetime | None] = {}
        self._looked: dict[str, float] = {}
        self._watch_since: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.retries = 0  # attempts after the first, over every delivery of this process

    def _state(self) -> Engine:
        engine: Engine | Callable[[], Engine] | None = self._state_engine
        if engine is None:
            from tui_analytics.data.state.database import open_state

            engine = self._state_engine = open_state(self.settings, self.clock)
        return engine() if callable(engine) else engine

    # -- reading (memory only: fine on the event loop) --------------------------------

    def last_alert(self, subject: str | None = None) -> AlertSummary | None:
        """The newest alert about `subject` (`job:<id>`, `report:<id>`), or of all when None."""
        with self._lock:
            return self._summaries.get(subject or "")

    # -- opening and following the state database (blocking) -----------------------------

    def open(self) -> AlertService:
        """Record the deliveries a killed process left pending as not delivered, read the last alerts
        (any process's) and keep the delivery log within the retention."""
        self._abandon_pending()
        self.refresh()
        try:
            self.store.prune(self.settings.history_retention)
        except Exception as exc:
            log.warning("could not prune the alert deliveries: %s", write_error(self.settings.resolved_state_url, exc))
        return self

    def _abandon_pending(self) -> None:
        # A delivery left 'pending' by a process that is gone (SIGKILL mid-send) is never sent: it is
        # recorded as not delivered, not retried (the alert is old news by the next start, and the
        # target may have received it just before the kill). Rows younger than STALE_PENDING may be a
        # live process's, unless nobody else used the state database when this process joined it.
        from tui_analytics.data.state.locking import was_alone

        now = self.clock.now()
        alone = was_alone(self.settings.resolved_state_url, "alert_deliveries")
        try:
            count = self.store.abandon_pending(now if alone else now - timedelta(seconds=STALE_PENDING), messages.CUT_OFF)
        except Exception as exc:
            log.warning("could not close the pending alert deliveries: %s", write_error(self.settings.resolved_state_url, exc))
            return
        if count:
            log.warning("%d alert deliveries were cut off by the last shutdown: recorded as not delivered", count)

    def refresh(self) -> None:
        """Reload the last alerts from the state database (another process may have sent some)."""
        try:
            rows = self.store.recent(REMEMBERED)
        except Exception as exc:
            log.warning("could not read the alert deliveries: %s", write_error(self.settings.resolved_state_url, exc))
            return
        with self._lock:
            self._known = {(d.alert_id, d.target): d for d in reversed(rows)}
            self._summaries = summarise(list(self._known.values()))

    def _remember(self, deliveries: Iterable[Delivery]) -> None:
        with self._lock:
            for delivery in deliveries:
                self._known.pop((delivery.alert_id, delivery.target), None)
                self._known[(delivery.alert_id, delivery.target)] = delivery
            while len(self._known) > REMEMBERED:
                self._known.pop(next(iter(self._known)))
            self._summaries = summarise(list(self._known.values()))

    # -- events -> incidents -------------------------------------------------------

    def watch(self, bus: EventBus) -> Callable[[], None]:
        """Listen to a bus's job and report events; returns the function that stops listening."""
        return bus.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        # In the publisher's thread (often the event loop): queue, nothing else. Events relayed from
        # another process (channel/service.py marks them `remote`) are that process's to alert about.
        if isinstance(event, JobFinished):  # any process's: the job is not late
            with self._lock:
                self._heard[event.job_id] = self.clock.monotonic()
        if isinstance(event, JobFailed | JobFinished | ReportFailed | ReportFinished) and event.remote is None:
            self._work.submit(self._guarded, self.handle, event)
        elif isinstance(event, JobFinished) and self.policy.rules:  # another process's refresh: read, for the screen
            self._work.submit(self._guarded, self.evaluate_rules, event.job_id, False)

    def handle(self, event: Event) -> None:
        """Open, add to or close the incident the event is about, and send what that calls for (blocking)."""
        match event:
            case JobFailed():
                self._failure(f"job:{event.job_id}", on.JOB_FAILED, event.job_id, event.error, event.at)
            case ReportFailed():
                name = event.name or event.template_id
                self._failure(f"report:{event.template_id}", on.REPORT_FAILED, name, event.error, event.at)
            case JobFinished():
                self._success(f"job:{event.job_id}", event.at)
                self.evaluate_rules(event.job_id)
            case ReportFinished():
                self._success(f"report:{event.template_id}", event.at)

    def _guarded(self, fn: Callable[[*Ts], object], *args: *Ts) -> None:
        try:
            fn(*args)
        except Exception:  # the state database may be what failed: logged, never raised into a job
            log.exception("alert handling failed")

    # -- late jobs ----------------------------------------------------------------------

    def check_late(self, jobs: Iterable[tuple[str, float]], *, running: bool = True) -> list[str]:
        """Alert for each job (id, interval in seconds) without a successful run for more than
        `alert_grace` intervals; returns the late ones (blocking). Time stops while the scheduler
        does not run (paused, read-only, stopped): a job is not late for runs nobody was to make.

        Time is the monotonic clock's: a success counts from when it was heard of (its event) or
        first seen in the run history, whose wall-clock times a clock step would skew."""
        now, mono = self.clock.now(), self.clock.monotonic()
        jobs = list(jobs)
        if not running:
            self._baseline = {job_id: mono for job_id, _ in jobs}
            return []
        if not any(t.wants(on.JOB_LATE) for t in self.targets):
            return []
        successes = self.store.last_successes()
        grace = self.settings.alert_grace
        late: list[str] = []
        for job_id, interval in jobs:
            since = self._since(job_id, successes.get(job_id), mono)
            waited = mono - since
            if waited > grace * interval:
                late.append(job_id)
                error = f"no successful run for {messages.span(waited)} (late after {grace:g} × {messages.span(interval)})"
                self._failure(f"job:{job_id}", on.JOB_LATE, job_id, error, now, counts=False)
        return late

    def _since(self, job_id: str, last: datetime | None, mono: float) -> float:
        """The monotonic time a job's lateness counts from: the start of watching it, or its last
        success heard of, whichever is later."""
        since = self._baseline.setdefault(job_id, self._watch_since if self._watch_since is not None else mono)
        with self._lock:
            looked = job_id in self._seen
            if not looked or last != self._seen[job_id]:
                self._seen[job_id] = last
                unheard = self._heard.get(job_id, since) <= self._looked.get(job_id, since)
                if last is not None and unheard and (looked or last > self._wall_at(since, mono)):
                    # A success recorded since the last look and no event of it heard (another
                    # process's run): it counts from now, the latest it can have happened.
                    self._heard[job_id] = mono
            self._looked[job_id] = mono
            heard = self._heard.get(job_id)
        return since if heard is None else max(since, heard)

    def _wall_at(self, mono: float, now_mono: float) -> datetime:
        return self.clock.now() - timedelta(seconds=now_mono - mono)

    def start(self, jobs: Callable[[], Iterable[tuple[str, float]]], running: Callable[[], bool]) -> None:
        """Look for late jobs every few seconds on the running loop (the checks run in the worker)."""
        self.stop()
        self._watch_since = self.clock.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._watch(jobs, running))

    async def _watch(self, jobs: Callable[[], Iterable[tuple[str, float]]], running: Callable[[], bool]) -> None:
        while True:
            listed = list(jobs())
            shortest = min((interval for _, interval in listed), default=CHECK_SECONDS)
            await asyncio.sleep(min(CHECK_SECONDS, max(1.0, shortest)))
            try:
                listed, is_running = list(jobs()), running()
                self._work.submit(self._guarded, self._periodic, listed, is_running)
            except Exception:
                log.exception("the late-job check failed")

    def _periodic(self, jobs: list[tuple[str, float]], running: bool) -> None:
        self.check_late(jobs, running=running)
        if running:  # the process that schedules: one process reminds (a read-only dashboard would too)
            self.check_open()
        self.refresh()

    def stop(self) -> None:
        """Stop looking for late jobs (alerts already queued are still sent)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    def close(self) -> None:
        """Quitting: stop the late check, and stop retrying. Each queued alert gets one more attempt
        within ABANDON_AFTER seconds; then attempts in progress end and the rest are recorded as not
        delivered, so a slow target cannot keep the process alive."""
        self.stop()
        if not self._closing.is_set():
            self._closing.set()
            timer = threading.Timer(ABANDON_AFTER, self._abandon)
            timer.daemon = True
            timer.start()

    def _abandon(self) -> None:
        self._abandoned.set()
        self._flights.abandon()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued event is handled and every alert sent or given up (tests, the CLI)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            workers = [self._work, *list(self._senders.values())]
            if all(w.idle for w in workers):
                return True
            for worker in workers:
                if not worker.wait_idle(max(0.0, deadline - time.monotonic())):
                    return False

    # -- sending ----------------------------------------------------------------------------

    def _sender(self, target: AlertTarget) -> SerialWorker:
        with self._lock:
            worker = self._senders.get(target.name)
            if worker is None:
                worker = self._senders[target.name] = SerialWorker(f"alerts to {target.name}")
            return worker

    def _send(self, alert: Alert, targets: list[AlertTarget]) -> None:
        try:
            pending = self.store.add_pending(alert, [t.name for t in targets])
        except Exception as exc:  # recorded or not, the alert goes out
            log.warning("could not record the alert: %s", write_error(self.settings.resolved_state_url, exc))
            pending = [Delivery(alert.id, alert.at, alert.subject, alert.kind, t.name, "pending") for t in targets]
        self._remember(pending)
        for target, row in zip(targets, pending):
            self._sender(target).submit(self._guarded, self._deliver, target, alert, row)

    def _deliver(self, target: AlertTarget, alert: Alert, row: Delivery) -> Delivery:
        if self._abandoned.is_set():
            outcome = Outcome(FAILED, 0, "not delivered: the app stopped before it was sent")
        else:
            outcome = deliver(
                target, alert, self.settings.smtp, self._wait, flights=self._flights, now=lambda: self.clock.now().timestamp()
            )
        delivery = replace(row, status=outcome.status, attempts=outcome.attempts, error=outcome.error, finished_at=self.clock.now())
        with self._lock:
            self.retries += max(0, outcome.attempts - 1)
        try:
            self.store.finish(delivery)
        except Exception as exc:
            log.warning("could not record the alert's delivery: %s", write_error(self.settings.resolved_state_url, exc))
        self._remember([delivery])
        tries = f"{outcome.attempts} attempt{'s' if outcome.attempts != 1 else ''}"
        if delivery.delivered:
            log.info("alert %s %s sent to %s (%s)", alert.kind, alert.subject, target.name, tries)
        else:
            log.warning("alert %s %s to %s failed after %s: %s", alert.kind, alert.subject, target.name, tries, outcome.error)
        told = AlertSent if delivery.delivered else AlertFailed
        self.bus.publish(
            told(
                alert.subject,
                event=alert.kind,
                target=target.name,
                attempts=outcome.attempts,
                error=outcome.error,
                at=self.clock.now(),
            )
        )
        return delivery

    def send_test(self, timeout: float = 120.0) -> list[Delivery]:
        """A test alert to every target, each recorded like any alert; waits for the outcomes (blocking)."""
        now = self.clock.now()
        results: dict[str, Delivery] = {}
        alerts = [(target, messages.build(TEST, "test:alerts", target.name, now, host=self.host)) for target in self.targets]
        for target, alert in alerts:
            self._send(alert, [target])
        self.drain(timeout)
        with self._lock:
            for target, alert in alerts:
                results[target.name] = self._known.get((alert.id, target.name)) or Delivery(
                    alert.id, now, alert.subject, alert.kind, target.name, "pending"
                )
        return [results[t.name] for t in self.targets]
