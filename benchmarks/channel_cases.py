"""The channel between processes: how long a change takes to reach a following dashboard, and what
following costs while nothing happens.

A writer (standing for `serve`) appends 20 events, one at a time at random moments; a Watcher
(standing for an attached dashboard, data/state/channel_watch.py) runs in its own thread as in the
dashboard. The delay is from the writer's commit to the watcher's callback: on SQLite it is
bounded by the one-second poll, on PostgreSQL LISTEN/NOTIFY wakes the watcher at once. The idle
cost is the CPU time the watcher's thread uses over a quiet stretch.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

from benchmarks.common import Context, Row, median
from tui_analytics.data.state import channel_tables as channel
from tui_analytics.data.state.channel_watch import Watcher
from tui_analytics.data.state.database import open_state
from tui_analytics.runtime.event_types import JobFinished

EVENTS = 20
IDLE_SECONDS = 10.0
TARGET_MS = 2000.0  # the "within 2 s of a change"


def _delays(engine: Any) -> list[float]:
    arrived: dict[str, float] = {}
    seen = threading.Event()

    def on_events(events: list[channel.ChannelEvent]) -> None:
        for event in events:
            arrived[event.subject] = time.perf_counter()
        seen.set()

    watcher = Watcher(engine, on_events)
    watcher.start()
    time.sleep(1.5)  # the watcher's first look sets its starting point
    rng = random.Random(7)
    delays = []
    try:
        for n in range(EVENTS):
            time.sleep(rng.uniform(0.1, 1.2))
            seen.clear()
            subject = f"bench-{os.getpid()}-{n}"
            from datetime import datetime, timezone

            finished = JobFinished(subject, "scheduled", duration_ms=None, error=None)
            channel.post_events(engine, [finished], datetime.now(timezone.utc), "bench:1")
            written = time.perf_counter()
            deadline = written + 10
            while subject not in arrived and time.perf_counter() < deadline:
                seen.wait(0.5)
                seen.clear()
            if subject in arrived:
                delays.append((arrived[subject] - written) * 1000.0)
    finally:
        watcher.stop()
    return delays


def _idle_cpu_ms(engine: Any) -> tuple[float, int]:
    watcher = Watcher(engine, lambda events: None)
    before = time.process_time()
    watcher.start()
    time.sleep(IDLE_SECONDS)
    watcher.stop()
    return (time.process_time() - before) * 1000.0, watcher.polls


def _rows(name: str, engine: Any) -> list[Row]:
    delays = _delays(engine)
    cpu_ms, polls = _idle_cpu_ms(engine)
    worst = max(delays) if delays else float("nan")
    return [
        Row(
            f"channel {name}: change -> dashboard, median of {len(delays)}",
            median(delays),
            "ms",
            target=f"<= {TARGET_MS:.0f} ms",
            ok=median(delays) <= TARGET_MS,
        ),
        Row(f"channel {name}: change -> dashboard, max", worst, "ms", target=f"<= {TARGET_MS:.0f} ms", ok=worst <= TARGET_MS),
        Row(f"channel {name}: idle follower CPU per second ({polls} looks in {IDLE_SECONDS:.0f} s)", cpu_ms / IDLE_SECONDS, "ms"),
    ]


def run(ctx: Context) -> list[Row]:
    from tui_analytics.config.settings import Settings

    rows = _rows("SQLite", open_state(Settings.for_dir(ctx.workdir / "channel", timezone_name="UTC")))
    url = os.environ.get("TUI_ANALYTICS_TEST_POSTGRES_URL")
    if url:
        from tui_analytics.data.engines import get_engine
        from tui_analytics.data.schema import state_metadata

        engine = get_engine(url)
        tables = [state_metadata.tables["channel_events"], state_metadata.tables["channel_commands"]]
        state_metadata.create_all(engine, tables=tables)
        rows += _rows("PostgreSQL", engine)
    return rows
