"""Cron schedules in community time zones, across DST changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduler import recurrence
from bot.scheduler.recurrence import RecurrenceError, next_fire, normalise, upcoming, validate


def local(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %z")


@pytest.mark.parametrize(
    ("tz", "before", "utc_hours"),
    [
        # Berlin springs forward on 2026-03-29: 10:00 is 09:00 UTC before, 08:00 UTC after.
        ("Europe/Berlin", datetime(2026, 3, 27, tzinfo=UTC), [9, 9, 8, 8]),
        # Berlin falls back on 2026-10-25.
        ("Europe/Berlin", datetime(2026, 10, 23, tzinfo=UTC), [8, 8, 9, 9]),
        # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
        ("America/New_York", datetime(2026, 3, 6, tzinfo=UTC), [15, 15, 14, 14]),
        ("America/New_York", datetime(2026, 10, 30, tzinfo=UTC), [14, 14, 15, 15]),
    ],
)
def test_daily_wall_clock_time_is_kept_across_dst(tz: str, before: datetime,
                                                  utc_hours: list[int]) -> None:
    fires = upcoming("0 10 * * *", tz, before, 4)
    assert [f.hour for f in fires] == utc_hours
    assert all(local(f, tz)[11:16] == "10:00" for f in fires)
    assert [f - fires[0] for f in fires][1:] != [timedelta(days=1)] * 3  # DST really crossed


def test_weekly_monday_across_spring_forward_berlin() -> None:
    fires = upcoming("0 10 * * mon", "Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), 3)
    assert [local(f, "Europe/Berlin") for f in fires] == [
        "2026-03-23 10:00 +0100", "2026-03-30 10:00 +0200", "2026-04-06 10:00 +0200"]
    assert fires[1] - fires[0] == timedelta(days=7, hours=-1)


def test_time_in_spring_forward_gap_fires_once_when_the_gap_ends() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; like cron, it fires when the clocks jump
    # (03:00 CEST = 01:00 UTC), once.
    fires = upcoming("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 3)
    assert fires == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
                     datetime(2026, 3, 31, 0, 30, tzinfo=UTC)]
    ny = upcoming("30 2 * * *", "America/New_York", datetime(2026, 3, 7, 12, tzinfo=UTC), 2)
    assert ny == [datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 9, 6, 30,
                                                                     tzinfo=UTC)]


def test_half_hourly_through_spring_forward_never_repeats_an_instant() -> None:
    fires = upcoming("*/30 * * * *", "Europe/Berlin", datetime(2026, 3, 29, 0, 10, tzinfo=UTC),
                     4)
    # 01:30 CET, then 02:00/02:30 do not exist and collapse into 03:00 CEST, then 03:30 CEST
    assert fires == [datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                     datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                     datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
                     datetime(2026, 3, 29, 2, 0, tzinfo=UTC)]


def test_midnight_job_does_not_skip_the_day_after_spring_forward() -> None:
    # Regression: APScheduler 3.11's CronTrigger in Europe/Berlin jumps from 2024-03-31 00:00
    # to 2024-04-02 00:00 here; we must return 2024-04-01 00:00 CEST.
    after = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # 2024-03-31 00:00 CET, a fire time
    assert next_fire("0 0 * * *", "Europe/Berlin", after) == datetime(2024, 3, 31, 22, 0,
                                                                      tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "start", "first", "second"),
    [
        ("Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC),
         datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC),
         datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 2, 6, 30, tzinfo=UTC)),
    ],
)
def test_repeated_hour_on_fall_back_fires_a_pinned_time_once(tz: str, start: datetime,
                                                            first: datetime,
                                                            second: datetime) -> None:
    # 01:30/02:30 happens twice on the fall-back night; a daily job must not run twice.
    expr = "30 2 * * *" if tz == "Europe/Berlin" else "30 1 * * *"
    assert upcoming(expr, tz, start, 2) == [first, second]


def test_wildcard_hour_runs_by_elapsed_time_through_fall_back() -> None:
    start = datetime(2026, 10, 24, 23, 59, tzinfo=UTC)  # 01:59 CEST on the fall-back night
    fires = upcoming("0 * * * *", "Europe/Berlin", start, 4)
    # 02:00 CEST, 02:00 CET (the repeated hour), 03:00 CET, 04:00 CET: hourly in real time
    assert fires == [start + timedelta(minutes=1 + 60 * i) for i in range(4)]


def test_crontab_weekday_numbers_mean_what_crontab_says() -> None:
    # APScheduler 3 would read 1 as Tuesday; we normalise to crontab (1 = Monday, 0/7 = Sunday).
    assert normalise("0 10 * * 1") == "0 10 * * mon"
    assert normalise("0 10 * * 0") == normalise("0 10 * * 7") == "0 10 * * sun"
    assert normalise("0 9 * * 1-5") == "0 9 * * mon,tue,wed,thu,fri"
    assert normalise("0 9 * * 5-7") == "0 9 * * fri,sat,sun"
    assert normalise("0 9 * * 0-6") == "0 9 * * *"
    assert normalise("@daily") == "0 0 * * *"
    monday = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
    assert next_fire("0 10 * * 1", "UTC", monday - timedelta(days=1)) == monday.replace(hour=10)


@pytest.mark.parametrize(
    ("expr", "tz", "fragment"),
    [
        ("0 10 * *", "UTC", "five"),
        ("0 25 * * *", "UTC", "not valid"),
        ("0 10 1 * mon", "UTC", "both day-of-month and day-of-week"),
        ("0 10 * * 8", "UTC", "not a weekday"),
        ("0 10 * * 5-1", "UTC", "backwards"),
        ("0 10 * * mon", "Mars/Olympus", "unknown time zone"),
        ("0 0 30 2 *", "UTC", "never fires"),
    ],
)
def test_invalid_schedules_are_explained(expr: str, tz: str, fragment: str) -> None:
    message = validate(expr, tz)
    assert message is not None and fragment in message


def test_valid_schedule_validates() -> None:
    assert validate("*/15 9-17 * * mon-fri", "Asia/Shanghai") is None
    with pytest.raises(RecurrenceError):
        recurrence.next_after_fn("nonsense", "UTC")


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Shanghai",
         "America/Santiago", "Europe/London", "UTC"]


@settings(max_examples=150, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC)),
)
def test_daily_fires_are_strictly_increasing_about_a_day_apart(tz: str, minute: int, hour: int,
                                                               start: datetime) -> None:
    fires = upcoming(f"{minute} {hour} * * *", tz, start, 5)
    assert len(fires) == 5
    assert fires[0] > start
    for a, b in itertools.pairwise(fires):
        assert timedelta(hours=22) <= b - a <= timedelta(hours=26)
    zone = ZoneInfo(tz)
    for f in fires:  # the wall-clock time is the scheduled one unless it fell in a DST gap
        wall = f.astimezone(zone)
        if (wall.hour, wall.minute) != (hour, minute):
            intended = datetime.combine(wall.date(), time(hour, minute))
            roundtrip = intended.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            assert roundtrip.replace(tzinfo=None) != intended, (f, "wall time existed")
            # … and then it fires exactly when the clocks jump
            assert (f - timedelta(seconds=1)).astimezone(zone).utcoffset() != wall.utcoffset()
    # no calendar day is skipped or repeated
    days = [f.astimezone(zone).date() for f in fires]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days)), days


@settings(max_examples=100, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    step=st.sampled_from([5, 10, 15, 20, 30]),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC)),
)
def test_wildcard_hour_schedules_are_periodic_in_real_time(tz: str, step: int,
                                                           start: datetime) -> None:
    fires = upcoming(f"*/{step} * * * *", tz, start, 30)
    assert fires[0] > start and fires[0] - start <= timedelta(minutes=step)
    gaps = {b - a for a, b in itertools.pairwise(fires)}
    # whole-hour zones: exactly periodic even through DST; a spring-forward gap may drop
    # the nonexistent ticks (they collapse into the jump), never add or repeat one
    assert all(g >= timedelta(minutes=step) for g in gaps) and len(set(fires)) == len(fires)
