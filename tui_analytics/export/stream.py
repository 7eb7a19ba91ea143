"""Streaming an export to a binary sink (file or stdout) in constant memory.

Rows go one at a time through the CSV/JSON writer, a UTF-8 text layer and
(optionally) gzip into the sink; nothing holds more than a buffer's worth.
A source that offers `column_batches()` (recent activity) is written to CSV a
fetched batch at a time, with no dict per row.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from datetime import datetime
from typing import IO, Any

from tui_analytics.export.csvfmt import CsvStreamWriter
from tui_analytics.export.jsonfmt import JsonStreamWriter, build_metadata
from tui_analytics.export.options import ExportOptions

ProgressFn = Callable[[int, int], None]  # (rows written, bytes written)

PROGRESS_EVERY_ROWS = 10_000
# gzip(1)'s default level: 9 took 2 s longer on a million-row export for a 1.6% smaller file.
GZIP_LEVEL = 6
WRITE_BUFFER = 1 << 16


class _CountingSink(io.RawIOBase):
    """Passes bytes to the real sink and counts them (for progress and the final size)."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = len(data)
        self._sink.write(data)
        self.count += n
        return n

    def flush(self) -> None:
        self._sink.flush()


def stream_rows(
    rows: Iterable[Mapping[str, Any]],
    sink: IO[bytes],
    options: ExportOptions,
    *,
    generated_at: datetime,
    empty_columns: Iterable[str] = (),
    on_progress: ProgressFn | None = None,
) -> tuple[int, int, dict[str, Any] | None]:
    """Write rows to `sink`; returns (rows, bytes written, metadata or None).

    The sink is flushed, not closed. JSON with metadata puts the block after the
    data (see JsonStreamWriter); CSV metadata is returned for the caller to store
    beside the file.
    """
    counter = _CountingSink(sink)
    raw: IO[bytes] = counter  # type: ignore[assignment]
    zipper: gzip.GzipFile | None = None
    if options.compression:
        zipper = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=int(generated_at.timestamp()))
        raw = zipper  # type: ignore[assignment]
    # TextIOWrapper hands its encoder output on in 8 KiB pieces; a buffer in between
    # makes those 64 KiB writes, so the Python-level counting sink runs 8x less often.
    buffered = io.BufferedWriter(raw, buffer_size=WRITE_BUFFER)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="", write_through=False)
    writer: CsvStreamWriter | JsonStreamWriter
    if options.format == "csv":
        writer = CsvStreamWriter(text, bom=options.excel_bom, empty_columns=empty_columns)
    else:
        writer = JsonStreamWriter(text, with_metadata=options.include_metadata)
    batches = getattr(rows, "column_batches", None)
    if isinstance(writer, CsvStreamWriter) and batches is not None:
        # Column batches (RecentActivityStream): one writerows call per fetched batch.
        names = rows.columns  # type: ignore[attr-defined]
        with closing(batches()) as source:
            for columns in source:
                if on_progress is not None:  # report at the same row counts as row by row
                    columns = _write_up_to_marks(writer, names, columns, lambda: on_progress(writer.rows, counter.count))
                writer.write_columns(names, columns)
    else:
        for row in rows:
            writer.write(row)
            if on_progress is not None and writer.rows % PROGRESS_EVERY_ROWS == 0:
                on_progress(writer.rows, counter.count)
    metadata = None
    if options.include_metadata:
        metadata = build_metadata(
            generated_at=generated_at,
            date_range=options.date_range,
            total_records=writer.rows,
            export_format=options.format,
        )
    if isinstance(writer, JsonStreamWriter):
        writer.finish(metadata)
    else:
        writer.finish()
    text.flush()
    text.detach()  # leave the sink open for the caller
    buffered.flush()
    buffered.detach()
    if zipper is not None:
        zipper.close()  # writes the gzip trailer; does not close the fileobj
    counter.flush()
    if on_progress is not None:
        on_progress(writer.rows, counter.count)
    return writer.rows, counter.count, metadata


def _write_up_to_marks(writer: CsvStreamWriter, names: Any, columns: Any, report: Callable[[], None]) -> Any:
    """Write the part of a column batch that reaches each multiple of PROGRESS_EVERY_ROWS, reporting
    there; returns the rest."""
    count = len(columns[0]) if columns else 0
    step = PROGRESS_EVERY_ROWS - writer.rows % PROGRESS_EVERY_ROWS
    while count >= step:
        writer.write_columns(names, [column[:step] for column in columns])
        report()
        columns = [column[step:] for column in columns]
        count -= step
        step = PROGRESS_EVERY_ROWS
    return columns
