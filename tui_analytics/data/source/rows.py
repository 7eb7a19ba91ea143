"""The rows the source repository returns, one TypedDict per dataset.

TypedDicts, not dataclasses: every row goes on as a mapping, unchanged. The export
writers take mappings and write their keys in order (the CSV header, the JSON object),
and the jobs put the rows in the analytics cache, whose values the scheduling process
writes to the state database as JSON for the other processes' dashboards. The keys are
the documented column names (docs/data.md), camelCase as the files carry them.
"""

from __future__ import annotations

from typing import TypedDict

# An id as the source holds it: a whole number, or text (a UUID, a username) in a mapped source.
Ident = int | str


class UserGrowthRow(TypedDict):
    """New and cumulative users of one month (`YYYY-MM` of the reporting zone)."""

    month: str
    newUsers: int
    totalUsers: int


# User growth or activity trends by another unit (`--by`): the unit's column (`date`, `week`,
# `month`: its label) and the dataset's two figures, in that order.
PeriodRow = dict[str, str | int]


class ActivityTrendRow(TypedDict):
    """Activities and distinct active users of one day (`YYYY-MM-DD` of the reporting zone)."""

    date: str
    activities: int
    activeUsers: int


class TopItemRow(TypedDict):
    """One of the most-used items; name and category are None where the item is missing."""

    rank: int
    itemId: Ident | None
    name: str | None
    category: str | None
    interactions: int
    uniqueUsers: int


class RecentActivityRow(TypedDict):
    """One activity, its time as ISO 8601 UTC text; names are None where the user or item is missing."""

    timestamp: str
    userId: Ident | None
    userName: str | None
    action: str | None
    itemId: Ident | None
    itemName: str | None


class Summary(TypedDict):
    """The headline figures of a period (docs/data.md, "summary"); times as ISO 8601 text."""

    totalUsers: int
    activeUsers: int
    totalItems: int
    totalActivities: int
    newUsers: int
    actions: dict[str, int]  # action -> activities in the period
    periodStart: str
    periodEnd: str
    firstActivity: str | None  # of all the data; None without activities
    lastActivity: str | None
