"""Alerts: a webhook or an e-mail when a job or a report fails, when a job is late, and when it recovers.

One alert per incident: the incident is a row in the state database, opened by the
first failure (in whichever process ran the work) and closed by the next success,
which sends one "recovered". Sending runs in worker threads, never on the event loop,
and never fails or delays the job or report it is about.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them (`X as X`: exported, not only imported)
    from tui_analytics.alerts.models import Alert as Alert
    from tui_analytics.alerts.models import AlertSummary as AlertSummary
    from tui_analytics.alerts.models import Delivery as Delivery
    from tui_analytics.alerts.service import AlertService as AlertService

_EXPORTS = {
    "Alert": "models",
    "AlertSummary": "models",
    "Delivery": "models",
    "AlertService": "service",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
