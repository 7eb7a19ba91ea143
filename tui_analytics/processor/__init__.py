"""The background processor: six jobs that pre-warm the analytics cache, their statuses and history."""

from .jobs import JOBS, known_keys
from .models import JobMetrics, JobRun, JobSpec, JobStatus
from .processor import AnalyticsBackgroundProcessor

__all__ = [
    "AnalyticsBackgroundProcessor",
    "JOBS",
    "JobMetrics",
    "JobRun",
    "JobSpec",
    "JobStatus",
    "known_keys",
]
