"""The day-field extensions beyond crontab(5): `L`, `LW`, `NW` (day of month), `NL`, `N#K`
(day of week). Fire days against hand-written rules, their wording, and cronsim over two
years in three zones (where cronsim's clock-change handling differs from Debian cron's, the
difference is one of the kinds the conformance test documents)."""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from tests.reports.test_cron_conformance import cronsim_kind, transitions
from tui_analytics.reports.cron import describe_cron, next_fire_times, normalise_cron
from tui_analytics.reports.cron.fire_times import fire_times
from tui_analytics.reports.cron.parse import parse_cron
from tui_analytics.runtime.errors import TemplateValidationError

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
START, END = datetime(2026, 1, 1), datetime(2028, 1, 1)
_SAME_DAY = timedelta(hours=24)


def _days(line: str, tz: ZoneInfo, n: int) -> list[date]:
    return [t.date() for t in next_fire_times(line, tz, datetime(2025, 12, 31, 12, tzinfo=UTC), n)]


def test_first_mondays_only():
    days = _days("0 9 * * 1#1", BERLIN, 24)
    assert all(d.weekday() == 0 and d.day <= 7 for d in days)
    assert [d.month for d in days[:12]] == list(range(1, 13))  # one per month, none skipped
    times = next_fire_times("0 9 * * 1#1", BERLIN, datetime(2026, 1, 1, tzinfo=UTC), 2)
    assert [(t.date(), t.hour, t.minute) for t in times] == [(date(2026, 1, 5), 9, 0), (date(2026, 2, 2), 9, 0)]


def test_last_days_of_each_month_including_leap_february():
    days = _days("0 9 L * *", ZoneInfo("UTC"), 30)
    assert days == [date(y, m, calendar.monthrange(y, m)[1]) for y in (2025, 2026, 2027, 2028) for m in range(1, 13)][12:42]
    assert date(2028, 2, 29) in days


def _nearest_weekday_by_distance(year: int, month: int, n: int) -> date | None:
    """The Monday-Friday day of the month closest to day n (the distances never tie)."""
    length = calendar.monthrange(year, month)[1]
    if n > length:
        return None
    workdays = [date(year, month, d) for d in range(1, length + 1) if date(year, month, d).weekday() < 5]
    return min(workdays, key=lambda d: abs(d.day - n))


@pytest.mark.parametrize("n", [1, 2, 6, 15, 28, 29, 30, 31])
def test_nearest_weekday_stays_in_its_month(n):
    got = _days(f"0 9 {n}W * *", ZoneInfo("UTC"), 48)
    expected = [d for y in range(2026, 2040) for m in range(1, 13) if (d := _nearest_weekday_by_distance(y, m, n)) is not None]
    assert got == expected[: len(got)] and len(got) == 48


def test_last_weekday_of_month_and_last_friday():
    for day in _days("0 9 LW * *", ZoneInfo("UTC"), 24):
        last = calendar.monthrange(day.year, day.month)[1]
        assert day.weekday() < 5 and all(date(day.year, day.month, d).weekday() >= 5 for d in range(day.day + 1, last + 1))
    for day in _days("0 9 * * 5L", ZoneInfo("UTC"), 24):
        assert day.weekday() == 4 and day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def test_both_day_fields_follow_crontab_either_or_both_rule():
    # Neither starts with `*`: either is enough (the last day, or the second Monday).
    days = _days("0 9 L * 1#2", ZoneInfo("UTC"), 4)
    assert days == [date(2026, 1, 12), date(2026, 1, 31), date(2026, 2, 9), date(2026, 2, 28)]
    # `*/2` starts with `*`: both must hold (odd days that are the last Friday).
    assert all(d.day % 2 == 1 and d.weekday() == 4 for d in _days("0 9 */2 * 5L", ZoneInfo("UTC"), 6))


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("0 9 * * 1#1", "At 09:00, on the first Monday of the month"),
        ("0 9 L * *", "At 09:00, on the last day of the month"),
        ("0 9 LW * *", "At 09:00, on the last weekday (Monday to Friday) of the month"),
        ("0 9 15W * *", "At 09:00, on the weekday nearest day 15 of the month"),
        ("0 9 * * 5L", "At 09:00, on the last Friday of the month"),
        ("0 9 L,15 * *", "At 09:00, on day 15 of the month or the last day of the month"),
        ("0 9 L * 1#2", "At 09:00, on the last day of the month and on the second Monday of the month"),
        ("0 9 * * MON#1,fri", "At 09:00, on the first Monday of the month or a Friday"),
    ],
)
def test_extensions_in_words(line, words):
    assert describe_cron(line) == words
    assert normalise_cron(line) == line


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("0 L * * *", "hour field 'L': 'L' (last) is an extension allowed only as L or LW in the day-of-month field"),
        ("0 9 L-3 * *", "'L' (last) is an extension allowed only as"),
        ("0 9 L/2 * *", "'L' (last) is an extension allowed only as"),
        ("0 9 * * 1#6", "in N#K, K must be between 1 and 5"),
        ("0 9 * * 1#0", "in N#K, K must be between 1 and 5"),
        ("0 9 * * 8#1", "day of week value 8 is out of range 0-7"),
        ("0 9 * * 1W", "'W' (nearest weekday) is an extension allowed only as LW or NW in the day-of-month field"),
        ("0 9 32W * *", "day of month value 32 is out of range 1-31"),
        ("0 9 31W 4 *", "never matches a real date"),
        ("0 9 L#1 * *", "'L' (last)"),
        ("0 9 ? * 1", "'?' (no specific value) is not crontab(5) syntax"),
    ],
)
def test_misplaced_extensions_are_refused_with_the_reason(line, fragment):
    with pytest.raises(TemplateValidationError) as info:
        normalise_cron(line)
    assert fragment in str(info.value)


