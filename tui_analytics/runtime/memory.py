"""This process's memory, for the performance figures (psutil: a cheap syscall)."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def process_memory() -> dict[str, float | None]:
    """Resident and virtual memory of this process in MiB (psutil; a cheap syscall)."""
    try:
        import psutil

        info = psutil.Process(os.getpid()).memory_info()
        return {"rssMb": round(info.rss / 2**20, 1), "vmsMb": round(info.vms / 2**20, 1)}
    except Exception as exc:  # psutil missing or the platform refuses: report, don't fail the job
        log.debug("process memory unavailable: %s", exc)
        return {"rssMb": None, "vmsMb": None}
