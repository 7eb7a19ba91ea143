"""1,000 idle connections to serve's metrics endpoint: its descriptors stay bounded, scrapes and
the jobs go on, and the connections over the cap are closed at once."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
from pathlib import Path

import pytest

from tests.cli.test_serve_metrics import scrape, value
from tests.support.serving import Serve, free_port
from tests.support.waiting import poll_until

FLOOD = 1000


def completed_runs(port: int) -> float | None:
    try:
        return value(scrape(port), "tui_analytics_job_runs_total", job_id="performance-metrics", outcome="completed")
    except OSError:  # the slots are still held by idle connections
        return None


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to count a process's descriptors")
def test_a_thousand_idle_connections_leave_serve_working(data_dir) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < FLOOD + 200:
        pytest.skip(f"the hard limit on open files here ({hard}) is below the flood")
    resource.setrlimit(
        resource.RLIMIT_NOFILE,
        (max(soft, FLOOD + 200) if hard == resource.RLIM_INFINITY else min(hard, max(soft, FLOOD + 200)), hard),
    )
    port = free_port()
    serve = Serve(data_dir, "--metrics-port", str(port), env={"TUI_ANALYTICS_INTERVAL_PERFORMANCE_METRICS": "1"})
    idle: list[socket.socket] = []
    try:
        serve.wait_for_line(f"metrics on http://127.0.0.1:{port}/metrics")
        serve.wait_until_warmed()
        before = open_descriptors(serve.proc.pid)
        for _ in range(FLOOD):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=30))
        # Each connection is accepted; past the cap it is closed at once: serve's count stays bounded.
        poll_until(lambda: open_descriptors(serve.proc.pid) <= before + 64, timeout=60)
        # The idle ones holding the slots are closed after IDLE_SECONDS: a scrape gets through again,
        # and the jobs went on meanwhile (the every-second job kept completing).
        runs = poll_until(lambda: completed_runs(port), timeout=120)
        poll_until(lambda: (completed_runs(port) or 0) > runs, timeout=60)
        assert open_descriptors(serve.proc.pid) <= before + 64
        code, log = serve.stop()
    finally:
        for connection in idle:
            with contextlib.suppress(OSError):
                connection.close()
        serve.close()
    assert code == 0, log
    assert "Too many open files" not in log and "Traceback" not in log
