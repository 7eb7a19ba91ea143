"""AnalyticsExportService: the export service of docs/api.md, as coroutines over the repository.

Each export validates its options, then fetches and renders in a worker thread
(`asyncio.to_thread`), so the event loop never waits on SQL or serialisation.
Cancelling an export (the app quits) stops its query; the atomic writer then
leaves no file and no temp behind, and the log says what was interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple, ParamSpec, TypeVar

from tui_analytics.config.defaults import defaults
from tui_analytics.config.settings import Settings
from tui_analytics.data.querylimits import to_thread_interruptible
from tui_analytics.export.files import (
    AtomicFile,
    is_special_file,
    remove_stale_temps,
    save_export,
    sidecar_path,
    write_atomic,
    write_in_place,
)
from tui_analytics.export.jsonfmt import ExportMetadata, dumps
from tui_analytics.export.options import (
    BY_DATASETS,
    DATASET_COLUMNS,
    DATASETS,
    ExportOptions,
    ExportResult,
    build_filename,
    check_count,
    check_export_options,
    validate_export_options,
)
from tui_analytics.export.render import Row, Sections, render_export
from tui_analytics.export.stream import ProgressFn, stream_rows
from tui_analytics.export.trends import BY_MAXIMUMS, OWN_UNITS, other_unit, period_rows, with_by
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError, unknown
from tui_analytics.runtime.once import Once

if TYPE_CHECKING:
    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Sizes used when a caller gives none: months, days, rows, rows (as docs/api.md gives them).
DEFAULT_SIZES = {"user-growth": 12, "activity-trends": 7, "top-items": 10, "recent-activity": 20}
# What the comprehensive report holds when not told otherwise.
COMPREHENSIVE_SIZES = {"user-growth": 12, "activity-trends": 30, "top-items": 10, "recent-activity": 100}


@dataclass(frozen=True)
class FileExport:
    """Where a file export went: `path` (None for a stream such as stdout), rows, bytes, metadata."""

    path: Path | None
    rows: int
    size: int
    metadata: ExportMetadata | None
    metadata_path: Path | None
    in_place: bool = False  # written into a device or FIFO: no metadata file beside it


class _Target(NamedTuple):
    """A file export's path; `chosen`: named by the caller (not in the export directory);
    `unique`: a generated name, never replacing a file."""

    path: Path
    chosen: bool
    unique: bool


class AnalyticsExportService:
    """Exports analytics datasets as CSV, JSON or XLSX (optionally gzip), in memory or to files.

    With no repository it opens the configured source (`sources.open_source`) on
    first use, in a worker thread. The composition root passes the repository, settings and
    clock; the documented no-argument form reads the configuration when the service is created
    (config/defaults.py), and a repository given alone reads it on first use.
    """

    def __init__(
        self,
        repository: SourceRepository | None = None,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
    ) -> None:
        if settings is None and repository is None:
            settings = defaults().settings
        self._settings = settings
        self._repository = repository
        # A repository's own clock where it has one (the real one does), so its windows and the files' times agree.
        self._clock: Clock = clock or getattr(repository, "clock", None) or SYSTEM_CLOCK
        self._lock = threading.Lock()
        self._opening = Once(lambda: remove_stale_temps(self.settings.resolved_export_dir))

    def open(self) -> AnalyticsExportService:
        """Remove temp files a killed save left in the export directory (blocking, once).

        The composition root calls it at start; otherwise the first file export does.
        """
        self._opening()
        return self

    # -- configuration -------------------------------------------------------

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = defaults().settings
        return self._settings

    @property
    def export_dir(self) -> Path:
        """Where `save` and file exports without a path put their files."""
        return self.settings.resolved_export_dir

    @property
    def repository(self) -> SourceRepository:
        """The repository, opened on first use (blocking: may create the demo database)."""
        with self._lock:
            if self._repository is None:
                from tui_analytics.data.source.opening import open_source

                self._repository = open_source(self.settings, clock=self._clock)
            return self._repository

    def validate_export_options(self, options: object) -> bool:
        """True when the format is known (csv, json, xlsx) and the date range starts before it ends."""
        return validate_export_options(options)

    # -- the exports of docs/api.md ---------------------------------------------

    async def export_user_growth_trends(
        self, months: int = 12, options: ExportOptions | None = None, *, by: str | None = None
    ) -> ExportResult:
        """New and total users per month, for the last `months` months (or the date range);
        `by="day"` or `"week"` counts per day or week instead (`months` is then that many periods)."""
        return await self.export_dataset("user-growth", with_by(options, by), months)

    async def export_activity_trends(
        self, days: int = 7, options: ExportOptions | None = None, *, by: str | None = None
    ) -> ExportResult:
        """Activities and active users per day, for the last `days` days (or the date range);
        `by="week"` or `"month"` counts per week or month instead (distinct users of the whole period)."""
        return await self.export_dataset("activity-trends", with_by(options, by), days)

    async def export_top_items(self, limit: int = 10, options: ExportOptions | None = None) -> ExportResult:
        """The `limit` most-interacted items."""
        return await self.export_dataset("top-items", options, limit)

    async def export_recent_activity(self, limit: int = 20, options: ExportOptions | None = None) -> ExportResult:
        """The newest `limit` activities, newest first. For millions of rows use `export_to_file`."""
        return await self.export_dataset("recent-activity", options, limit)

    async def export_comprehensive_report(self, options: ExportOptions | None = None) -> ExportResult:
        """Summary plus every dataset in one file (CSV: one table with a `section` column)."""
        return await self.export_dataset("comprehensive", options)

    async def export_dataset(self, dataset: str, options: ExportOptions | None = None, size: int | None = None) -> ExportResult:
        """Any dataset by id (`user-growth` ... `comprehensive`); `size` is months/days/rows."""
        options = self._checked(dataset, options, size)
        return await self._interruptible(dataset, self.render, dataset, options, size)

    async def save(self, result: ExportResult, name: str | None = None, directory: Path | str | None = None) -> Path:
        """Save a result in the export directory (or `directory`), atomically; see `save_export`."""
        return await asyncio.to_thread(save_export, result, directory or self.export_dir, name)

    async def export_to_file(
        self,
        dataset: str,
        destination: Path | str | None = None,
        options: ExportOptions | None = None,
        *,
        size: int | None = None,
        on_progress: ProgressFn | None = None,
    ) -> FileExport:
        """Write an export straight to a file, streaming recent activity in constant memory."""
        options = self._checked(dataset, options, size)
        return await self._interruptible(
            dataset, self.write_file, dataset, destination, options, size=size, on_progress=on_progress
        )

    async def _interruptible(self, dataset: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await to_thread_interruptible(fn, *args, **kwargs)
        except asyncio.CancelledError:
            log.warning("export of %s interrupted: nothing was written", dataset)
            raise

    # -- blocking work (runs in worker threads; the CLI calls it directly) ------

    def _checked(self, dataset: str, options: ExportOptions | None, size: int | None) -> ExportOptions:
        if dataset not in DATASETS:
            raise ExportOptionsError(unknown("dataset", dataset, DATASETS))
        options = check_export_options(options if options is not None else ExportOptions())
        if options.by is not None and dataset not in BY_DATASETS:
            raise ExportOptionsError(f"by applies to {', '.join(BY_DATASETS)}, not {dataset}")
        if size is not None:
            by = other_unit(dataset, options.by)
            maximum = BY_MAXIMUMS[by] if by else _SIZE_MAXIMUMS.get(dataset, 1_000_000_000)
            check_count(size, f"{by}s" if by else _SIZE_NAMES.get(dataset, "size"), maximum=maximum)
        return options

    def fetch(self, dataset: str, options: ExportOptions, size: int | None = None) -> Sequence[Row] | Sections:
        """The dataset's rows (a dict of sections for `comprehensive`), from the repository."""
        repo = self.repository
        rng = options.date_range
        if dataset == "comprehensive":
            sizes = {name: default_size(name, rng, COMPREHENSIVE_SIZES[name]) for name in COMPREHENSIVE_SIZES}
            growth, trends = (self._by(options, name, None, COMPREHENSIVE_SIZES[name]) for name in OWN_UNITS)
            return {
                "summary": repo.summary(date_range=rng),
                "userGrowth": repo.user_growth(sizes["user-growth"], date_range=rng) if growth is None else growth,
                "activityTrends": repo.activity_trends(sizes["activity-trends"], date_range=rng) if trends is None else trends,
                "topItems": repo.top_items(sizes["top-items"], date_range=rng),
                "recentActivity": repo.recent_activity(sizes["recent-activity"], date_range=rng),
            }
        by_period = self._by(options, dataset, size, DEFAULT_SIZES.get(dataset, 0))
        if by_period is not None:
            return by_period
        size = size if size is not None else default_size(dataset, rng)
        methods: dict[str, Callable[[int, DateRange | None], Sequence[Row]]] = {
            "user-growth": repo.user_growth,
            "activity-trends": repo.activity_trends,
            "top-items": repo.top_items,
            "recent-activity": repo.recent_activity,
        }
        return methods[dataset](size, rng)

    def _by(self, options: ExportOptions, dataset: str, size: int | None, default: int) -> Sequence[Row] | None:
        """A trend's rows by another unit than its own (`options.by`), else None."""
        by = other_unit(dataset, options.by)
        if by is None:
            return None
        return period_rows(self.repository, dataset, by, size, options.date_range, default)

    def render(self, dataset: str, options: ExportOptions, size: int | None = None) -> ExportResult:
        """Fetch and render one export in memory (blocking)."""
        options = self._checked(dataset, options, size)
        return render_export(dataset, self.fetch(dataset, options, size), options, self._clock.now(), self._zone())

    def _zone(self) -> tzinfo:
        """The reporting zone, for XLSX's date-times: the repository's (the real one has it), else the settings'."""
        zone = getattr(self._repository, "zone", None)
        return zone if isinstance(zone, tzinfo) else self.settings.tz

    def write_file(
        self,
        dataset: str,
        destination: Path | str | IO[bytes] | None,
        options: ExportOptions,
        *,
        size: int | None = None,
        on_progress: ProgressFn | None = None,
        overwrite: bool = True,
    ) -> FileExport:
        """Write an export to a path (atomically), to an open binary stream, or (None) into the
        export directory under its generated name (never replacing a file). Recent activity
        is streamed from the database row by row; the other datasets are small aggregates.
        A directory as destination gets the generated name inside it.

        A path is treated as a shell redirect treats it: a device or FIFO is written into
        in place (never replaced), a symlink is written through to its target (atomically
        there), and a missing directory is an error (never created). The state and source
        databases are refused (ExportOptionsError) before anything is written.
        """
        options = self._checked(dataset, options, size)
        self.open()
        now = self._clock.now()

        def write(sink: IO[bytes]) -> tuple[int, int, ExportMetadata | None]:
            return self._write_to(sink, dataset, options, size, now, on_progress)

        if destination is not None and not isinstance(destination, (str, Path)):
            rows, written, metadata = write(destination)
            return FileExport(None, rows, written, metadata, None)
        target = self._target(dataset, destination, options, now)
        path = target.path
        if target.chosen:
            self._refuse_own_database(path)
        if is_special_file(path):
            with write_in_place(path) as fh:
                rows, written, metadata = write(fh)
            return FileExport(path, rows, written, metadata, None, in_place=True)
        atomic = AtomicFile(path, overwrite=overwrite and not target.unique, unique=target.unique, make_dirs=not target.chosen)
        with atomic as fh:
            rows, written, metadata = write(fh)
        meta_path = None
        if metadata is not None and options.format == "csv":
            meta_path = _write_sidecar(atomic.path, metadata)
        return FileExport(atomic.path, rows, written, metadata, meta_path)

    def _target(self, dataset: str, destination: Path | str | None, options: ExportOptions, now: datetime) -> _Target:
        """Where write_file writes: the export directory under the generated name (None), a
        named directory under the generated name, or the named file."""
        if destination is None:
            return _Target(self.export_dir / build_filename(dataset, now, options), chosen=False, unique=True)
        path = Path(destination).expanduser()
        if path.is_dir():
            return _Target(path / build_filename(dataset, now, options), chosen=True, unique=True)
        return _Target(path, chosen=True, unique=False)

    def _refuse_own_database(self, destination: Path) -> None:
        from tui_analytics.data.dbfiles import own_database

        what = own_database(self.settings, destination)
        if what is not None:
            raise ExportOptionsError(f"refusing to overwrite {what} ({destination})")

    def _write_to(
        self,
        sink: IO[bytes],
        dataset: str,
        options: ExportOptions,
        size: int | None,
        now: datetime,
        on_progress: ProgressFn | None,
    ) -> tuple[int, int, ExportMetadata | None]:
        if dataset == "recent-activity":
            rows = self.repository.iter_recent_activity(size, date_range=options.date_range)
            return stream_rows(
                rows,
                sink,
                options,
                generated_at=now,
                empty_columns=DATASET_COLUMNS["recent-activity"],
                on_progress=on_progress,
                zone=self._zone(),
            )
        result = render_export(dataset, self.fetch(dataset, options, size), options, now, self._zone())
        data = result.to_bytes()
        sink.write(data)
        sink.flush()
        if on_progress is not None:
            on_progress(result.record_count, len(data))
        return result.record_count, len(data), result.metadata


