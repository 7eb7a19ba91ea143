"""A reader holding a snapshot of the state database pins its write-ahead log: while it holds, the
jobs' writes make the WAL grow (SQLite cannot reuse it). Once it lets go, the WAL goes back under a
bound (`journal_size_limit`, with checkpoints often enough), instead of staying at its largest size."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tui_analytics.data.engines import WAL_LIMIT

BOUND = WAL_LIMIT + 64 * 1024  # the limit, and the frames of the writes after the reset


def wal_size(state: Path) -> int:
    wal = Path(str(state) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_the_wal_shrinks_under_its_bound_once_a_long_reader_lets_go(make_processor, fake_repo, settings) -> None:
    processor = make_processor(fake_repo)
    await processor.trigger_job("performance-metrics")
    state = settings.data_dir / "state.sqlite3"
    with contextlib.closing(sqlite3.connect(state)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM job_runs").fetchall()  # a snapshot, held
        for _ in range(400):
            await processor.trigger_job("performance-metrics")
        held = wal_size(state)
        reader.rollback()  # the reader lets go
    for _ in range(20):
        await processor.trigger_job("performance-metrics")
    after = wal_size(state)
    print(f"WAL while a reader held its snapshot: {held:,} bytes; after it let go: {after:,} bytes (bound {BOUND:,})")
    assert held > BOUND  # the writes really piled up behind the reader
    assert after <= BOUND
