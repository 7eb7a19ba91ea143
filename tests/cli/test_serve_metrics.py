"""`tui-analytics serve --metrics-port`: Prometheus metrics, scraped over HTTP as Prometheus would."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.serving import Serve, cli, free_port
from tests.support.waiting import poll_until
from tui_analytics.cli.serve_metrics import ServeMetrics
from tui_analytics.runtime.event_types import JobFailed, JobFinished, JobSkipped, ReportFailed, ReportFinished, TemplatesChanged
from tui_analytics.runtime.version import __version__
from tui_analytics.wiring import Services

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample on /metrics, by (name, sorted labels)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        assert response.status == 200
        page = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.mark.slow
def test_metrics_exist_and_move_when_a_job_runs(data_dir) -> None:
    port = free_port()
    # performance-metrics every second: a job run to watch the series move, without waiting long
    serve = Serve(data_dir, "--metrics-port", str(port), env={"TUI_ANALYTICS_INTERVAL_PERFORMANCE_METRICS": "1"})
    try:
        serve.wait_for_line(f"metrics on http://127.0.0.1:{port}/metrics")
        serve.wait_until_warmed()
        before = scrape(port)
        for job in ("user-growth", "top-items", "performance-metrics", "cache-cleanup"):
            for outcome in ("completed", "failed", "skipped"):
                assert ("tui_analytics_job_runs_total", (("job_id", job), ("outcome", outcome))) in before
        assert value(before, "tui_analytics_job_runs_total", job_id="top-items", outcome="completed") >= 1
        assert value(before, "tui_analytics_job_duration_seconds_count", job_id="top-items") >= 1
        assert value(before, "tui_analytics_job_duration_seconds_sum", job_id="top-items") > 0
        assert value(before, "tui_analytics_job_last_success_timestamp_seconds", job_id="top-items") > 0
        assert value(before, "tui_analytics_cache_entries") >= 7  # every dataset the warm-up cached
        assert ("tui_analytics_cache_hits_total", ()) in before
        # serve itself reads no dataset: no ratio until a read, rather than a NaN forever
        assert (("tui_analytics_cache_hit_ratio", ()) in before) == (
            value(before, "tui_analytics_cache_hits_total") + value(before, "tui_analytics_cache_misses_total") > 0
        )
        assert value(before, "tui_analytics_build_info", version=__version__) == 1
        assert value(before, "process_open_fds") > 0 and value(before, "process_resident_memory_bytes") > 0
        assert value(before, "tui_analytics_report_runs_total", template_id="daily-activity-summary", outcome="completed") == 0
        assert value(before, "tui_analytics_scheduler_state", state="running") == 1
        assert value(before, "tui_analytics_scheduler_state", state="paused") == 0

        def moved() -> Samples | None:
            now = scrape(port)
            runs = "tui_analytics_job_runs_total", (("job_id", "performance-metrics"), ("outcome", "completed"))
            return now if now[runs] > before[runs] else None

        after = poll_until(moved, timeout=120, interval=0.2)
        measured = {"job_id": "performance-metrics"}
        assert value(after, "tui_analytics_job_duration_seconds_count", **measured) > value(
            before, "tui_analytics_job_duration_seconds_count", **measured
        )
        assert value(after, "tui_analytics_job_last_success_timestamp_seconds", **measured) > value(
            before, "tui_analytics_job_last_success_timestamp_seconds", **measured
        )
        for path in ("/", "/metric", "/favicon.ico"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
            assert refused.value.code == 404
        code, log = serve.stop()
    finally:
        serve.close()
    assert code == 0 and "Traceback" not in log


@pytest.mark.slow
def test_metrics_port_in_use_is_one_line_and_exit_1(data_dir) -> None:
    port = free_port()
    first = Serve(data_dir.parent / "other", "--metrics-port", str(port))
    try:
        first.wait_for_line(f"metrics on http://127.0.0.1:{port}/metrics")
        second = cli(data_dir, "serve", "--metrics-port", str(port))
        first.stop()
    finally:
        first.close()
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1].startswith(f"tui-analytics: error: cannot serve metrics on 127.0.0.1:{port}: ")


def test_metrics_port_out_of_range_is_refused_before_anything_starts(data_dir, monkeypatch, capsys) -> None:
    from tui_analytics.cli import main

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--metrics-port", "70000"])
    assert exited.value.code == 2  # a usage error
    assert "argument --metrics-port: a port is between 1 and 65535, got 70000" in capsys.readouterr().err
    assert not (data_dir / "state.sqlite3").exists()


def _sample(metrics: ServeMetrics, name: str, **labels: str) -> Any:
    return metrics.registry.get_sample_value(name, labels)


def test_each_event_counts_once_under_its_outcome(settings) -> None:
    metrics = ServeMetrics(Services(settings))
    metrics(JobFinished("top-items", "scheduled", duration_ms=250.0, error=None))
    metrics(JobFailed("top-items", "scheduled", duration_ms=1500.0, error="boom"))
    metrics(JobSkipped("top-items", "scheduled", reason="still running"))
    metrics(ReportFailed("weekly-user-growth", 7, "scheduled", error="disk full", name="Weekly user growth"))
    for outcome in ("completed", "failed", "skipped"):
        assert _sample(metrics, "tui_analytics_job_runs_total", job_id="top-items", outcome=outcome) == 1
    assert _sample(metrics, "tui_analytics_job_runs_total", job_id="user-growth", outcome="completed") == 0
    assert _sample(metrics, "tui_analytics_job_duration_seconds_count", job_id="top-items") == 2  # a skip has no duration
    assert _sample(metrics, "tui_analytics_job_duration_seconds_sum", job_id="top-items") == pytest.approx(1.75)
    assert _sample(metrics, "tui_analytics_job_duration_seconds_bucket", job_id="top-items", le="0.25") == 1
    assert _sample(metrics, "tui_analytics_report_runs_total", template_id="weekly-user-growth", outcome="failed") == 1
    assert _sample(metrics, "tui_analytics_job_last_success_timestamp_seconds", job_id="top-items") is not None
    assert _sample(metrics, "tui_analytics_job_last_success_timestamp_seconds", job_id="user-growth") is None


def test_runs_relayed_from_other_processes_are_not_this_serves(settings) -> None:
    """A CLI `jobs run` reaches serve's bus through the channel: its counters are not serve's, but
    the job did succeed, so the staleness gauge moves."""
    metrics = ServeMetrics(Services(settings))
    metrics(JobFailed("top-items", "manual", duration_ms=10.0, error="boom", remote="other-host:4242"))
    metrics(JobFinished("user-growth", "manual", duration_ms=10.0, error=None, remote="other-host:4242"))
    metrics(ReportFailed("weekly-user-growth", 3, "manual", error="x", name="W", remote="other-host:4242"))
    assert _sample(metrics, "tui_analytics_job_runs_total", job_id="top-items", outcome="failed") == 0
    assert _sample(metrics, "tui_analytics_job_runs_total", job_id="user-growth", outcome="completed") == 0
    assert _sample(metrics, "tui_analytics_job_duration_seconds_count", job_id="user-growth") == 0
    assert _sample(metrics, "tui_analytics_report_runs_total", template_id="weekly-user-growth", outcome="failed") is None
    assert _sample(metrics, "tui_analytics_job_last_success_timestamp_seconds", job_id="user-growth") is not None
    assert _sample(metrics, "tui_analytics_job_last_success_timestamp_seconds", job_id="top-items") is None


def test_a_template_has_zero_series_from_its_creation_until_its_deletion(settings) -> None:
    metrics = ServeMetrics(Services(settings))
    assert _sample(metrics, "tui_analytics_report_runs_total", template_id="fresh", outcome="completed") is None
    metrics(TemplatesChanged("fresh", "created", remote="cli-host:7"))  # made by `report create` elsewhere
    for outcome in ("completed", "failed"):
        assert _sample(metrics, "tui_analytics_report_runs_total", template_id="fresh", outcome=outcome) == 0
    metrics(ReportFinished("fresh", 1, "scheduled", name="Fresh", filename="f.csv", path="/r/f.csv", size=10, delivery=None))
    assert _sample(metrics, "tui_analytics_report_runs_total", template_id="fresh", outcome="completed") == 1
    metrics(TemplatesChanged("fresh", "deleted"))
    assert _sample(metrics, "tui_analytics_report_runs_total", template_id="fresh", outcome="completed") is None
    metrics(TemplatesChanged("never-seen", "deleted"))  # nothing to remove: no error


def test_build_info_and_process_series(settings) -> None:
    metrics = ServeMetrics(Services(settings))
    assert _sample(metrics, "tui_analytics_build_info", version=__version__) == 1
    assert _sample(metrics, "process_resident_memory_bytes") > 0
    assert _sample(metrics, "process_open_fds") > 0


async def test_cache_and_scheduler_state_are_read_at_each_scrape(settings) -> None:
    root = Services(settings, processor_options={"probe_loop_lag": False, "warm_on_start": False})
    metrics = ServeMetrics(root)
    assert _sample(metrics, "tui_analytics_cache_hit_ratio") is None  # no read yet: no ratio (not NaN)
    assert _sample(metrics, "tui_analytics_scheduler_state", state="stopped") == 1
    assert _sample(metrics, "tui_analytics_cache_entries") == 0
    root.processor.cache.set("top-items:10", [1, 2, 3])
    root.processor.get_cached("top-items:10")
    root.processor.get_cached("user-growth:12")
    assert _sample(metrics, "tui_analytics_cache_entries") == 1
    assert _sample(metrics, "tui_analytics_cache_hits_total") == 1 and _sample(metrics, "tui_analytics_cache_misses_total") == 1
    assert _sample(metrics, "tui_analytics_cache_hit_ratio") == 0.5
    await asyncio.to_thread(root.open)
    assert await asyncio.to_thread(root.claim_scheduler)
    root.start()
    try:
        assert _sample(metrics, "tui_analytics_scheduler_state", state="running") == 1
        root.processor.toggle_scheduler()
        assert _sample(metrics, "tui_analytics_scheduler_state", state="paused") == 1
        assert _sample(metrics, "tui_analytics_scheduler_state", state="running") == 0
    finally:
        root.stop(interrupt=True)
