"""`tui-analytics export DATASET`: write one dataset to a file or stdout.

Recent activity streams from a server-side cursor straight into the file, so a
million-row export runs in constant memory. The file is written atomically
(temp file + rename); Ctrl-C or SIGTERM leaves neither a partial file nor a temp.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tui_analytics.cli.commands import summary
from tui_analytics.cli.common import services, whole_number
from tui_analytics.export import DATASETS, FORMATS, ExportOptions, check_export_options
from tui_analytics.export.options import BY_DATASETS
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError, unknown

if TYPE_CHECKING:
    from types import FrameType

    from tui_analytics.export import FileExport

# Progress appears once an export has run this long, then at most this often.
PROGRESS_AFTER = 1.0
PROGRESS_EVERY_TTY = 0.5
PROGRESS_EVERY_LOG = 5.0

_LIMIT_HELP = (
    "how much: months for user-growth (default 12), days for activity-trends (default 7), "
    "rows for top-items (default 10) and recent-activity (default: every row in the range); "
    "with --from/--to, months and days default to the whole period; with --by, N counts those periods"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help=summary("export"),
        description="Export one dataset. Without -o the file goes to the export directory and its path "
        "is printed; -o PATH writes there (atomically); -o - writes to stdout.",
    )
    p.add_argument("dataset", metavar="DATASET", help=" | ".join(DATASETS))
    p.add_argument("--format", default="csv", metavar="FORMAT", help=f"{' | '.join(FORMATS)} (default csv)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="start of the period, ISO date or date-time (inclusive)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="end of the period (a date includes that whole day)")
    p.add_argument("--limit", type=whole_number, metavar="N", help=_LIMIT_HELP)
    p.add_argument(
        "--by",
        metavar="UNIT",
        help="day | week | month: count user-growth and activity-trends (and comprehensive's) per day, "
        "week (Monday first) or month of the reporting zone (default: month for user-growth, day for activity-trends)",
    )
    p.add_argument(
        "--metadata", action="store_true", help="add a metadata block (JSON: in the file; CSV: beside it as FILE.meta.json)"
    )
    p.add_argument("--gzip", action="store_true", help="gzip the output (.gz added to generated names)")
    p.add_argument("--excel", action="store_true", help="CSV for Excel: start with a UTF-8 byte order mark")
    p.add_argument("-o", "--output", metavar="PATH", help="file or directory to write, or - for stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=run)


class Progress:
    """Rows and bytes on stderr for long exports: a live line on a terminal, a line every few seconds otherwise."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._tty = sys.stderr.isatty()
        self._started = time.monotonic()
        self._last = self._started
        self.shown = False

    def __call__(self, rows: int, size: int) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        every = PROGRESS_EVERY_TTY if self._tty else PROGRESS_EVERY_LOG
        if now - self._started < PROGRESS_AFTER or now - self._last < every:
            return
        self._last = now
        self.shown = True
        text = f"exported {rows:,} rows ({size / 1e6:,.1f} MB, {now - self._started:,.0f} s)"
        if self._tty:
            print(f"\r{text}   ", end="", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def done(self, rows: int, size: int, where: str) -> None:
        if not self.shown:
            return
        elapsed = time.monotonic() - self._started
        end = "\r" if self._tty else ""
        print(f"{end}exported {rows:,} rows ({size / 1e6:,.1f} MB) in {elapsed:,.1f} s to {where}   ", file=sys.stderr, flush=True)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    # SIGTERM's default action kills without cleanup; as KeyboardInterrupt it unwinds
    # through the atomic writer, which removes its temp file.
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    dataset, options = _checked(args)
    service = services(args).export
    progress = Progress(enabled=not args.quiet)
    to_stdout = args.output == "-"
    destination = _destination(args.output, options)
    with _sigterm_interrupts():
        result = service.write_file(
            dataset,
            destination,
            options,
            size=args.limit,
            on_progress=progress,
        )
    where = "stdout" if result.path is None else str(result.path)
    progress.done(result.rows, result.size, where)
    _tell(args, dataset, options, result, to_stdout)
    return 0


def _checked(args: argparse.Namespace) -> tuple[str, ExportOptions]:
    """The dataset and the export options, every option checked before anything is opened."""
    dataset = args.dataset
    if dataset not in DATASETS:
        raise ExportOptionsError(unknown("dataset", dataset, DATASETS))
    options = check_export_options(
        ExportOptions(
            format=args.format,
            date_range=DateRange.parse(args.date_from, args.date_to),
            include_metadata=args.metadata,
            compression=args.gzip,
            excel_bom=args.excel,
            by=args.by,
        )
    )
    if args.by is not None and dataset not in BY_DATASETS:
        raise ExportOptionsError(f"--by applies to {', '.join(BY_DATASETS)}, not {dataset}")
    if args.limit is not None and dataset == "comprehensive":
        raise ExportOptionsError("--limit does not apply to the comprehensive report")
    if args.output is not None and not args.output.strip():
        raise ExportOptionsError("-o must not be empty (leave it out for the export directory, - for stdout)")
    if args.output and args.output.endswith("/") and not Path(args.output).expanduser().is_dir():
        # A shell's "> out/" fails the same way; Path() would drop the slash and write "out" instead.
        raise ExportOptionsError(f"-o {args.output!r}: Not a directory")
    return dataset, options


def _destination(output: str | None, options: ExportOptions) -> Path | BinaryIO | None:
    """stdout's bytes for `-`, a path for -o PATH, None for the export directory."""
    if output == "-":
        if (options.compression or options.format == "xlsx") and sys.stdout.isatty():
            what = "gzip" if options.compression else "XLSX"
            raise ExportOptionsError(f"refusing to write {what} data to a terminal; redirect it or use -o PATH")
        sys.stdout.flush()
        return sys.stdout.buffer
    return Path(output) if output else None


def _tell(args: argparse.Namespace, dataset: str, options: ExportOptions, result: FileExport, to_stdout: bool) -> None:
    """The note on a capped export, the metadata of CSV written in place, and the path of a new file."""
    from tui_analytics.export.service import capped_note

    note = capped_note(dataset, result.rows, args.limit)
    if note is not None and not args.quiet:
        print(f"tui-analytics: note: {note}", file=sys.stderr)
    if to_stdout or result.in_place:
        if result.metadata is not None and options.format == "csv":
            # stdout (or a device, a FIFO) holds the CSV itself; its metadata goes to stderr as one JSON line.
            print(json.dumps({"metadata": result.metadata}), file=sys.stderr)
    elif args.output is None or Path(args.output).expanduser().is_dir():
        print(result.path)