def _write_sidecar(path: Path, metadata: ExportMetadata) -> Path:
    """A CSV export's metadata beside it; on failure the export goes too (no export without its metadata)."""
    try:
        return write_atomic(sidecar_path(path), (dumps(metadata) + "\n").encode("utf-8"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def default_size(dataset: str, date_range: DateRange | None, default: int | None = None) -> int:
    """The size used when none is given: months and days cover the whole date range when there is
    one (a range of January exports every day of January, not the last 7), else the defaults.

    With a range the size is the largest allowed: the repository then gives every day and month of
    the range in the reporting zone, which it knows (counting them here, in UTC, dropped the first
    day of a range that starts before UTC midnight in a zone east of UTC)."""
    default = DEFAULT_SIZES[dataset] if default is None else default
    if date_range is None or dataset not in _SIZE_MAXIMUMS:
        return default
    return _SIZE_MAXIMUMS[dataset]


def capped_note(dataset: str, rows: int, size: int | None, more: str = "--limit N") -> str | None:
    """One line when an export with no size stopped at its dataset's default number of rows (the top
    10 items), saying how to get more; None when nothing may have been left out."""
    if size is not None:
        return None
    if dataset == "top-items" and rows >= DEFAULT_SIZES["top-items"]:
        return f"top-items: wrote the top {rows:,} items of the period, the default number; {more} exports more"
    return None


_SIZE_NAMES = {"user-growth": "months", "activity-trends": "days", "top-items": "limit", "recent-activity": "limit"}
# A century back at most: further, the dates run out of the calendar (year 1).
_SIZE_MAXIMUMS = {"user-growth": 1200, "activity-trends": 36_600}
