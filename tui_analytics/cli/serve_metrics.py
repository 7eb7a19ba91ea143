"""serve's Prometheus metrics: job and report runs, durations, the cache, the scheduler's state.

A private `CollectorRegistry` (not prometheus_client's global one, which would also
export this process's Python internals and keep state between tests), fed two ways:
the services' events on the bus (counters and the duration histogram: a run counts
once, when it ends) and, at each scrape, a read of the processor (cache and scheduler
state, which change without an event of their own: hits, expiries). prometheus_client
is imported here only, when `--metrics-port` asks for it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
    make_wsgi_app,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tui_analytics.cli import metrics_server
from tui_analytics.runtime.errors import TuiAnalyticsError
from tui_analytics.runtime.event_types import (
    Event,
    JobFailed,
    JobFinished,
    JobSkipped,
    ReportFailed,
    ReportFinished,
    TemplatesChanged,
)
from tui_analytics.runtime.version import __version__

if TYPE_CHECKING:
    from tui_analytics.wiring import Services

log = logging.getLogger(__name__)

PREFIX = "tui_analytics"
JOB_OUTCOMES = ("completed", "failed", "skipped")
REPORT_OUTCOMES = ("completed", "failed")
# The scheduler states a scrape can see (processor.scheduler_state()); one of them is 1.
SCHEDULER_STATES = ("running", "paused", "stopped", "read-only", "disabled")
# Job durations run from a few milliseconds (cache cleanup) to minutes (a large source).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class ServeMetrics:
    """The registry and what feeds it. Built without I/O; `prime()` reads the state database once
    (blocking), and the instance itself is the bus listener (thread-safe: prometheus_client is)."""

    def __init__(self, root: Services) -> None:
        self.root = root
        # No `_created` series beside each counter: they double the page and no dashboard reads them.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves this one unannotated
        self.registry = CollectorRegistry()
        self.job_runs = Counter(
            f"{PREFIX}_job_runs",
            "Job runs this serve made that ended, by job and outcome (since it started)",
            ["job_id", "outcome"],
            registry=self.registry,
        )
        self.job_duration = Histogram(
            f"{PREFIX}_job_duration_seconds",
            "Duration of this serve's completed and failed job runs",
            ["job_id"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.last_success = Gauge(
            f"{PREFIX}_job_last_success_timestamp_seconds",
            "When each job last completed, in any process on the state database (Unix time)",
            ["job_id"],
            registry=self.registry,
        )
        self.report_runs = Counter(
            f"{PREFIX}_report_runs",
            "Report generations this serve made that ended, by template and outcome (since it started)",
            ["template_id", "outcome"],
            registry=self.registry,
        )
        Info(f"{PREFIX}_build", "The running tui-analytics", registry=self.registry).info({"version": __version__})
        # process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, ...: what a
        # scrape of any service has, read from /proc (nothing where there is no /proc).
        ProcessCollector(registry=self.registry)
        self.registry.register(_ProcessorCollector(root))
        for job_id in root.processor.specs:  # every series exists from the first scrape, at 0
            for outcome in JOB_OUTCOMES:
                self.job_runs.labels(job_id, outcome)
            self.job_duration.labels(job_id)

    def prime(self) -> None:
        """Last successes from the run history, report series for the known templates (blocking)."""
        for status in self.root.processor.get_job_statuses():
            if status.status == "completed" and status.last_run is not None:
                self.last_success.labels(status.id).set(status.last_run.timestamp())
        for template in self.root.reports.get_report_templates():
            self._report_series(template.id)

    def _report_series(self, template_id: str) -> None:
        for outcome in REPORT_OUTCOMES:
            self.report_runs.labels(template_id, outcome)

    def __call__(self, event: Event) -> None:
        if isinstance(event, TemplatesChanged):
            self._template_changed(event)
            return
        if event.remote is not None:
            # Another process's run (a CLI `jobs run`, an attached dashboard) reaches this bus through
            # the channel; its counters are that process's. Only the last success is the job's,
            # whoever made it: it is what the run history says, and what an alert on staleness wants.
            if isinstance(event, JobFinished):
                self.last_success.labels(event.job_id).set(event.at.timestamp())
            return
        match event:
            case JobFinished():
                self._job_ended(event, "completed")
                self.last_success.labels(event.job_id).set(event.at.timestamp())
            case JobFailed():
                self._job_ended(event, "failed")
            case JobSkipped():
                self.job_runs.labels(event.job_id, "skipped").inc()
            case ReportFinished():
                self.report_runs.labels(event.template_id, "completed").inc()
            case ReportFailed():
                self.report_runs.labels(event.template_id, "failed").inc()

    def _template_changed(self, event: TemplatesChanged) -> None:
        if event.action == "deleted":
            for outcome in REPORT_OUTCOMES:
                with contextlib.suppress(KeyError):  # never had a series
                    self.report_runs.remove(event.template_id, outcome)
        else:  # created (here or elsewhere) or updated: its series exist from now, at 0
            self._report_series(event.template_id)

    def _job_ended(self, event: JobFinished | JobFailed, outcome: str) -> None:
        self.job_runs.labels(event.job_id, outcome).inc()
        if event.duration_ms is not None:
            self.job_duration.labels(event.job_id).observe(event.duration_ms / 1000.0)


class _ProcessorCollector(Collector):
    """Read at each scrape (in the HTTP server's thread): pure in-memory reads of the processor."""

    def __init__(self, root: Services) -> None:
        self.root = root

    def collect(self) -> Iterator[Metric]:
        processor = self.root.processor
        stats = processor.cache.stats()
        yield GaugeMetricFamily(f"{PREFIX}_cache_entries", "Datasets in the analytics cache", value=stats.size)
        yield GaugeMetricFamily(f"{PREFIX}_cache_max_entries", "The analytics cache's capacity", value=stats.maxsize)
        yield GaugeMetricFamily(f"{PREFIX}_cache_stale_entries", "Cached datasets whose last refresh failed", value=stats.stale)
        yield CounterMetricFamily(f"{PREFIX}_cache_hits", "Cache reads that found a dataset", value=stats.hits)
        yield CounterMetricFamily(f"{PREFIX}_cache_misses", "Cache reads that found nothing", value=stats.misses)
        rate = stats.hit_rate
        if rate is not None:  # absent until the first read: a NaN would poison every rule over it
            yield GaugeMetricFamily(f"{PREFIX}_cache_hit_ratio", "Hits over reads, 0..1", value=rate)
        state = processor.scheduler_state()
        family = GaugeMetricFamily(f"{PREFIX}_scheduler_state", "The scheduler's state: 1 for the current one", labels=["state"])
        for name in SCHEDULER_STATES:
            family.add_metric([name], 1.0 if name == state else 0.0)
        yield family


class MetricsEndpoint:
    """`http://host:port/metrics` in a daemon thread, until `close()`."""

    def __init__(self, root: Services, host: str, port: int) -> None:
        self.metrics = ServeMetrics(root)
        try:
            app = metrics_server.only_path("/metrics", make_wsgi_app(self.metrics.registry))
            self._server, self._thread = metrics_server.start(app, host, port)
        except OSError as exc:
            raise TuiAnalyticsError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from exc
        self.host, self.port = host, int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
