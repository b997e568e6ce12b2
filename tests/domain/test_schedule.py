"""Missed-run policies, retry back-off, quiet hours and frequency caps (pure decisions)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.schedule import (
    COUNT_LIMIT,
    Backoff,
    FrequencyCap,
    QuietHours,
    cap_release,
    plan_nudge,
    plan_run,
    retry_delay,
    shift_out_of_quiet,
    wall_time_to_utc,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def daily(instant: datetime) -> datetime:
    """Next 10:00 UTC strictly after ``instant`` (a pure stand-in for a cron trigger)."""
    candidate = instant.replace(hour=10, minute=0, second=0, microsecond=0)
    return candidate if candidate > instant else candidate + DAY


# -- missed runs ------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["once", "skip", "all"])
def test_on_time_run_fires_and_moves_to_next_occurrence(policy: str) -> None:
    plan = plan_run(T0, T0 + timedelta(seconds=2), policy, daily)
    assert plan.fire and plan.next_due == T0 + DAY and plan.skipped == 0
    assert plan.late_by == timedelta(seconds=2)


def test_once_fires_the_late_occurrence_and_collapses_the_rest() -> None:
    now = T0 + 3 * DAY + 2 * HOUR  # down over three more 10:00s
    plan = plan_run(T0, now, "once", daily)
    assert plan.fire
    assert plan.next_due == T0 + 4 * DAY
    assert plan.skipped == 3


def test_skip_drops_the_late_occurrence() -> None:
    now = T0 + 3 * DAY + 2 * HOUR
    plan = plan_run(T0, now, "skip", daily)
    assert not plan.fire
    assert plan.next_due == T0 + 4 * DAY
    assert plan.skipped == 4


def test_skip_still_fires_within_grace_and_on_retries() -> None:
    assert plan_run(T0, T0 + timedelta(seconds=59), "skip", daily).fire
    assert not plan_run(T0, T0 + timedelta(seconds=61), "skip", daily).fire
    assert plan_run(T0, T0 + HOUR, "skip", daily, retrying=True).fire


def test_all_replays_each_missed_occurrence_in_order() -> None:
    now = T0 + 3 * DAY + 2 * HOUR
    fired, occurrence = [], T0
    while occurrence <= now:
        plan = plan_run(occurrence, now, "all", daily)
        assert plan.fire
        fired.append(occurrence)
        occurrence = plan.next_due
    assert fired == [T0 + i * DAY for i in range(4)]
    assert occurrence == T0 + 4 * DAY


def test_all_only_catches_up_within_the_window() -> None:
    now = T0 + 30 * DAY + HOUR
    plan = plan_run(T0, now, "all", daily, catch_up=timedelta(days=7))
    assert plan.fire
    assert plan.next_due == T0 + 24 * DAY  # the first occurrence inside the last 7 days
    assert plan.skipped == 23


def test_one_off_items() -> None:
    late = T0 + 5 * HOUR
    assert plan_run(T0, late, "once", None) == plan_run(T0, late, "all", None)
    once = plan_run(T0, late, "once", None)
    assert once.fire and once.next_due is None and once.skipped == 0
    skip = plan_run(T0, late, "skip", None)
    assert not skip.fire and skip.next_due is None and skip.skipped == 1


def test_counting_is_capped_for_dense_schedules() -> None:
    every_second = lambda t: t.replace(microsecond=0) + timedelta(seconds=1)  # noqa: E731
    plan = plan_run(T0, T0 + DAY, "once", every_second)
    assert plan.skipped == COUNT_LIMIT
    assert plan.next_due == T0 + DAY + timedelta(seconds=1)


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="policy"):
        plan_run(T0, T0, "sometimes", daily)


@settings(max_examples=300, deadline=None)
@given(policy=st.sampled_from(["once", "skip", "all"]),
       late=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
       retrying=st.booleans())
def test_next_due_is_always_a_later_occurrence(policy: str, late: timedelta,
                                               retrying: bool) -> None:
    now = T0 + late
    plan = plan_run(T0, now, policy, daily, retrying=retrying)
    assert plan.next_due is not None and plan.next_due > T0
    assert plan.next_due.hour == 10 and plan.next_due.minute == 0
    if policy != "all":
        assert plan.next_due > now  # nothing older is left behind
    if retrying or policy != "skip":
        assert plan.fire


# -- back-off ---------------------------------------------------------------------------------


def test_backoff_doubles_and_caps() -> None:
    backoff = Backoff(base=timedelta(seconds=10), factor=2, cap=timedelta(minutes=1), jitter=0)
    delays = [backoff.delay(n).total_seconds() for n in range(1, 7)]
    assert delays == [10, 20, 40, 60, 60, 60]


def test_retry_delay_gives_up_after_max_attempts() -> None:
    backoff = Backoff(jitter=0)
    assert retry_delay(1, 3, backoff) == timedelta(seconds=10)
    assert retry_delay(2, 3, backoff) == timedelta(seconds=20)
    assert retry_delay(3, 3, backoff) is None


@settings(max_examples=300, deadline=None)
@given(attempt=st.integers(1, 10_000), rand=st.floats(0, 1),
       base=st.integers(1, 600), factor=st.floats(1, 10), jitter=st.floats(0, 0.99))
def test_backoff_is_bounded_and_never_overflows(attempt: int, rand: float, base: int,
                                                factor: float, jitter: float) -> None:
    backoff = Backoff(base=timedelta(seconds=base), factor=factor,
                      cap=timedelta(seconds=base * 100), jitter=jitter)
    delay = backoff.delay(attempt, rand)
    assert timedelta(0) < delay <= backoff.cap
    if jitter == 0:
        assert backoff.delay(attempt + 1) >= delay  # monotone without jitter


def test_invalid_backoff_is_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base=timedelta(0))
    with pytest.raises(ValueError):
        Backoff(factor=0.5)


# -- quiet hours ------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(time(22, 0), time(8, 0))


def test_quiet_hours_wrap_midnight() -> None:
    late_evening = datetime(2026, 6, 1, 23, 30, tzinfo=BERLIN)
    early_morning = datetime(2026, 6, 2, 6, 0, tzinfo=BERLIN)
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=BERLIN)
    expected = datetime(2026, 6, 2, 8, 0, tzinfo=BERLIN)
    assert shift_out_of_quiet(late_evening, BERLIN, NIGHT) == expected
    assert shift_out_of_quiet(early_morning, BERLIN, NIGHT) == expected
    assert shift_out_of_quiet(noon, BERLIN, NIGHT) == noon
    assert shift_out_of_quiet(noon, BERLIN, None) == noon
    assert shift_out_of_quiet(expected, BERLIN, NIGHT) == expected  # the end is not quiet


def test_quiet_hours_follow_the_wall_clock_across_dst() -> None:
    before = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)  # CET; the night clocks go forward
    shifted = shift_out_of_quiet(before, BERLIN, NIGHT)
    assert shifted.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") == "03-29 08:00 CEST"
    assert shifted - before == timedelta(hours=8)  # one hour shorter night


def test_quiet_window_ending_in_a_dst_gap_ends_when_the_clocks_jump() -> None:
    quiet = QuietHours(time(1, 0), time(2, 30))  # 02:30 does not exist on 2026-03-29
    shifted = shift_out_of_quiet(datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN), BERLIN, quiet)
    assert shifted.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"


@pytest.mark.parametrize(
    ("tz", "wall", "expected"),
    [
        ("Europe/Berlin", datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2026, 10, 25, 2, 30),
         datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # ambiguous: the first
        ("America/New_York", datetime(2026, 3, 8, 2, 15), datetime(2026, 3, 8, 7, 0,
                                                                    tzinfo=UTC)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 10),  # a 30-minute DST gap
         datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
        ("Asia/Shanghai", datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 28, 18, 30,
                                                                  tzinfo=UTC)),
    ],
)
def test_wall_time_to_utc(tz: str, wall: datetime, expected: datetime) -> None:
    assert wall_time_to_utc(wall, ZoneInfo(tz)) == expected


@settings(max_examples=400, deadline=None)
@given(when=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                         timezones=st.just(UTC)),
       start=st.times(), end=st.times(),
       tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Shanghai",
                           "Australia/Sydney", "America/Santiago"]).map(ZoneInfo))
def test_shifted_time_is_never_quiet_and_never_earlier(when: datetime, start: time, end: time,
                                                       tz: ZoneInfo) -> None:
    quiet = QuietHours(start, end)
    shifted = shift_out_of_quiet(when, tz, quiet)
    assert shifted >= when
    assert shifted - when <= timedelta(hours=25)
    assert not quiet.contains(shifted.astimezone(tz).time())
    if not quiet.contains(when.astimezone(tz).time()):
        assert shifted == when


# -- frequency caps and nudges ---------------------------------------------------------------


def test_cap_release_waits_for_the_oldest_counted_send() -> None:
    sent = [T0, T0 + HOUR, T0 + 2 * HOUR]
    weekly_two = FrequencyCap(2, timedelta(days=7))
    # two sends within the week after T0 + 2h are T0+1h and T0+2h: wait until T0+1h drops out
    assert cap_release(sent, T0 + 3 * HOUR, [weekly_two]) == T0 + HOUR + timedelta(days=7)
    assert cap_release([], T0, [weekly_two]) == T0
    assert cap_release(sent, T0 + 30 * DAY, [weekly_two]) == T0 + 30 * DAY


def test_several_caps_combine() -> None:
    sent = [T0]
    caps = [FrequencyCap(1, timedelta(days=1)), FrequencyCap(3, timedelta(days=30))]
    assert cap_release(sent, T0 + HOUR, caps) == T0 + DAY
    sent = [T0, T0 + 2 * DAY, T0 + 4 * DAY]
    assert cap_release(sent, T0 + 5 * DAY, caps) == T0 + 30 * DAY


@settings(max_examples=300, deadline=None)
@given(offsets=st.lists(st.integers(0, 60 * 24 * 20), max_size=12),
       at=st.integers(0, 60 * 24 * 25),
       caps=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 60 * 24 * 10)),
                     min_size=1, max_size=3))
def test_cap_release_is_the_earliest_allowed_instant(offsets: list[int], at: int,
                                                     caps: list[tuple[int, int]]) -> None:
    sent = [T0 + timedelta(minutes=m) for m in offsets]
    instant = T0 + timedelta(minutes=at)
    rules = [FrequencyCap(limit, timedelta(minutes=window)) for limit, window in caps]
    sent_before = [s for s in sent if s <= instant]

    def allowed(t: datetime) -> bool:
        return all(sum(1 for s in sent_before if t - c.window < s <= t) < c.limit
                   for c in rules)

    release = cap_release(sent_before, instant, rules)
    assert release >= instant and allowed(release)
    if release > instant:
        assert not allowed(release - timedelta(microseconds=1))


def test_plan_nudge_respects_opt_out_caps_quiet_hours_and_staleness() -> None:
    due = datetime(2026, 6, 1, 21, 0, tzinfo=BERLIN)
    common = dict(caps=[FrequencyCap(1, timedelta(days=3))], quiet=NIGHT, zone=BERLIN)
    assert plan_nudge(due, due, opted_out=True, sent=[], **common).send_at is None

    free = plan_nudge(due, due, opted_out=False, sent=[], **common)
    assert free.send_at == due and free.reasons == ()

    # capped until 23:00 (quiet), then moved to 08:00 the next morning
    last = datetime(2026, 5, 29, 23, 0, tzinfo=BERLIN)
    capped = plan_nudge(due, due, opted_out=False, sent=[last], **common)
    assert capped.send_at == datetime(2026, 6, 2, 8, 0, tzinfo=BERLIN)
    assert capped.reasons == ("capped", "quiet_hours")

    stale = plan_nudge(due, due, opted_out=False, sent=[last], max_delay=HOUR, **common)
    assert stale.send_at is None and "expired" in stale.reasons


def test_invalid_cap_is_refused() -> None:
    with pytest.raises(ValueError):
        FrequencyCap(0, DAY)
