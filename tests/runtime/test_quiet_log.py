"""The same log record repeated is shown once a minute, then with how many were held back."""

from __future__ import annotations

import logging

from tui_analytics.runtime.quiet_log import RepeatFilter


def record(msg: str, *args: object, level: int = logging.ERROR, name: str = "tui_analytics.x") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_repeated_record_shows_once_a_minute_with_the_count() -> None:
    now = [0.0]
    quiet = RepeatFilter(clock=lambda: now[0])
    first = record("job %s failed: %s", "top-items", "disk full")
    assert quiet.filter(first)
    shown = 1
    for _ in range(2064):  # the same problem, many times a second
        now[0] += 0.01
        shown += quiet.filter(record("job %s failed: %s", "top-items", "disk full"))
    assert shown == 1
    now[0] = 61.0
    later = record("job %s failed: %s", "top-items", "disk full")
    assert quiet.filter(later)
    assert later.getMessage() == "job top-items failed: disk full (and 2064 more like it in the last minute)"


def test_information_lines_are_events_and_always_shown() -> None:
    quiet = RepeatFilter(clock=lambda: 0.0)
    assert all(quiet.filter(record("session opened from %s", "127.0.0.1", level=logging.INFO)) for _ in range(3))


def test_different_problems_are_each_shown() -> None:
    quiet = RepeatFilter(clock=lambda: 0.0)
    assert quiet.filter(record("job %s failed", "a"))
    assert quiet.filter(record("job %s failed", "b"))  # another job's failure is another problem
    assert quiet.filter(record("report %s failed", "b"))
    assert quiet.filter(record("job %s failed", "a", level=logging.WARNING))
    assert quiet.filter(record("job %s failed", "a", name="tui_analytics.other"))


def test_a_value_with_a_newline_cannot_forge_a_second_log_line(capsys) -> None:
    from tui_analytics.cli.serve_log import log_to_stderr

    log_to_stderr(verbose=False, events=False)
    try:
        logging.getLogger("tui_analytics.reports.run").warning(
            "report %s failed: %s", "evil\n2026-12-07T00:00:00Z INFO tui_analytics.serve: stopped", "\x1b]2;pwned\x07"
        )
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("tui_analytics.serve").exception("crashed")
    finally:
        logging.getLogger().handlers.clear()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("report evil\\x0a2026-12-07T00:00:00Z INFO tui_analytics.serve: stopped failed: \\x1b]2;pwned\\x07")
    assert lines[1].endswith("crashed") and lines[2] == "Traceback (most recent call last):"  # a traceback keeps its lines
