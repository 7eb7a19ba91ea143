"""The process-wide processor the dashboard, the CLI and scripts share."""

from __future__ import annotations

import threading

from .processor import AnalyticsBackgroundProcessor

_instance: AnalyticsBackgroundProcessor | None = None
_lock = threading.Lock()


def get_analytics_background_processor() -> AnalyticsBackgroundProcessor:
    """The singleton, created on first use with the configuration as it is now.

    Inside a running event loop its jobs are scheduled there; obtained outside
    one, they are scheduled on the first loop it is used from (any of its
    methods, or this function, called from a coroutine).
    """
    global _instance
    with _lock:
        if _instance is None:
            _instance = AnalyticsBackgroundProcessor()
        processor = _instance
    processor._ensure_attached()
    return processor


def stop_analytics_background_processor() -> None:
    """Stop the singleton and forget it: the next get creates a new one (reading the configuration again)."""
    global _instance
    with _lock:
        processor, _instance = _instance, None
    if processor is not None:
        processor.stop()
