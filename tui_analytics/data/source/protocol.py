"""SourceRepository: the source database as the services query it.

AdminAnalyticsOptimizedRepository (repository.py) is the one implementation; the
processor, the export service and the reports hold this protocol, so a test can
hand them a fake (tests/support/processor_fakes.py) that the type checker holds
to the same signatures. The methods block (SQL): services call them in worker threads.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tui_analytics.data.source.recent_stream import RecentActivityStream
from tui_analytics.data.source.rows import ActivityTrendRow, PeriodRow, RecentActivityRow, Summary, TopItemRow, UserGrowthRow
from tui_analytics.runtime.daterange import DateRange


class SourceRepository(Protocol):
    """One method per dataset. Without `date_range` a dataset covers its default window (the
    last `months` months, `days` days, 30 days); with one, that period (at most `months`/`days` of it)."""

    def user_growth(self, months: int = ..., date_range: DateRange | None = None) -> list[UserGrowthRow]: ...

    def activity_trends(self, days: int = ..., date_range: DateRange | None = None) -> list[ActivityTrendRow]: ...

    def top_items(self, limit: int = ..., date_range: DateRange | None = None) -> list[TopItemRow]: ...

    def recent_activity(self, limit: int = ..., date_range: DateRange | None = None) -> list[RecentActivityRow]: ...

    def iter_recent_activity(
        self, limit: int | None = None, date_range: DateRange | None = None, batch_size: int = ...
    ) -> RecentActivityStream:
        """Recent activity streamed in constant memory (exports); `limit` None is every row."""
        ...

    def summary(self, date_range: DateRange | None = None) -> Summary: ...

    def ping(self) -> float:
        """One round trip to the database, in milliseconds."""
        ...


@runtime_checkable
class PeriodTrends(Protocol):
    """User growth and activity trends by day, week or month (`--by`), where a source has them
    (the real repository does; the services say so in one line where one does not)."""

    def trend_by(self, dataset: str, by: str, count: int, date_range: DateRange | None = None) -> list[PeriodRow]: ...