def _times(rng: random.Random, index: int) -> str:
    if index == 0:
        return rng.choices([str(rng.randint(0, 59)), f"{rng.randint(0, 29)},{rng.randint(30, 59)}", "*/30"], [6, 3, 1])[0]
    hours = [0, 1, 2, 3, 9, 22, 23]
    return rng.choices([str(rng.choice(hours)), f"{rng.choice(hours[:3])},{rng.choice(hours[3:])}", "*", "*/6"], [6, 2, 1, 1])[0]


def _day_field(rng: random.Random) -> str:
    parts = {rng.choice(["L", "LW", "L", "LW", str(rng.randint(1, 31))]) for _ in range(rng.choice([1, 1, 2]))}
    return ",".join(sorted(parts)) if parts & {"L", "LW"} else "L," + parts.pop()


def _weekday_field(rng: random.Random) -> str:
    def one() -> str:
        day = rng.randint(0, 6)
        return rng.choice([f"{day}L", f"{day}#{rng.randint(1, 5)}", f"{day}#{rng.randint(1, 4)}", str(day)])

    parts = {one() for _ in range(rng.choice([1, 1, 2]))}
    return ",".join(sorted(parts)) if any("L" in p or "#" in p for p in parts) else f"{rng.randint(0, 6)}#1"


def extension_corpus(size: int) -> list[str]:
    """Lines in cronsim's extension set: L, LW (day of month), NL, N#K (day of week)."""
    rng = random.Random(20261208)
    lines = []
    for _ in range(size):
        day, weekday = rng.choice(
            [
                (_day_field(rng), "*"),
                ("*", _weekday_field(rng)),
                (_day_field(rng), _weekday_field(rng)),
                (_day_field(rng), str(rng.randint(0, 6))),
                (str(rng.randint(1, 28)), _weekday_field(rng)),
                ("*/2", _weekday_field(rng)),
            ]
        )
        month = rng.choice(["*", "*", "*", "2", "1-6", "3,10", "*/3"])
        lines.append(f"{_times(rng, 0)} {_times(rng, 1)} {day} {month} {weekday}")
    return lines


def _ours(line: str, zone: ZoneInfo) -> list[datetime]:
    out = []
    for moment in fire_times(parse_cron(line), zone, START.replace(tzinfo=UTC)):
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        if naive >= END:
            break
        out.append(naive)
    return out


def _cronsim(line: str, zone: ZoneInfo) -> list[datetime]:
    out = []
    for moment in CronSim(line, START.replace(tzinfo=UTC).astimezone(zone)):
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        if naive >= END:
            break
        out.append(naive)
    return out


def _difference_kinds(line: str, zone: ZoneInfo, ours: list[datetime], theirs: list[datetime]) -> set[str]:
    """Each differing fire time is put with the clock change less than a day from it, and the
    difference around that change named as the conformance test names it (cronsim also skips
    a wildcard job's wall times hours after Lord Howe's change, later than that test's
    three-hour windows reach: 09:00 on 2026-04-05)."""
    changes = [t for year in (START.year, START.year + 1) for t in transitions(zone, year)]
    kinds = set()
    for instant in set(ours) ^ set(theirs):
        near = [c for c in changes if abs(instant - c) < _SAME_DAY]
        if not near:
            kinds.add("other: away from any clock change")
            continue
        low, high = near[0] - _SAME_DAY, near[0] + _SAME_DAY
        kinds.add(cronsim_kind(line, zone, [t for t in ours if low <= t <= high], [t for t in theirs if low <= t <= high]))
    return kinds


def _agreement(lines: list[str]) -> tuple[dict[str, int], list[tuple[str, str, set[str]]], int]:
    kinds: dict[str, int] = {}
    unexplained = []
    fires = 0
    for line in lines:
        for name in ZONES:
            zone = ZoneInfo(name)
            ours, theirs = _ours(line, zone), _cronsim(line, zone)
            fires += len(ours)
            if ours == theirs:
                continue
            found = _difference_kinds(line, zone, ours, theirs)
            for kind in found:
                kinds[kind] = kinds.get(kind, 0) + 1
            if any(k.startswith("other") for k in found):
                unexplained.append((line, name, found))
    return kinds, unexplained, fires


def test_a_sample_of_extension_lines_agrees_with_cronsim():
    kinds, unexplained, fires = _agreement(extension_corpus(200)[:25])
    assert fires > 1000
    assert unexplained == []


@pytest.mark.slow  # 200 lines x 3 zones x 2 years beside cronsim
def test_200_extension_lines_agree_with_cronsim_over_two_years_in_three_zones(capsys):
    lines = extension_corpus(200)
    assert len(set(lines)) >= 190
    kinds, unexplained, fires = _agreement(lines)
    with capsys.disabled():
        print(
            f"\ncron extensions: {len(lines)} lines x {len(ZONES)} zones, {START:%Y}-{END.year - 1}, {fires} fire times; differences: {kinds}"
        )
    assert fires > 50_000
    assert unexplained[:5] == [] and len(unexplained) == 0


def test_extension_lines_fire_in_local_time_across_a_dst_change():
    # 29 Mar 2026 (Berlin's spring-forward day) is a Sunday and the last one in March.
    times = next_fire_times("30 2 * * 0L", BERLIN, datetime(2026, 3, 1, tzinfo=UTC), 2)
    assert times[0] == datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)  # the skipped 02:30 runs at the change
    assert times[1] == datetime(2026, 4, 26, 2, 30, tzinfo=BERLIN)
