"""Cron fire times with crontab(5) meaning, across DST, and the APScheduler trigger."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from tui_analytics.reports.cron import (
    CrontabTrigger,
    describe_cron,
    next_fire_times,
    normalise_cron,
    previous_fire_time,
)
from tui_analytics.reports.models import SCHEDULE_CRONS
from tui_analytics.runtime.errors import TemplateValidationError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)  # a Thursday


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: tzinfo = BERLIN) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def test_daily_fires_every_day_at_nine_local():
    times = next_fire_times(SCHEDULE_CRONS["daily"], BERLIN, NOW, 3)
    assert times == [local(2026, 1, 16, 9), local(2026, 1, 17, 9), local(2026, 1, 18, 9)]


def test_weekly_fires_on_mondays_at_nine():
    times = next_fire_times(SCHEDULE_CRONS["weekly"], BERLIN, NOW, 4)
    assert times == [local(2026, 1, 19, 9), local(2026, 1, 26, 9), local(2026, 2, 2, 9), local(2026, 2, 9, 9)]
    assert {t.weekday() for t in times} == {0}


def test_weekly_computed_on_monday_after_nine_is_next_monday_not_the_past():
    monday_ten = local(2026, 1, 19, 10)
    assert next_fire_times(SCHEDULE_CRONS["weekly"], BERLIN, monday_ten, 1) == [local(2026, 1, 26, 9)]
    assert next_fire_times(SCHEDULE_CRONS["weekly"], BERLIN, local(2026, 1, 19, 8, 59), 1) == [local(2026, 1, 19, 9)]


def test_monthly_fires_on_the_first():
    times = next_fire_times(SCHEDULE_CRONS["monthly"], BERLIN, NOW, 3)
    assert times == [local(2026, 2, 1, 9), local(2026, 3, 1, 9), local(2026, 4, 1, 9)]
    # April is summer time: still 09:00 on the wall clock.
    assert times[2].utcoffset() == timedelta(hours=2)


def test_quarterly_fires_on_jan_apr_jul_oct_first():
    times = next_fire_times(SCHEDULE_CRONS["quarterly"], BERLIN, NOW, 5)
    assert times == [
        local(2026, 4, 1, 9),
        local(2026, 7, 1, 9),
        local(2026, 10, 1, 9),
        local(2027, 1, 1, 9),
        local(2027, 4, 1, 9),
    ]


def test_weekday_zero_and_seven_are_sunday():
    for expr in ("0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"):
        times = next_fire_times(expr, BERLIN, NOW, 3)
        assert [t.weekday() for t in times] == [6, 6, 6], expr


def test_apscheduler_from_crontab_is_the_trap_we_avoid():
    # Documents why we do not use it: APScheduler reads weekday 1 as Tuesday.
    trap = CronTrigger.from_crontab("0 9 * * 1", timezone=BERLIN)
    assert trap.get_next_fire_time(None, NOW).weekday() == 1
    ours = CrontabTrigger("0 9 * * 1", BERLIN).get_next_fire_time(None, NOW)
    assert ours is not None and ours.weekday() == 0


def test_day_of_month_or_day_of_week_when_both_restricted():
    # crontab(5): the 13th OR any Friday.
    times = next_fire_times("0 9 13 * 5", BERLIN, local(2026, 2, 1), 5)
    assert [t.day for t in times] == [6, 13, 20, 27, 6]
    assert times[1].weekday() == 4 and times[1].day == 13  # Feb 13 2026 is a Friday too
    times = next_fire_times("0 9 1 * 1", BERLIN, local(2026, 1, 1, 12), 3)
    assert times == [local(2026, 1, 5, 9), local(2026, 1, 12, 9), local(2026, 1, 19, 9)]


def test_a_single_value_range_is_that_value():
    # croniter 7 expanded `N-N` to `*`: every day, every minute.
    times = next_fire_times("0 9 * * 3-3", BERLIN, NOW, 3)
    assert times == [local(2026, 1, 21, 9), local(2026, 1, 28, 9), local(2026, 2, 4, 9)]
    assert next_fire_times("5-5 * * * *", BERLIN, NOW, 2) == [local(2026, 1, 15, 13, 5), local(2026, 1, 15, 14, 5)]
    assert next_fire_times("5-5/10 9 * * *", BERLIN, NOW, 1) == [local(2026, 1, 16, 9, 5)]


def test_a_day_field_starting_with_a_star_means_both_must_match():
    # crontab(5): either matches only when both are restricted; `*/2` is not, so odd days that are Mondays.
    times = next_fire_times("0 0 */2 * 1", timezone.utc, NOW, 3)
    assert [t.date().isoformat() for t in times] == ["2026-01-19", "2026-02-09", "2026-02-23"]
    times = next_fire_times("0 0 1 * */2", timezone.utc, NOW, 2)  # the 1st when it is Sun/Tue/Thu/Sat
    assert [t.date().isoformat() for t in times] == ["2026-02-01", "2026-03-01"]


def test_names_in_any_case_and_letters_of_extensions_inside_names():
    assert normalise_cron("0 9 * JUL-aug Wed,thu") == "0 9 * JUL-aug Wed,thu"
    times = next_fire_times("0 9 * jul thu", BERLIN, NOW, 1)
    assert times == [local(2026, 7, 2, 9)]


def test_fall_back_night_fires_a_daily_job_once():
    # 26 Oct 2025: Berlin clocks go from 03:00 CEST back to 02:00 CET, so 02:30 happens twice.
    times = next_fire_times("30 2 * * *", BERLIN, local(2025, 10, 24), 4)
    assert [t.date().isoformat() for t in times] == ["2025-10-24", "2025-10-25", "2025-10-26", "2025-10-27"]
    assert times[2].utcoffset() == timedelta(hours=2)  # the first 02:30 of that night


def test_spring_forward_night_fires_once_after_the_gap():
    # 29 Mar 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    times = next_fire_times("30 2 * * *", BERLIN, local(2026, 3, 27), 4)
    assert [t.date().isoformat() for t in times] == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"]
    assert times[2] == local(2026, 3, 29, 3, 0)


def test_wildcard_job_runs_again_in_the_repeated_hour():
    # cron(8): wildcard jobs run on the new (actual) time, so 02:00 and 02:30 come twice.
    times = next_fire_times("*/30 * * * *", BERLIN, local(2025, 10, 26, 1, 15), 7)
    wall = [t.strftime("%H:%M%z") for t in times]
    assert wall == ["01:30+0200", "02:00+0200", "02:30+0200", "02:00+0100", "02:30+0100", "03:00+0100", "03:30+0100"]


def test_hourly_job_around_the_2026_fall_back_night_fires_at_both_two_oclocks():
    times = next_fire_times("0 * * * *", BERLIN, local(2026, 10, 25, 0, 30), 5)
    assert [t.strftime("%H:%M%z") for t in times] == ["01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100", "04:00+0100"]


def test_wildcard_job_skips_wall_times_that_do_not_exist():
    # 29 Mar 2026 02:00-02:59 does not exist in Berlin: `*/30 2` has nothing to run that day.
    times = next_fire_times("*/30 2 * * *", BERLIN, local(2026, 3, 28, 12), 3)
    assert times == [local(2026, 3, 30, 2), local(2026, 3, 30, 2, 30), local(2026, 3, 31, 2)]


def test_fixed_time_job_in_a_gap_runs_once_when_the_clocks_change():
    times = next_fire_times("0,30 2 * * *", BERLIN, local(2026, 3, 28, 12), 3)
    assert times == [local(2026, 3, 29, 3), local(2026, 3, 30, 2), local(2026, 3, 30, 2, 30)]


def test_lord_howe_half_hour_changes_follow_the_same_rule():
    # Lord Howe Island: 02:00 +10:30 -> 02:30 +11 on 4 Oct 2026; 02:00 +11 -> 01:30 +10:30 on 5 Apr 2026.
    howe = ZoneInfo("Australia/Lord_Howe")
    forward = next_fire_times("15 2 * * *", howe, datetime(2026, 10, 3, 12, tzinfo=howe), 2)
    assert [t.strftime("%d %H:%M%z") for t in forward] == ["04 02:30+1100", "05 02:15+1100"]
    wildcard = next_fire_times("*/15 2 * * *", howe, datetime(2026, 10, 4, 1, tzinfo=howe), 2)
    assert [t.strftime("%d %H:%M%z") for t in wildcard] == ["04 02:30+1100", "04 02:45+1100"]
    back = next_fire_times("*/20 1 * * *", howe, datetime(2026, 4, 5, 1, tzinfo=howe), 4)
    assert [t.strftime("%d %H:%M%z") for t in back] == ["05 01:20+1100", "05 01:40+1100", "05 01:40+1030", "06 01:00+1030"]
    fixed = next_fire_times("40 1 * * *", howe, datetime(2026, 4, 5, 1, tzinfo=howe), 2)
    assert [t.strftime("%d %H:%M%z") for t in fixed] == ["05 01:40+1100", "06 01:40+1030"]


def test_trigger_chain_over_a_dst_week_gives_one_fire_per_day():
    trigger = CrontabTrigger("30 2 * * *", "Europe/Berlin")
    start = local(2025, 10, 22)
    fire = trigger.get_next_fire_time(None, start)
    fires: list[datetime] = []
    while fire is not None and fire < local(2025, 10, 30):
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    assert [f.date().day for f in fires] == [22, 23, 24, 25, 26, 27, 28, 29]


def test_trigger_first_fire_is_inclusive_of_now_like_apscheduler():
    trigger = CrontabTrigger("0 9 * * *", BERLIN)
    nine = local(2026, 1, 16, 9)
    assert trigger.get_next_fire_time(None, nine) == nine
    assert trigger.get_next_fire_time(None, nine + timedelta(seconds=1)) == local(2026, 1, 17, 9)
    assert trigger.get_next_fire_time(nine, nine) == local(2026, 1, 17, 9)


def test_previous_fire_time_includes_the_instant_itself():
    nine = local(2026, 1, 16, 9)
    assert previous_fire_time("0 9 * * *", BERLIN, nine) == nine
    assert previous_fire_time("0 9 * * *", BERLIN, nine - timedelta(seconds=1)) == local(2026, 1, 15, 9)
    # On the fall-back night the second 02:30 maps to the first one: one slot.
    second = datetime(2025, 10, 26, 1, 45, tzinfo=timezone.utc)  # 02:45 CET, after the repeat
    slot = previous_fire_time("30 2 * * *", BERLIN, second)
    # (compared in UTC: Python never calls an ambiguous local time equal to another zone's time)
    assert slot is not None and slot.astimezone(timezone.utc) == datetime(2025, 10, 26, 0, 30, tzinfo=timezone.utc)


def test_utc_start_is_read_in_the_template_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    times = next_fire_times("0 9 * * *", tokyo, NOW, 1)
    assert times == [datetime(2026, 1, 16, 9, tzinfo=tokyo)]
    assert times[0].astimezone(timezone.utc).hour == 0


@pytest.mark.parametrize(
    "expr, english",
    [
        ("0 9 * * *", "At 09:00"),
        ("0 9 * * 1", "At 09:00, only on Monday"),
        ("0 9 1 * *", "At 09:00, on day 1 of the month"),
        ("0 9 1 1,4,7,10 *", "At 09:00, on day 1 of the month, only in January, April, July, and October"),
        ("0 9 * * 7", "At 09:00, only on Sunday"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("0 9 * * 3-3", "At 09:00, only on Wednesday"),
        ("5-5 * * * *", "At 5 minutes past the hour"),
        ("0 0 */2 * 1", "At 00:00, on days 1, 3, 5, …, 31 of the month that are also a Monday (both must hold)"),
        ("0 0 1 * */2", "At 00:00, on day 1 of the month that is also a Sunday, Tuesday, Thursday or Saturday (both must hold)"),
        ("0 9 13 * 5", "At 09:00, on day 13 of the month and on any day that is a Friday"),
        (
            "0 9 1,15 jan mon-fri",
            "At 09:00, only in January, on days 1 and 15 of the month and on any day that is a day from Monday to Friday",
        ),
    ],
)
def test_describe_cron_in_plain_english(expr, english):
    assert describe_cron(expr) == english


@pytest.mark.parametrize(
    "expr, fragment",
    [
        ("", "empty"),
        ("0 9 * *", "has 4 field(s)"),
        ("0 9 * * * *", "has 6 field(s)"),
        ("61 * * * *", "minute value 61 is out of range 0-59"),
        ("0 24 * * *", "hour value 24 is out of range 0-23"),
        ("0 9 0 * *", "day of month value 0 is out of range 1-31"),
        ("0 9 32 * *", "day of month value 32"),
        ("0 9 * 13 *", "month value 13 is out of range 1-12"),
        ("0 9 * * 8", "day of week value 8 is out of range 0-7"),
        ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "minute step 0 must be between 1 and 60"),
        ("*/61 * * * *", "minute step 61 must be between 1 and 60"),
        ("0 9 1-31/32 * *", "day of month step 32 must be between 1 and 31"),
        ("0 */25 * * *", "hour step 25"),
        ("0 9 * */13 *", "month step 13"),
        ("0 9 * * */8", "day of week step 8"),
        ("5/10 * * * *", "a step needs a range or * (e.g. 5-59/10)"),
        ("H 9 * * *", "'H' (hashed value) is not crontab(5) syntax"),
        ("0 9 * L *", "'L' (last) is an extension allowed only as"),
        ("0 9 * * 5W", "'W' (nearest weekday)"),
        ("0 9 1#2 * *", "'#' (nth weekday)"),
        ("0 9 ? * 1", "'?' (no specific value)"),
        ("0 9 * * mon-", "is not valid"),
        ("0 9 30 2 *", "never matches"),
        ("@reboot", "unknown nickname"),
        ("every day", "field(s)"),
        ("a b c d e", "minute field: 'a' is not a number"),
        ("0 9 * foo *", "month field: 'foo' is not a number or a name"),
    ],
)
def test_bad_cron_expressions_are_refused_with_the_reason(expr, fragment):
    with pytest.raises(TemplateValidationError) as info:
        normalise_cron(expr)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError):
        describe_cron(expr)


@pytest.mark.parametrize(
    "schedule, cron, warns",
    [
        ("weekly", "0 9 * * 3-3", False),
        ("weekly", "0 9 * * *", True),  # a weekly report made every day
        ("weekly", "30 6 * * 1-5", True),
        ("daily", "30 6 * * *", False),
        ("daily", "0 9,17 * * *", True),
        ("daily", "0 9 * * 1-5", True),
        ("monthly", "0 7 1 * *", False),
        ("monthly", "0 7 1 * 1", True),
        ("quarterly", "0 9 1 2,5,8,11 *", False),
        ("quarterly", "0 9 1 1,2,3 *", True),
        ("custom", "* * * * *", False),
    ],
)
def test_a_schedule_whose_cron_disagrees_is_named(schedule, cron, warns):
    from tui_analytics.reports.cron.describe import schedule_mismatch
    from tui_analytics.reports.cron.parse import parse_cron

    warning = schedule_mismatch(schedule, parse_cron(cron))
    assert (warning is not None) == warns
    if warning:
        assert warning.startswith(f"a {schedule} report covers the previous ")


def test_nicknames_and_spacing_are_normalised():
    assert normalise_cron("  0   9 * * 1 \n") == "0 9 * * 1"
    assert normalise_cron("@daily") == "0 0 * * *"
    assert normalise_cron("@weekly") == "0 0 * * 0"
