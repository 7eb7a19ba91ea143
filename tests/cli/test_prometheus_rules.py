"""The shipped Prometheus rules (deploy/prometheus/) fire on what `serve` really exposes.

promtool (Debian's `prometheus` package; `.ci/run` unpacks it) checks the file and runs
`promtool test rules` over series made from two real scrapes of a serve whose job starts failing:
one before, one after. promtool's clock starts at 0, so a timestamp series is given relative to
the second scrape (a last success X seconds before it is the value -X).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.test_serve_metrics import Samples, scrape
from tests.support.serving import REPO, Serve, free_port
from tests.support.waiting import poll_until

RULES = REPO / "deploy" / "prometheus" / "tui-analytics-rules.yml"
UNPACKED = Path("/opt/promtool/usr/bin/promtool")  # where .ci/run unpacks it when not on PATH
PROMTOOL = shutil.which("promtool") or (str(UNPACKED) if UNPACKED.exists() else None)

needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)")
SCRAPED = {"job": "tui-analytics", "instance": "server:9477"}  # what Prometheus adds to each series


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@needs_promtool
def test_the_rules_file_is_valid() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 4 rules found" in checked.stdout


def _series(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    inner = ",".join(f'{key}="{value}"' for key, value in (*labels, *sorted(SCRAPED.items())))
    return f"{name}{{{inner}}}"


def _input_series(before: Samples, after: Samples, after_at: float) -> list[dict[str, str]]:
    """Ten minutes at the first scrape's values, then an hour at the second's, one sample a minute."""
    wanted = ("tui_analytics_job_runs_total", "tui_analytics_job_last_success_timestamp_seconds", "tui_analytics_scheduler_state")
    series = []
    for (name, labels), value in after.items():
        if name not in wanted:
            continue
        first = before.get((name, labels), value)
        if name.endswith("_timestamp_seconds"):  # relative to the second scrape (promtool's clock starts at 0)
            first, value = first - after_at, value - after_at
        series.append({"series": _series(name, labels), "values": f"{first!r}x10 {value!r}x60"})
    return series


def _failing(before: Samples, after: Samples) -> list[str]:
    """Jobs whose failed count rose between the scrapes."""

    def count(samples: Samples, job: str, outcome: str) -> float:
        return samples.get(("tui_analytics_job_runs_total", (("job_id", job), ("outcome", outcome))), 0.0)

    jobs = {dict(labels)["job_id"] for name, labels in after if name == "tui_analytics_job_runs_total"}
    return sorted(job for job in jobs if count(after, job, "failed") > count(before, job, "failed"))


def _alert(job_id: str, summary: str, **extra: str) -> dict[str, object]:
    return {"exp_labels": {"severity": "warning", "job_id": job_id, **SCRAPED, **extra}, "exp_annotations": {"summary": summary}}


@needs_promtool
@pytest.mark.slow
def test_the_rules_fire_on_a_scrape_of_a_failing_job(data_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    serve = Serve(data_dir, "--metrics-port", str(port), env={"TUI_ANALYTICS_INTERVAL_TOP_ITEMS": "1"})
    try:
        serve.wait_for_line(f"metrics on http://127.0.0.1:{port}/metrics")
        serve.wait_until_warmed()
        before = scrape(port)
        with sqlite3.connect(data_dir / "demo.sqlite3") as source:  # the source loses a table under serve
            source.execute("ALTER TABLE activities RENAME TO activities_gone")

        def failed_twice() -> Samples | None:
            now = scrape(port)
            key = "tui_analytics_job_runs_total", (("job_id", "top-items"), ("outcome", "failed"))
            return now if now[key] >= 2 else None

        after = poll_until(failed_twice, timeout=120, interval=0.2)
        after_at = time.time()
        serve.stop()
    finally:
        serve.close()
    failing = _failing(before, after)
    assert "top-items" in failing
    stale_jobs = sorted(
        dict(labels)["job_id"] for name, labels in after if name == "tui_analytics_job_last_success_timestamp_seconds"
    )
    tests = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": _input_series(before, after, after_at),
                "alert_rule_test": [
                    # Failing: the second scrape's counts arrive at minute 11. A completed run between
                    # the scrapes holds the alert back for 10 minutes, then it is pending for 5.
                    {"eval_time": "9m", "alertname": "TuiAnalyticsJobFailing", "exp_alerts": []},
                    {
                        "eval_time": "27m",
                        "alertname": "TuiAnalyticsJobFailing",
                        "exp_alerts": [
                            _alert(job, f"tui-analytics job {job} is failing on {SCRAPED['instance']}", outcome="failed")
                            for job in failing
                        ],
                    },
                    # Stale: 45 minutes after the last success (plus 5 pending), every job with no new success.
                    {"eval_time": "20m", "alertname": "TuiAnalyticsJobStale", "exp_alerts": []},
                    {
                        "eval_time": "69m",
                        "alertname": "TuiAnalyticsJobStale",
                        "exp_alerts": [
                            _alert(job, f"tui-analytics job {job} has not completed for over 45 minutes") for job in stale_jobs
                        ],
                    },
                    {"eval_time": "69m", "alertname": "TuiAnalyticsNobodyScheduling", "exp_alerts": []},
                ],
            }
        ],
    }
    spec = tmp_path / "rules_test.yml"
    spec.write_text(json.dumps(tests, indent=1))  # JSON is YAML
    result = promtool("test", "rules", str(spec), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr + os.linesep + spec.read_text()[:4000]
