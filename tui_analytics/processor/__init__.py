"""The background processor: six jobs that pre-warm the analytics cache, their statuses and history.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them
    from tui_analytics.processor.jobs import JOBS as JOBS
    from tui_analytics.processor.jobs import known_keys as known_keys
    from tui_analytics.processor.models import JobMetrics as JobMetrics
    from tui_analytics.processor.models import JobRun as JobRun
    from tui_analytics.processor.models import JobSpec as JobSpec
    from tui_analytics.processor.models import JobStatus as JobStatus
    from tui_analytics.processor.processor import AnalyticsBackgroundProcessor as AnalyticsBackgroundProcessor

_EXPORTS = {
    "JOBS": "jobs",
    "known_keys": "jobs",
    "JobMetrics": "models",
    "JobRun": "models",
    "JobSpec": "models",
    "JobStatus": "models",
    "AnalyticsBackgroundProcessor": "processor",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
