"""`serve --log-format json`: one JSON object per line (time, level, logger, message; an event's
kind, subject and details as fields), secrets masked, nothing but ASCII."""

from __future__ import annotations

import io
import json
import logging
import signal
from dataclasses import replace

import pytest

from tests.support.event_samples import SAMPLES
from tests.support.serving import Serve
from tui_analytics.cli.serve_log import EventLogger, JsonLineFormatter
from tui_analytics.runtime.event_types import JobFailed, JobFinished
from tui_analytics.runtime.redact import register_secret


def logged(event) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("tests.serve-json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        EventLogger(logger)(event)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.isascii()
    return json.loads(text)


def test_an_event_is_one_object_with_its_fields() -> None:
    line = logged(SAMPLES[JobFinished])
    assert line["event"] == "job.finished" and line["subject"] == "top-items"
    assert line["trigger"] == "scheduled" and line["duration_ms"] == 9.4
    assert line["level"] == "INFO" and line["logger"] == "tests.serve-json"
    assert str(line["message"]).startswith("job.finished top-items trigger=scheduled")
    assert str(line["time"]).endswith("Z")


def test_a_failure_is_a_warning_its_secret_masked_and_its_control_characters_escaped() -> None:
    register_secret("hunter2-json")
    sample = SAMPLES[JobFailed]
    assert isinstance(sample, JobFailed)
    event = replace(sample, error='login failed for "app" with hunter2-json\n\x1b[31mred')
    line = logged(event)
    assert line["level"] == "WARNING" and line["event"] == "job.failed"
    assert "hunter2-json" not in json.dumps(line) and "***" in str(line["error"])
    assert "\x1b" in str(line["error"])  # kept as data, written as \u001b: never a control sequence on a terminal


@pytest.mark.slow
def test_serve_logs_json_lines_from_start_to_stop(data_dir) -> None:
    serve = Serve(data_dir, "--log-format", "json")
    try:
        serve.wait_for_line('"job.finished"')
        code, log = serve.stop(signal.SIGTERM)
    finally:
        serve.close()
    assert code == 0, log
    lines = [json.loads(text) for text in log.splitlines() if text.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line.get("event") == "job.finished" and line.get("subject") for line in lines)
    assert lines[-1]["message"] == "stopped"
