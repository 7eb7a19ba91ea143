"""One process's end of the state-database channel (data/state/channel_tables.py): tell, follow, obey, ask.

- **Tell** (every process): the services' events go into `channel_events`, written by a
  background thread in batches. The process that schedules also keeps the cache snapshot
  and its status row current, so other processes can show its truth.
- **Follow** (long-lived processes): a Watcher reads the others' events. Job events
  re-read the run history; an attached dashboard (another process schedules) also
  re-reads that process's cache snapshot and status. Each followed event is published
  again on the local bus, marked `remote`, so the dashboard redraws as for its own.
- **Obey** (the scheduling process): commands that attached dashboards and shells post
  (run a job, clear the cache, pause, generate a report) are claimed and run here, on
  the loop, and answered in the command row.
- **Ask** (an attached dashboard, a shell): `ask()` posts a command and waits for its answer,
  the one wait both the dashboard (`request`) and `tui-analytics cache` use.

The channel holds the other services by the seams in seams.py and calls only their public
methods; the composition root (wiring/services.py) builds it over itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui_analytics.channel.commands import execute_command
from tui_analytics.channel.seams import Host, Jobs
from tui_analytics.data.state import channel_tables as channel
from tui_analytics.runtime.event_types import (
    CacheChanged,
    Event,
    JobRunEvent,
    JobSettingsChanged,
    JobStarted,
    ReportEvent,
    SchedulerStateChanged,
    TemplatesChanged,
)

if TYPE_CHECKING:
    from tui_analytics.data.state.channel_watch import Watcher

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.05  # a burst of events (a job filling six keys) is one write
COMMAND_POLL_SECONDS = 0.25  # how often a dashboard waiting for its command's answer looks
ANSWERED = ("done", "failed", "expired")


@dataclass(frozen=True)
class Asked:
    """A command posted for the scheduling process, as it stood when the wait ended: `command` is
    None when it was removed; `unclaimed` when no process took it within COMMAND_LIFETIME_S."""

    id: int
    command: channel.Command | None
    unclaimed: bool = False


class ChannelService:
    """The channel for the services of one process. Built without I/O; `tell()`, `follow()` start it."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.clock = host.clock
        self.origin = channel.origin_id()
        self._pending: list[Event] = []
        self._snapshot_keys: set[str] = set()
        self._snapshot_cleared = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._closing = False
        self._unsubscribe: list[Callable[[], None]] = []
        self.watcher: Watcher | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.status: dict[str, Any] | None = None  # the scheduling process's, when another process schedules
        # The Reports part of the stored view (three queries), read again only after a report event:
        # a count of those events, and the count the stored part was read at.
        self._reports_part: dict[str, Any] | None = None
        self._report_changes = 0
        self._reports_read_at = -1

    @property
    def engine(self) -> Any:
        return self.host.open_state()

    # -- who we are -------------------------------------------------------------------------

    def _processor(self) -> Jobs | None:
        """The processor if this process built one (asking never builds it)."""
        processor: Jobs | None = self.host.built("processor")
        return processor

    def scheduling(self) -> bool:
        """True when this process holds the scheduler lock and has its jobs scheduled."""
        processor = self._processor()
        return processor is not None and processor.scheduled and not processor.read_only

    def attached(self) -> bool:
        """True when another process schedules and this one shows that process's truth."""
        processor = self._processor()
        return processor is not None and processor.read_only

    # -- telling ----------------------------------------------------------------------------

    def tell(self, *, background: bool = True) -> None:
        """Write this process's service events into the channel from now on (idempotent); without
        `background` they wait for `flush()` (tests, which decide when a write happens)."""
        if self._unsubscribe:
            return
        for bus in self.host.buses():
            self._unsubscribe.append(bus.subscribe(self._on_local_event))
        self._closing = False
        if background:
            self._writer = threading.Thread(target=self._write_loop, name="tui-analytics channel writer", daemon=True)
            self._writer.start()

    def _on_local_event(self, event: Event) -> None:
        # In the publisher's thread: queue, nothing else.
        if isinstance(event, ReportEvent):
            self._report_changes += 1  # a report or template changed, here or (relayed) elsewhere
        if not event.shared or event.remote is not None:
            return
        with self._lock:
            self._pending.append(event)
            if isinstance(event, CacheChanged) and self.scheduling():
                if event.action == "clear":
                    self._snapshot_cleared = True
                    self._snapshot_keys.clear()
                else:
                    self._snapshot_keys.update(event.keys)
        self._wake.set()

    def _write_loop(self) -> None:
        while True:
            self._wake.wait()
            if self._closing and not self._pending:
                return
            self._wake.clear()
            threading.Event().wait(COALESCE_SECONDS)
            try:
                self.flush()
            except Exception as exc:  # the channel is a courtesy: the work itself is done and recorded
                log.warning("could not write to the state database's channel: %s", exc)
            if self._closing:
                return

    def flush(self) -> None:
        """Write what is queued now (blocking): events, then the snapshot and status if we schedule."""
        with self._lock:
            pending, self._pending = self._pending, []
            keys, self._snapshot_keys = self._snapshot_keys, set()
            cleared, self._snapshot_cleared = self._snapshot_cleared, False
        if not pending and not keys and not cleared:
            return
        engine = self.engine
        now = self.clock.now()
        if self.scheduling():
            if cleared:
                channel.clear_snapshot(engine)
            channel.write_snapshot(engine, *self.host.processor.snapshot_of(keys))
            channel.write_status(engine, self.current_status(now))
            channel.write_view(engine, self.current_view(now))
            if any(isinstance(event, SchedulerStateChanged) for event in pending):
                self._obey()  # we may have just taken over: run what attached dashboards asked meanwhile
        if pending:
            # Events last: a follower woken by them finds the snapshot and status already written.
            channel.post_events(engine, pending, now, self.origin)

    def current_status(self, now: datetime) -> dict[str, Any]:
        """What attached dashboards show about this process: who, state, next runs, cache counters."""
        from tui_analytics.data.state.locking import LockHolder, scheduler_lock

        processor = self.host.processor
        lock = scheduler_lock(self.host.settings.resolved_state_url)
        holder = lock.me if lock.held else LockHolder.mine()
        stats = processor.cache_stats()
        return {
            "holder": asdict(holder),
            "origin": self.origin,
            "state": processor.scheduler_state(),
            "nextRuns": {s.id: s.next_run.isoformat() for s in processor.get_job_statuses() if s.next_run},
            "cache": {
                "size": stats.size,
                "maxsize": stats.maxsize,
                "hits": stats.hits,
                "misses": stats.misses,
                "stale": stats.stale,
            },
            "writtenAt": now.isoformat(),
        }

    def current_view(self, now: datetime) -> dict[str, Any]:
        """What the Jobs, Metrics and Reports panes show, for the next dashboard's first frame
        (data/state/last_view.py; the Analytics pane's part is the cache snapshot)."""
        from tui_analytics.data.state.last_view import VIEW_VERSION
        from tui_analytics.runtime.plain import to_plain

        processor = self.host.processor
        if self._reports_read_at != self._report_changes or self._reports_part is None:
            self._reports_read_at = self._report_changes  # before reading: a change meanwhile reads again
            part = to_plain(self.host.reports.overview())
            assert isinstance(part, dict)  # an overview is a dataclass: a JSON object
            self._reports_part = part
        return {
            "version": VIEW_VERSION,
            "writtenAt": now.isoformat(),
            "jobs": to_plain(processor.get_job_statuses()),
            "jobMetrics": to_plain(processor.get_job_metrics()),
            "cache": to_plain(processor.cache_stats()),
            "performance": processor.latest_performance,
            "reports": self._reports_part,
        }

    def publish_status(self) -> None:
        """Write the status row now (blocking), when this process schedules."""
        if self.scheduling():
            channel.write_status(self.engine, self.current_status(self.clock.now()))

    def save_whole_snapshot(self) -> None:
        """Replace the snapshot with every entry of this process's cache (blocking; on taking over)."""
        if not self.scheduling():
            return
        with self._lock:
            self._snapshot_keys.update(self.host.processor.cache_keys())
        self._wake.set()

    # -- following ----------------------------------------------------------------------------

    def follow(self, loop: asyncio.AbstractEventLoop, *, background: bool = True) -> None:
        """Follow the others' events; commands are run on `loop` (idempotent). Without `background`
        nothing looks until `self.watcher.check()` is called (tests)."""
        from tui_analytics.data.state.channel_watch import Watcher

        self.loop = loop
        if self.watcher is None:
            self.watcher = Watcher(self.engine, self.on_events)
        if background:
            self.watcher.start()

    def on_events(self, rows: list[channel.ChannelEvent]) -> None:
        """In the watcher's thread: act on the others' events, then tell the local listeners."""
        theirs = [row for row in rows if row.origin != self.origin]
        if not theirs:
            return
        events = [row.event for row in theirs if row.event is not None]
        if _asks_for_commands(theirs) and self.scheduling():
            self._obey()
        attached = self.attached()
        kinds = {type(e) for e in events}
        ran = self._follow_runs(events, attached)
        if attached:
            self.load_remote_state(cache=ran or CacheChanged in kinds)
        if JobSettingsChanged in kinds:
            self._job_settings_changed()
        if TemplatesChanged in kinds and self.scheduling() and self.loop is not None:
            # Another process created, edited or deleted a template: schedule what the table now says.
            self.loop.call_soon_threadsafe(self._reschedule_reports)
        self._republish(events)

    def _follow_runs(self, events: list[Event], attached: bool) -> bool:
        """The last word on each job in this batch: started (still running there) or ended."""
        runs = [e for e in events if isinstance(e, JobRunEvent)]
        if runs:
            self.host.processor.follow_runs({e.job_id: isinstance(e, JobStarted) for e in runs}, attached=attached)
        return bool(runs)

    def _job_settings_changed(self) -> None:
        # A job paused, resumed or given another interval elsewhere: the scheduler applies it,
        # an attached dashboard shows it.
        processor = self.host.processor
        if self.scheduling() and self.loop is not None:
            asyncio.run_coroutine_threadsafe(processor.apply_job_settings(), self.loop)
        else:
            processor.load_job_settings()

    def _republish(self, events: list[Event]) -> None:
        for e in events:
            if e.shared:  # marked `remote` (the origin) by the decoding: not told again, not alerted about
                bus = self.host.reports.bus if isinstance(e, ReportEvent) else self.host.processor.bus
                bus.publish(e)

    def _reschedule_reports(self) -> None:
        reports = self.host.built("reports")
        if reports is not None:
            reports.restart()

    def load_remote_state(self, *, cache: bool = True) -> None:
        """Read the scheduling process's status and (with `cache`) its cache snapshot (blocking)."""
        self.status = channel.read_status(self.engine)
        self.host.processor.follow_status(self.status)
        if cache:
            self.host.processor.restore_snapshot(channel.read_snapshot(self.engine), replace_all=True)

    def restore_snapshot(self) -> None:
        """Fill this process's empty cache from the snapshot the last scheduling process left (blocking):
        the first frame shows the last known analytics, with their age, until the jobs refresh them."""
        self.host.processor.restore_snapshot(channel.read_snapshot(self.engine), replace_all=False)

    # -- obeying (the scheduling process) ------------------------------------------------------------

    def _obey(self) -> None:
        from tui_analytics.data.state.locking import LockHolder

        loop = self.loop
        if loop is None:
            return
        by = LockHolder.mine().describe()
        for command in channel.claim_commands(self.engine, by, self.clock.now()):
            log.info("running %s for %s", " ".join(filter(None, (command.op, command.argument))), command.origin)
            asyncio.run_coroutine_threadsafe(self._run_command(command), loop)

    async def _run_command(self, command: channel.Command) -> None:
        from tui_analytics.runtime.errors import one_line

        try:
            result = await self.execute(command.op, command.argument)
            ok = True
        except Exception as exc:  # answered, never raised into the loop
            ok, result = False, {"error": one_line(exc)}
        try:
            await asyncio.to_thread(channel.finish_command, self.engine, command.id, ok, result, self.clock.now())
        except Exception:
            log.exception("could not answer command %s", command.id)

    async def execute(self, op: str, argument: str) -> dict[str, Any]:
        """Do what a command asks, here (on the loop); returns its answer (commands.py)."""
        return await execute_command(self.host, op, argument)

    # -- asking (an attached dashboard, a shell) -------------------------------------------------------

    async def ask(self, op: str, argument: str = "", *, timeout: float, poll: float = COMMAND_POLL_SECONDS) -> Asked:
        """Post a command for the scheduling process and wait up to `timeout` s for its answer, looking
        every `poll` s; returns the command as it stood when the wait ended.

        The wait ends early once it is answered (done, failed, expired), removed, or left unclaimed
        for COMMAND_LIFETIME_S. Should this process take over scheduling meanwhile, it claims what
        is pending (its own command too) and runs it here.
        """
        engine = self.engine
        command_id = await asyncio.to_thread(channel.post_command, engine, op, argument, self.clock.now(), self.origin)
        posted = self.clock.monotonic()
        while True:
            await asyncio.sleep(poll)
            command = await asyncio.to_thread(channel.read_command, engine, command_id)
            waited = self.clock.monotonic() - posted
            if command is None or command.status in ANSWERED or waited > timeout:
                return Asked(command_id, command)
            if command.status == "pending" and waited > channel.COMMAND_LIFETIME_S:
                # Nobody claims it (a scheduling process of an older version does not follow the channel).
                return Asked(command_id, command, unclaimed=True)
            if command.status == "pending" and self.scheduling():
                await asyncio.to_thread(self._obey)

    async def request(self, op: str, argument: str = "", *, timeout: float = 900.0) -> channel.Command:
        """Ask (see `ask`) and return the answered command.

        Raises RuntimeError with a one-line reason when it fails, expires or nobody answers.
        """
        asked = await self.ask(op, argument, timeout=timeout)
        command = asked.command
        if command is None:
            raise RuntimeError("the command was removed from the state database")
        if command.status == "done":
            return command
        if command.status in ("failed", "expired"):
            raise RuntimeError(str((command.result or {}).get("error") or command.status))
        if asked.unclaimed:
            raise RuntimeError(f"the scheduling process did not take the request within {channel.COMMAND_LIFETIME_S:g} s")
        raise RuntimeError(f"no answer from the scheduling process within {timeout:g} s")

    # -- stopping ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop following, write what is queued, stop telling (blocking, short)."""
        if self.watcher is not None:
            self.watcher.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        writer, self._writer = self._writer, None
        if writer is not None:
            self._closing = True
            self._wake.set()
            writer.join(timeout=5.0)
        try:
            self.flush()
        except Exception as exc:
            log.warning("could not write to the state database's channel: %s", exc)


def _asks_for_commands(rows: list[channel.ChannelEvent]) -> bool:
    """Whether a process posted a command (for the scheduling one to claim)."""
    return any(row.kind == channel.COMMAND_EVENT for row in rows)
