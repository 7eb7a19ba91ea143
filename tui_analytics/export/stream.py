"""Streaming an export to a binary sink (file or stdout) in constant memory.

Rows go one at a time through the CSV/JSON writer, a UTF-8 text layer and
(optionally) gzip into the sink; nothing holds more than a buffer's worth.
Recent activity (a RecentActivityStream) is written to CSV a fetched batch at
a time, with no dict per row.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from datetime import datetime, timezone, tzinfo
from typing import IO, TYPE_CHECKING

from tui_analytics.data.querylimits import raise_if_cancelled
from tui_analytics.data.source.recent_stream import RecentActivityStream
from tui_analytics.export.csvfmt import CsvStreamWriter, flatten
from tui_analytics.export.jsonfmt import ExportMetadata, JsonStreamWriter, build_metadata
from tui_analytics.export.options import ExportOptions
from tui_analytics.export.xlsxfmt import XlsxBook, XlsxSheet, write_metadata

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

ProgressFn = Callable[[int, int], None]  # (rows written, bytes written)

PROGRESS_EVERY_ROWS = 10_000
# gzip(1)'s default level: the highest levels take much longer for a file only slightly smaller.
GZIP_LEVEL = 6
WRITE_BUFFER = 1 << 16


class _CountingSink(io.RawIOBase):
    """Passes bytes to the real sink and counts them (for progress and the final size)."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        n = memoryview(data).nbytes
        self._sink.write(data)
        self.count += n
        return n

    def flush(self) -> None:
        self._sink.flush()


def stream_rows(
    rows: Iterable[Mapping[str, object]],
    sink: IO[bytes],
    options: ExportOptions,
    *,
    generated_at: datetime,
    empty_columns: Iterable[str] = (),
    on_progress: ProgressFn | None = None,
    zone: tzinfo = timezone.utc,
) -> tuple[int, int, ExportMetadata | None]:
    """Write rows to `sink`; returns (rows, bytes written, metadata or None).

    The sink is flushed, not closed. JSON with metadata puts the block after the
    data (see JsonStreamWriter); CSV metadata is returned for the caller to store
    beside the file; XLSX holds it in a last sheet (its times in `zone`).
    """
    layers = _Layers(sink, options.compression, int(generated_at.timestamp()))
    if options.format == "xlsx":
        return _stream_xlsx(rows, layers, options, generated_at, list(empty_columns), on_progress, zone)
    writer: CsvStreamWriter | JsonStreamWriter
    if options.format == "csv":
        writer = CsvStreamWriter(layers.text, bom=options.excel_bom, empty_columns=empty_columns)
    else:
        writer = JsonStreamWriter(layers.text, with_metadata=options.include_metadata)
    report: Callable[[], None] | None = None
    if on_progress is not None:
        report = lambda: on_progress(writer.rows, layers.counter.count)
    if isinstance(writer, CsvStreamWriter) and isinstance(rows, RecentActivityStream):
        _write_batches(writer, rows, report)  # one writerows call per fetched batch, no dict per row
    else:
        _write_rows(writer, rows, report)
    metadata = None
    if options.include_metadata:
        metadata = build_metadata(
            generated_at=generated_at,
            date_range=options.date_range,
            total_records=writer.rows,
            export_format=options.format,
        )
    raise_if_cancelled()  # cancelled during the last batch: no file either
    if isinstance(writer, JsonStreamWriter):
        writer.finish(metadata)
    else:
        writer.finish()
    layers.close()
    if report is not None:
        report()
    return writer.rows, layers.counter.count, metadata


class _Layers:
    """What lies between a writer and the sink: text, UTF-8, a write buffer, gzip (optional), a byte counter."""

    def __init__(self, sink: IO[bytes], compression: bool, mtime: int) -> None:
        self.counter = _CountingSink(sink)
        raw: io.RawIOBase = self.counter
        self._zipper: gzip.GzipFile | None = None
        if compression:
            self._zipper = gzip.GzipFile(fileobj=self.counter, mode="wb", compresslevel=GZIP_LEVEL, mtime=mtime)
            raw = self._zipper  # type: ignore[assignment]  # a buffered file, written like a raw one
        # TextIOWrapper hands its encoder output on in 8 KiB pieces; a buffer in between
        # makes those 64 KiB writes, so the Python-level counting sink runs 8x less often.
        self._buffered = io.BufferedWriter(raw, buffer_size=WRITE_BUFFER)
        self.binary: IO[bytes] = self._buffered  # for writers of bytes (XLSX), past the text layer
        self.text = io.TextIOWrapper(self._buffered, encoding="utf-8", newline="", write_through=False)

    def close(self) -> None:
        """Flush every layer, leaving the sink open for the caller."""
        self.text.flush()
        self.text.detach()
        self._buffered.flush()
        self._buffered.detach()
        if self._zipper is not None:
            self._zipper.close()  # writes the gzip trailer; does not close the fileobj
        self.counter.flush()


def _stream_xlsx(
    rows: Iterable[Mapping[str, object]],
    layers: _Layers,
    options: ExportOptions,
    generated_at: datetime,
    empty_columns: list[str],
    on_progress: ProgressFn | None,
    zone: tzinfo,
) -> tuple[int, int, ExportMetadata | None]:
    """Rows into one sheet of a workbook written through the byte layers (gzip, counting)."""
    book = XlsxBook(layers.binary, zone)
    sheet: XlsxSheet | None = None
    if isinstance(rows, RecentActivityStream):
        sheet = book.sheet("recent-activity", rows.columns)
        with closing(rows.column_batches()) as batches:
            for columns in batches:
                for values in zip(*columns):
                    sheet.write(values)
                    if on_progress is not None and sheet.rows % PROGRESS_EVERY_ROWS == 0:
                        on_progress(sheet.rows, layers.counter.count)
    else:
        for row in rows:
            sheet = sheet or book.sheet("data", list(flatten(row)))
            sheet.write_mapping(row)
    sheet = sheet or book.sheet("data", empty_columns)
    count = sheet.finish()
    metadata = None
    if options.include_metadata:
        metadata = build_metadata(
            generated_at=generated_at, date_range=options.date_range, total_records=count, export_format="xlsx"
        )
        write_metadata(book, metadata)
    book.close()  # zips the sheets into the sink: the bytes are written now
    layers.close()
    if on_progress is not None:
        on_progress(count, layers.counter.count)
    return count, layers.counter.count, metadata


def _write_rows(
    writer: CsvStreamWriter | JsonStreamWriter, rows: Iterable[Mapping[str, object]], report: Callable[[], None] | None
) -> None:
    for row in rows:
        writer.write(row)
        if writer.rows % PROGRESS_EVERY_ROWS == 0:
            raise_if_cancelled()  # the app quit: stop here (the atomic file leaves nothing behind)
            if report is not None:
                report()


def _write_batches(writer: CsvStreamWriter, rows: RecentActivityStream, report: Callable[[], None] | None) -> None:
    names = rows.columns
    with closing(rows.column_batches()) as batches:
        for columns in batches:
            raise_if_cancelled()  # the app quit: stop here (the atomic file leaves nothing behind)
            rest: Sequence[Sequence[object]] = columns
            if report is not None:  # report at the same row counts as row by row
                rest = _write_up_to_marks(writer, names, columns, report)
            writer.write_columns(names, rest)


def _write_up_to_marks(
    writer: CsvStreamWriter, names: Sequence[str], columns: Sequence[Sequence[object]], report: Callable[[], None]
) -> Sequence[Sequence[object]]:
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
