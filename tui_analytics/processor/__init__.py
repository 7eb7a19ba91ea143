"""The background processor: six jobs that pre-warm the analytics cache, their statuses and history.

Names load on first use (runtime.lazy): importing one submodule does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_analytics.runtime.lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them
    from tui_analytics.processor.jobs import JOBS, known_keys
    from tui_analytics.processor.models import JobMetrics, JobRun, JobSpec, JobStatus
    from tui_analytics.processor.processor import AnalyticsBackgroundProcessor

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
