"""Our fire times against an independent model of Debian cron (tests/reports/cron_model.py),
over a seeded random corpus of crontab lines and the DST changes of five zones; cronsim as a
second opinion where it reads the line as cron does.

Each DST change is a window of three hours either side; in it the model's fire times and
ours must be the same list. The slow test prints the figures (corpus size, windows,
cronsim's differences by kind and an example of each).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from tests.reports import cron_model
from tui_analytics.reports.cron import next_fire_times, previous_fire_time
from tui_analytics.runtime.errors import TemplateValidationError

SEED = 20261205
CORPUS_SIZE = 1200
UTC = timezone.utc
# Zone and year: whole-hour changes at 02:00/03:00 (Berlin, New York), at midnight
# (Santiago, Tehran in 2021, its last year of DST) and Lord Howe Island's 30-minute ones.
ZONES = [
    ("Europe/Berlin", 2026),
    ("America/New_York", 2026),
    ("Australia/Lord_Howe", 2026),
    ("America/Santiago", 2026),
    ("Asia/Tehran", 2021),
]
HALF_WINDOW = timedelta(hours=3)
SIZES = [60, 24, 31, 12, 7]
BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
NAMES = {3: cron_model.MONTH_NAMES, 4: cron_model.DAY_NAMES}
SAME_VALUE_STEP = re.compile(r"(?:^|,)(\w+)-(\w+)/\d+")


def _token(rng: random.Random, index: int, value: int) -> str:
    names = NAMES.get(index)
    if names and rng.random() < 0.3 and not (index == 4 and value == 7):  # `sun` is 0, never 7
        name = names[value - (1 if index == 3 else 0)]
        return rng.choice([name, name.upper(), name.capitalize()])
    return str(value)


def _value(rng: random.Random, index: int) -> int:
    low, high = BOUNDS[index]
    if index == 1 and rng.random() < 0.6:  # hours where zones change their clocks
        return rng.choice([0, 1, 2, 3, 22, 23])
    return rng.randint(low, high)


def _part(rng: random.Random, index: int) -> str:
    low, high = BOUNDS[index]
    step = rng.choice([1, 2, 3, 5, 7, rng.randint(1, SIZES[index])])
    step = min(step, SIZES[index])
    kind = rng.choices(["*", "*/s", "n", "n-m", "n-m/s", "n-n", "n-n/s"], [2, 3, 4, 2, 2, 1, 1])[0]
    a, b = sorted((_value(rng, index), _value(rng, index)))
    if kind == "*":
        return "*"
    if kind == "*/s":
        return f"*/{step}"
    if kind == "n":
        return _token(rng, index, a)
    if kind.startswith("n-n"):
        text = f"{_token(rng, index, a)}-{_token(rng, index, a)}"
    else:
        text = f"{_token(rng, index, a)}-{_token(rng, index, b)}"
    return text + (f"/{step}" if kind.endswith("/s") else "")


def _field(rng: random.Random, index: int) -> str:
    star_share = [0.1, 0.1, 0.5, 0.7, 0.5][index]
    if rng.random() < star_share:
        return "*"
    # Lists may hold `*/s` anywhere: cron's "restricted" test only looks at the first character.
    # (A bare `*` in a list is legal too, but makes every minute fire: a few edge lines have it.)
    parts = [_part(rng, index) for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0])]
    return ",".join(p for p in parts if p != "*" or len(parts) == 1) or "*/2"


# Written out: days that need leap years or never come, Sunday as 7, a star that is not first.
EDGES = [
    "0 0 30 2 *",
    "0 0 31 4,6 */2",
    "0 0 29 2 *",
    "0 0 29 2 1",
    "30 2 31 * 0",
    "59 23 31 12 7",
    "0 2 1,*/10 * *",
    "*/20 1-3 * * 0-7",
    "0,30 2 * * sun",
    "15 2-2/1 * * *",
]


def corpus() -> list[str]:
    rng = random.Random(SEED)
    return EDGES + [" ".join(_field(rng, i) for i in range(5)) for _ in range(CORPUS_SIZE - len(EDGES))]


def transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The UTC instants (whole minutes) at which the zone's offset changes in that year."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        later = moment + timedelta(hours=1)
        if later.astimezone(zone).utcoffset() != offset:
            low, high = moment, later
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(tzinfo=None))
            offset = later.astimezone(zone).utcoffset()
        moment = later
    return found


def windows() -> list[tuple[str, ZoneInfo, datetime, datetime, cron_model.Clock]]:
    out = []
    for name, year in ZONES:
        zone = ZoneInfo(name)
        for instant in transitions(zone, year):
            start, end = instant - HALF_WINDOW, instant + HALF_WINDOW
            out.append((name, zone, start, end, cron_model.Clock(zone, start, end)))
    return out


def ours_in_window(line: str, zone: ZoneInfo, start: datetime, end: datetime, expected: int) -> list[datetime]:
    times = next_fire_times(line, zone, start.replace(tzinfo=UTC), expected + 1)
    naive = [t.astimezone(UTC).replace(tzinfo=None) for t in times]
    return [t for t in naive if t <= end]


def cronsim_in_window(line: str, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    out: list[datetime] = []
    for moment in CronSim(line, start.replace(tzinfo=UTC).astimezone(zone)):
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        if naive > end:
            break
        out.append(naive)
    return out


def _repeated(instant: datetime, zone: ZoneInfo) -> bool:
    wall = instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()


def cronsim_kind(line: str, zone: ZoneInfo, expected: list[datetime], theirs: list[datetime]) -> str:
    """Why cronsim differs from cron, from what the line holds and where the fire times differ."""
    for index, field in enumerate(line.split()):
        for a, b in SAME_VALUE_STEP.findall(field):
            if cron_model.value(a, index) == cron_model.value(b, index):
                return "reads N-N/s as N-max/s"
    missing, extra = set(expected) - set(theirs), set(theirs) - set(expected)
    if extra and not missing:
        return "clocks forward: a wildcard job's skipped wall time fires after the gap"
    if missing and not extra and all(_repeated(m, zone) for m in missing):
        return "clocks back: a wildcard job's repeated wall time fires once, not twice"
    if missing and not extra:
        return f"real wall times after the change are skipped ({zone})"
    return "other"


def compare(lines: list[str], with_cronsim: bool) -> tuple[list, Counter, dict[str, str], dict[str, int]]:
    """(disagreements with the model, cronsim's differences by kind, an example of each, counts)."""
    spans = windows()
    disagreements: list = []
    cronsim_off: Counter = Counter()
    examples: dict[str, str] = {}
    counts = Counter(lines=len(lines), changes=len(spans))
    for line in lines:
        entry = cron_model.parse(line)
        if cron_model.never_fires(entry):
            counts["never"] += 1
            with pytest.raises(TemplateValidationError, match="never matches"):
                next_fire_times(line, "UTC", datetime(2026, 1, 1, tzinfo=UTC), 1)
            continue
        for name, zone, start, end, clock in spans:
            counts["cases"] += 1
            expected = cron_model.run(entry, clock)
            counts["fires"] += len(expected)
            got = ours_in_window(line, zone, start, end, len(expected))
            if got != expected:
                disagreements.append((line, name, start, expected, got))
                continue
            if expected:  # the backward search (catch-up, slot names) agrees too
                latest = previous_fire_time(line, zone, end.replace(tzinfo=UTC))
                if latest is None or latest.astimezone(UTC).replace(tzinfo=None) != expected[-1]:
                    disagreements.append((line, name, start, expected[-1:], [latest]))
            if not with_cronsim:
                continue
            theirs = cronsim_in_window(line, zone, start, end)
            if theirs != expected:
                kind = cronsim_kind(line, zone, expected, theirs)
                cronsim_off[kind] += 1
                examples.setdefault(kind, f"{line!r} in {name} near {start + HALF_WINDOW:%Y-%m-%d %H:%M} UTC")
    return disagreements, cronsim_off, examples, counts


def test_a_sample_matches_the_cron_model_across_dst_changes():
    disagreements, _, _, counts = compare(corpus()[:150], with_cronsim=False)
    assert counts["cases"] >= 1000 and counts["fires"] > 1000
    assert disagreements[:5] == [] and len(disagreements) == 0


@pytest.mark.slow  # about 15 s: the whole corpus, and cronsim beside it
def test_the_corpus_matches_the_cron_model_across_dst_changes(capsys):
    lines = corpus()
    disagreements, cronsim_off, examples, counts = compare(lines, with_cronsim=True)
    assert len(lines) >= 1000 and len({z for z, _ in ZONES}) >= 4 and counts["changes"] >= 10
    with capsys.disabled():
        print(
            f"\ncron conformance: {counts['lines']} lines ({counts['never']} never fire), {counts['changes']} "
            f"DST changes in {len(ZONES)} zones, {counts['cases']} cases, {counts['fires']} fire times; "
            f"cronsim differs in {sum(cronsim_off.values())}:"
        )
        for kind, example in examples.items():
            print(f"  {cronsim_off[kind]:4d} {kind}: e.g. {example}")
    assert disagreements[:5] == [] and len(disagreements) == 0
    # cronsim agrees with cron except in the kinds named (see cronsim_kind).
    assert "other" not in cronsim_off


def test_day_rules_and_fields_match_the_cron_model_over_years():
    # No clock changes (UTC), a random start per line in 2026-2035, the next eight fire times.
    rng = random.Random(SEED + 1)
    disagreements: list[tuple[str, datetime, list[datetime], list[datetime]]] = []
    cronsim_off: Counter[str] = Counter()
    checked = 0
    for line in corpus():
        entry = cron_model.parse(line)
        if cron_model.never_fires(entry):
            continue
        start = datetime(2026, 1, 1) + timedelta(minutes=rng.randrange(10 * 365 * 1440))
        expected = cron_model.next_times(entry, start, 8)
        got = [t.replace(tzinfo=None) for t in next_fire_times(line, UTC, start.replace(tzinfo=UTC), 8)]
        checked += 1
        if got != expected:
            disagreements.append((line, start, expected, got))
        theirs = []
        for moment in CronSim(line, start.replace(tzinfo=UTC)):
            theirs.append(moment.replace(tzinfo=None))
            if len(theirs) == 8:
                break
        if theirs != expected:
            cronsim_off[cronsim_kind(line, ZoneInfo("UTC"), expected, theirs)] += 1
    assert checked >= 1000
    assert disagreements[:5] == [] and len(disagreements) == 0
    assert set(cronsim_off) <= {"reads N-N/s as N-max/s"}
