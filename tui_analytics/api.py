"""The process-wide services of the Python API: `get_analytics_background_processor()` and friends.

Both singletons come from one composition root (`wiring.Services`), so a report's
performance section reads the same processor a script triggers jobs on. Each
service reads the configuration when it is created (config/defaults.py: the
configuration as it is now, the process-wide bus, the system clock): stop one,
change the environment, get it again, and the new values apply.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tui_analytics.config.defaults import defaults
from tui_analytics.wiring import Services

if TYPE_CHECKING:
    from tui_analytics.processor.processor import AnalyticsBackgroundProcessor
    from tui_analytics.reports.service import AnalyticsScheduledReportsService

_root: Services | None = None
_lock = threading.Lock()


def _services_for(name: str) -> Services:
    """The root to build `name` in: the current one while the service lives, else one over fresh settings
    (keeping the services that are still alive)."""
    global _root
    if _root is None or _root.built(name) is None:
        alive = {other: _root.built(other) for other in ("processor", "reports")} if _root else {}
        alive.pop(name, None)
        given = defaults()
        _root = Services(
            given.settings, bus=given.bus, clock=given.clock, **{key: value for key, value in alive.items() if value is not None}
        )
    return _root


def get_analytics_background_processor() -> AnalyticsBackgroundProcessor:
    """The singleton, created on first use with the configuration as it is now.

    Its state database is opened here (blocking, once). Inside a running event
    loop its jobs are scheduled there; obtained outside one, they are scheduled
    on the first loop a job is triggered from.
    """
    with _lock:
        processor = _services_for("processor").processor
    processor.open()
    processor.ensure_scheduled()
    return processor


def stop_analytics_background_processor() -> None:
    """Stop the singleton and forget it: the next get creates a new one (reading the configuration again)."""
    with _lock:
        processor = _root.forget("processor") if _root is not None else None
    if processor is not None:
        processor.stop()


def get_analytics_scheduled_reports_service() -> AnalyticsScheduledReportsService:
    """The process-wide reports service, created on first use with the configuration as it is now."""
    with _lock:
        service = _services_for("reports").reports
    service.open()
    service.ensure_scheduled()
    return service


def stop_analytics_scheduled_reports() -> None:
    """Stop the singleton and forget it: the next get creates a new one (reading the configuration again)."""
    with _lock:
        service = _root.forget("reports") if _root is not None else None
    if service is not None:
        service.stop()
