"""User growth and activity trends counted by another unit (`by`): which repository call answers.

A trend counted in its own unit (user growth by month, activity trends by day) comes from its
repository method as before; by another unit from `trend_by` (data/source/period_trends.py).
With a date range and no size, every period of the range is exported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tui_analytics.data.source.protocol import PeriodTrends, SourceRepository
from tui_analytics.export.options import ExportOptions
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError

# The unit each trend is documented in.
OWN_UNITS = {"user-growth": "month", "activity-trends": "day"}
# How many periods at most: a century back (as the trends' own sizes allow).
BY_MAXIMUMS = {"day": 36_600, "week": 5_300, "month": 1_200}


def other_unit(dataset: str, by: str | None) -> str | None:
    """`by` when it asks a trend for another unit than its own, else None."""
    if by is None or dataset not in OWN_UNITS or OWN_UNITS[dataset] == by:
        return None
    return by


def period_rows(
    repository: SourceRepository, dataset: str, by: str, size: int | None, date_range: DateRange | None, default: int
) -> Sequence[dict[str, str | int]]:
    """The trend per `by` period: the last `size` (default `default`), or all those of the range."""
    if not isinstance(repository, PeriodTrends):
        raise ExportOptionsError(f"this source cannot count {dataset} by {by}")
    count = size if size is not None else (BY_MAXIMUMS[by] if date_range is not None else default)
    return repository.trend_by(dataset, by, count, date_range)


def with_by(options: ExportOptions | None, by: str | None) -> ExportOptions | None:
    """The options with `by` set (the keyword of the two trend exports), or as given."""
    if by is None:
        return options
    return dataclasses.replace(options if options is not None else ExportOptions(), by=by)
