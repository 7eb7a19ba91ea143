"""What an event does to an incident, the rules on the data, quiet times and reminders (mixed into AlertService).

A failure opens the subject's incident (or counts on it) and tells the targets that want it; a
success closes it and tells those told that it recovered.

A rule is an incident like a failing job: `rule:<name>` opens when its condition becomes true
(one `data-alert`) and closes when it stops being true (one `recovered`), in the same
`alert_incidents` table, so two processes evaluating the same rule alert once. While a subject
is muted or silenced its incident still opens and closes, but nobody is told; once the quiet
ends, a still-open incident is told at the next evaluation or periodic check. An open incident
is told again every `remind_every` (the target's, else the global `alert_remind_every`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tui_analytics.alerts import wording as messages
from tui_analytics.alerts.incidents import REACH_ROWS, Incident, IncidentStore
from tui_analytics.alerts.quiet import Mute, MuteStore, quiet_reason
from tui_analytics.alerts.rules import FIRING, OK, UNKNOWN, Reading, evaluate
from tui_analytics.config import alert_targets as on
from tui_analytics.config.alert_rules import AlertPolicy, AlertRule
from tui_analytics.data.source.protocol import SourceRepository
from tui_analytics.runtime.event_types import RuleRead

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui_analytics.alerts.models import Alert
    from tui_analytics.config.alert_targets import AlertTarget
    from tui_analytics.config.settings import Settings
    from tui_analytics.runtime.clock import Clock
    from tui_analytics.runtime.events import EventBus

log = logging.getLogger(__name__)


class PolicyMixin:
    if TYPE_CHECKING:
        settings: Settings
        targets: tuple[AlertTarget, ...]
        clock: Clock
        store: IncidentStore
        mutes: MuteStore
        policy: AlertPolicy
        bus: EventBus
        host: str
        _source: Callable[[], SourceRepository | None] | None
        _readings: dict[str, Reading]

        def _send(self, alert: Alert, targets: list[AlertTarget]) -> None: ...

    # -- events -> incidents ----------------------------------------------------------------

    def _failure(self, subject: str, kind: str, name: str, error: str | None, at: datetime, *, counts: bool = True) -> None:
        error = error or None
        wanting = [t for t in self.targets if t.wants(kind)]
        incident = self.store.get(subject)
        quiet = self.quiet(subject, at) if wanting else None
        if incident is None:
            if not wanting:
                return  # nobody to tell: no incident either
            # Quiet (muted, silenced): the incident opens telling nobody; check_open tells them later.
            told = [] if quiet else [t.name for t in wanting]
            opened = self.store.open(subject, kind, name, at, error, told, failures=int(counts))
            if opened is not None and quiet:
                log.info("alert %s %s not sent: %s", kind, subject, quiet)
                return
            if opened is not None:
                self._send(
                    messages.build(kind, subject, name, at, host=self.host, error=error, since=at, failures=opened.failures),
                    wanting,
                )
                return
            incident = self.store.get(subject)  # another process opened it a moment ago
            if incident is None:
                return
        if counts:
            self.store.note_failure(incident, at, error)
        # An incident opened by one event (late) may concern targets that only want the other (failed).
        new = [t for t in wanting if t.name not in incident.notified]
        if new and not quiet and self.store.add_notified(incident, [t.name for t in new]):
            self._send(
                messages.build(
                    kind,
                    subject,
                    incident.name,
                    at,
                    host=self.host,
                    error=error,
                    since=incident.opened_at,
                    failures=incident.failures + int(counts),
                ),
                new,
            )

    def _success(self, subject: str, at: datetime, detail: str | None = None) -> None:
        incident = self.store.get(subject)
        # A success from before the incident opened (queued behind it, or another process's) ends nothing.
        if incident is None or at < incident.opened_at or not self.store.close(incident):
            return
        told = [t for t in self.targets if t.name in incident.notified and t.wants(on.RECOVERED)]
        if told and self.quiet(subject, at) is None:
            alert = messages.build(
                on.RECOVERED,
                subject,
                incident.name,
                at,
                host=self.host,
                error=detail,
                since=incident.opened_at,
                failures=incident.failures,
            )
            self._send(alert, told)

    # -- rules ---------------------------------------------------------------------------

    def readings(self) -> dict[str, Reading]:
        """The last reading of each rule by this process, in the rules' order; `unknown` "not read yet"
        before the first refresh of its dataset here (memory only)."""
        found = dict(self._readings)
        return {
            rule.name: found.get(rule.name) or Reading(rule.name, rule.figure, None, UNKNOWN, "not read yet")
            for rule in self.policy.rules
        }

    def evaluate_rules(self, job_id: str | None = None, act: bool = True) -> list[Reading]:
        """Evaluate the rules whose dataset `job_id` refreshes (every rule when None), and (`act`) open
        or close their incidents (blocking: SQL on the source and the state database). Without `act`
        the readings are only kept for the screen: the process that ran the job alerts."""
        repository = self._source() if self._source is not None else None
        if repository is None:
            return []
        out = []
        for rule in self.policy.rules:
            if job_id is None or rule.job == job_id:
                reading = evaluate(rule, repository)
                before = self._readings.get(rule.name)
                out.append(self.apply_reading(rule, reading) if act else reading)
                self._readings[rule.name] = reading
                if before is None or (before.state, before.value) != (reading.state, reading.value):
                    self.bus.publish(RuleRead(rule.name, reading.state, reading.value, reading.detail, at=self.clock.now()))
        return out

    def apply_reading(self, rule: AlertRule, reading: Reading) -> Reading:
        self._readings[rule.name] = reading
        now = self.clock.now()
        if reading.state == FIRING:
            self._failure(rule.subject, on.DATA_ALERT, rule.name, reading.detail, now, counts=False)
        elif reading.state == OK:
            self._success(rule.subject, now, reading.detail)
        return reading  # unknown (no data, the source down): the incident stays as it is

    # -- quiet -----------------------------------------------------------------------------

    def active_mutes(self) -> list[Mute]:
        try:
            return self.mutes.active(self.clock.now())
        except Exception as exc:  # an old or unreachable state database: nothing muted, say why
            log.warning("could not read the alert mutes: %s", messages.clean(str(exc), 200))
            return []

    def quiet(self, subject: str, at: datetime | None = None) -> str | None:
        """Why alerts about `subject` stay quiet now, or None (blocking: reads the mutes)."""
        return quiet_reason(self.active_mutes(), self.policy.silences, subject, at or self.clock.now(), self.settings.tz)

    # -- open incidents: catching up after a quiet time, reminders ------------------------------

    def check_open(self) -> int:
        """Tell the targets an open incident did not reach while it was quiet, and remind those due a
        reminder; returns how many alerts were sent (blocking)."""
        now = self.clock.now()
        sent = 0
        for incident in self.store.open_incidents():
            if self.quiet(incident.subject, now) is not None:
                continue
            sent += self._catch_up(incident, now)
            sent += self._remind(incident, now)
        return sent

    def _detail(self, incident: Incident) -> str | None:
        reading = self._readings.get(incident.subject.partition(":")[2]) if incident.subject.startswith("rule:") else None
        return reading.detail if reading is not None else incident.last_error

    def _catch_up(self, incident: Incident, now: datetime) -> int:
        new = [t for t in self.targets if t.wants(incident.kind) and t.name not in incident.notified]
        if not new or not self.store.add_notified(incident, [t.name for t in new]):
            return 0
        self._send(self._incident_alert(incident, now), new)
        return 1

    def _remind(self, incident: Incident, now: datetime) -> int:
        if not self.settings.alert_remind_every and not any(t.remind_every for t in self.targets):
            return 0  # no reminders configured: no need to read the deliveries
        last: dict[str, datetime] = {}
        for delivery in self.store.recent(REACH_ROWS, subject=incident.subject):
            if delivery.at >= incident.opened_at and delivery.target not in last:
                last[delivery.target] = delivery.at  # newest first
        due = []
        for target in self.targets:
            every = target.remind_every or self.settings.alert_remind_every
            if (
                every
                and target.name in incident.notified
                and now - last.get(target.name, incident.opened_at) >= timedelta(seconds=every)
            ):
                due.append(target)
        if not due:
            return 0
        self._send(self._incident_alert(incident, now, reminder=True), due)
        return 1

    def _incident_alert(self, incident: Incident, now: datetime, *, reminder: bool = False) -> Alert:
        """The alert an open incident sends late (a target told after a mute or silence) or again (a reminder)."""
        return messages.build(
            incident.kind,
            incident.subject,
            incident.name,
            now,
            host=self.host,
            error=self._detail(incident),
            since=incident.opened_at,
            failures=incident.failures,
            reminder=reminder,
        )
