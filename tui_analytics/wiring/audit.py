"""The audit trail of one process: each change its faces ask for, recorded in the state database
(data/state/audit.py) with who asked (runtime/actor.py) and how it ended.

The faces call `around` (async: the row is written in a worker thread) or `record` (blocking)
once per change; a failure to write the row is logged, never raised: the change itself is done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from tui_analytics.runtime.actor import Actor, current_actor
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.errors import one_line

if TYPE_CHECKING:
    from tui_analytics.data.state.audit import AuditEntry

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")


def ok(_result: object) -> str:
    return "ok"


class AuditTrail:
    """Records this process's changes in the state database `open_state()` opens."""

    def __init__(self, open_state: Callable[[], Any], clock: Clock, actor: Callable[[], Actor] = current_actor) -> None:
        self._open_state = open_state
        self._clock = clock
        self._actor = actor

    def record(self, action: str, target: str, outcome: str) -> None:
        """Store one row (blocking); a failure is logged."""
        from tui_analytics.data.state import audit

        try:
            audit.record(self._open_state(), audit.entry(self._actor(), self._clock.now(), action, target, outcome))
        except Exception as exc:  # the change is made: a missing row is logged, the change not undone
            # The driver's reason without its statement and parameters (they repeat the row). A change
            # that failed on the same database has said why already: its missing row is a detail.
            reason = one_line(getattr(exc, "orig", None) or exc)
            level = logging.DEBUG if outcome.startswith("failed") else logging.WARNING
            log.log(level, "could not record %s %s in the audit log: %s", action, target, reason)

    def read(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        """The rows at or after `since`, newest first (blocking)."""
        from tui_analytics.data.state import audit

        return audit.read(self._open_state(), since=since, limit=limit)

    async def record_async(self, action: str, target: str, outcome: str) -> None:
        import asyncio  # not at the top: a CLI command's usage error loads no asyncio

        await asyncio.to_thread(self.record, action, target, outcome)

    async def around(self, action: str, target: str, call: Awaitable[ResultT], outcome: Callable[[ResultT], str] = ok) -> ResultT:
        """Await `call` and record how it ended: `outcome(result)`, or "failed: <why>" (then re-raised)."""
        import asyncio

        try:
            result = await call
        except asyncio.CancelledError:
            await asyncio.shield(self.record_async(action, target, "interrupted"))
            raise
        except Exception as exc:
            await self.record_async(action, target, f"failed: {one_line(exc)}")
            raise
        await self.record_async(action, target, outcome(result))
        return result


__all__ = ["AuditTrail", "ok"]
