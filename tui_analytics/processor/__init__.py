"""The background processor: six jobs that pre-warm the analytics cache, their statuses and history."""

from .jobs import JOBS, known_keys
from .models import JobMetrics, JobRun, JobSpec, JobStatus
from .processor import AnalyticsBackgroundProcessor
from .singleton import get_analytics_background_processor, stop_analytics_background_processor

__all__ = [
    "AnalyticsBackgroundProcessor",
    "JOBS",
    "JobMetrics",
    "JobRun",
    "JobSpec",
    "JobStatus",
    "get_analytics_background_processor",
    "known_keys",
    "stop_analytics_background_processor",
]
