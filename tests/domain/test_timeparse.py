"""Reminder and announcement time expressions, English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from domain.timeparse import (
    ERROR_CODES,
    MAX_AHEAD,
    RecurrenceParsed,
    TimeError,
    WhenParsed,
    parse_recurrence,
    parse_schedule,
    parse_when,
    zh_number,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 2026-05-13 10:15 in Berlin (CEST, UTC+2)
NOW = datetime(2026, 5, 13, 10, 15, tzinfo=BERLIN)


def when(text: str, now: datetime = NOW, tz: ZoneInfo = BERLIN) -> WhenParsed:
    result = parse_when(text, now, tz)
    assert isinstance(result, WhenParsed), f"{text!r} -> {result}"
    assert result.due_at.tzinfo is UTC
    assert result.due_at > now
    return result


def local(result: WhenParsed) -> str:
    return result.local.strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("in 2h", "Wed 2026-05-13 12:15", ""),
        ("in 90 minutes check the build", "Wed 2026-05-13 11:45", "check the build"),
        ("in 1 day 3 hours", "Thu 2026-05-14 13:15", ""),
        ("in 1 day and 3 hours", "Thu 2026-05-14 13:15", ""),
        ("in 2h30m check the PR", "Wed 2026-05-13 12:45", "check the PR"),
        ("in an hour and a half", "Wed 2026-05-13 11:45", ""),
        ("in half an hour: tea", "Wed 2026-05-13 10:45", "tea"),
        ("in 2 weeks", "Wed 2026-05-27 10:15", ""),
        ("in 3 days at 10am", "Sat 2026-05-16 10:00", ""),
        ("tomorrow 9am stand-up", "Thu 2026-05-14 09:00", "stand-up"),
        ("tomorrow at 6pm call mom", "Thu 2026-05-14 18:00", "call mom"),
        ("tomorrow", "Thu 2026-05-14 09:00", ""),
        ("tomorrow evening", "Thu 2026-05-14 19:00", ""),
        ("at 2026-12-01 09:00 renew the domain", "Tue 2026-12-01 09:00", "renew the domain"),
        ("2026-12-01T09:00 renew", "Tue 2026-12-01 09:00", "renew"),
        ("at 18:30", "Wed 2026-05-13 18:30", ""),
        ("at 09:00", "Thu 2026-05-14 09:00", ""),  # already past today: tomorrow
        ("at 3", "Wed 2026-05-13 15:00", ""),  # next of 03:00 and 15:00
        ("at 9pm", "Wed 2026-05-13 21:00", ""),
        ("at noon", "Wed 2026-05-13 12:00", ""),
        ("at midnight", "Thu 2026-05-14 00:00", ""),
        ("next monday 10:00", "Mon 2026-05-18 10:00", ""),
        ("monday", "Mon 2026-05-18 09:00", ""),
        ("wednesday 5pm", "Wed 2026-05-13 17:00", ""),  # today, still ahead
        ("wednesday 9am", "Wed 2026-05-20 09:00", ""),  # today's has passed: next week
        ("next wednesday at 9am", "Wed 2026-05-20 09:00", ""),
        ("on friday at 5pm drinks", "Fri 2026-05-15 17:00", "drinks"),
        ("9am tomorrow", "Thu 2026-05-14 09:00", ""),
        ("tonight at 8", "Wed 2026-05-13 20:00", ""),
        ("dec 25 9:00", "Fri 2026-12-25 09:00", ""),
        ("1st of june", "Mon 2026-06-01 09:00", ""),
        ("may 1", "Sat 2027-05-01 09:00", ""),  # passed this year: next year
        ("remind me to call mom tomorrow at 6pm", "Thu 2026-05-14 18:00", "call mom"),
        ("check the PR in 2h", "Wed 2026-05-13 12:15", "check the PR"),
        ("send the report by tomorrow 5pm", "Thu 2026-05-14 17:00", "send the report"),
        ("Remind me in 10 MINUTES to stretch", "Wed 2026-05-13 10:25", "stretch"),
        # Chinese
        ("2小时后", "Wed 2026-05-13 12:15", ""),
        ("30分钟后 喝水", "Wed 2026-05-13 10:45", "喝水"),
        ("三天后", "Sat 2026-05-16 10:15", ""),
        ("两个星期后", "Wed 2026-05-27 10:15", ""),
        ("一个半小时后", "Wed 2026-05-13 11:45", ""),
        ("半小时后开会", "Wed 2026-05-13 10:45", "开会"),
        ("1天3小时后", "Thu 2026-05-14 13:15", ""),
        ("过两小时", "Wed 2026-05-13 12:15", ""),
        ("明天上午9点", "Thu 2026-05-14 09:00", ""),
        ("明天下午3点半 开会", "Thu 2026-05-14 15:30", "开会"),
        ("明天下午三点一刻", "Thu 2026-05-14 15:15", ""),
        ("明晚8点", "Thu 2026-05-14 20:00", ""),
        ("明天晚上12点", "Fri 2026-05-15 00:00", ""),
        ("后天早上7点半", "Fri 2026-05-15 07:30", ""),
        ("下周一 10:00", "Mon 2026-05-18 10:00", ""),
        ("下周日 下午3点", "Sun 2026-05-24 15:00", ""),  # Sunday of NEXT calendar week
        ("周五 18:00", "Fri 2026-05-15 18:00", ""),
        ("星期天上午十点", "Sun 2026-05-17 10:00", ""),
        ("2026-12-01 09:00", "Tue 2026-12-01 09:00", ""),
        ("2026年12月1日 上午9点", "Tue 2026-12-01 09:00", ""),
        ("12月1日 9点", "Tue 2026-12-01 09:00", ""),
        ("3点开会", "Wed 2026-05-13 15:00", "开会"),
        ("3点三个人开会", "Wed 2026-05-13 15:00", "三个人开会"),  # 三 is not a minute
        ("十点十五分", "Wed 2026-05-13 22:15", ""),
        ("提醒我明天上午9点开会", "Thu 2026-05-14 09:00", "开会"),
        ("明天9点提醒我交报告", "Thu 2026-05-14 09:00", "交报告"),
        ("今晚8点 看直播", "Wed 2026-05-13 20:00", "看直播"),
        ("凌晨2点", "Thu 2026-05-14 02:00", ""),
        ("１０分钟后", "Wed 2026-05-13 10:25", ""),  # full-width digits
        ("明天下午3點半", "Thu 2026-05-14 15:30", ""),  # traditional characters
    ],
)
def test_examples(text: str, expected: str, rest: str) -> None:
    result = when(text)
    assert local(result) == expected
    assert result.rest == rest


@pytest.mark.parametrize(
    ("text", "code", "fields"),
    [
        ("remind me at 25:99", "hour_range", {"hour": 25, "max": 23}),
        ("at 18:75 call", "minute_range", {"minute": 75}),
        ("at 13pm", "hour_range", {"hour": 13, "max": 12}),
        ("today 8am", "past", {"when": "2026-05-13 08:00"}),
        ("at 2020-01-01 10:00", "past", {"when": "2020-01-01 10:00"}),
        ("上周一", "past", {"when": "2026-05-04 09:00"}),
        ("2026-02-30 09:00", "invalid_date", {"date": "2026-02-30"}),
        ("in 0 minutes", "zero_duration", {}),
        ("in 50 years", "too_far", {"days": MAX_AHEAD.days}),
        ("hello world", "unrecognised", {}),
        ("", "empty", {}),
        ("remind me", "empty", {}),
        ("25点", "hour_range", {"hour": 25, "max": 23}),
    ],
)
def test_errors_are_values_with_reason_and_example(text: str, code: str,
                                                   fields: dict[str, object]) -> None:
    result = parse_when(text, NOW, BERLIN)
    assert isinstance(result, TimeError), result
    assert result.code == code and result.code in ERROR_CODES
    assert result.key == f"time.{code}"
    assert dict(result.fields) == fields
    assert result.example
    example_result = parse_schedule(result.example, NOW, BERLIN)
    assert not isinstance(example_result, TimeError), (result.example, example_result)


def test_error_example_is_in_the_members_language() -> None:
    zh = parse_when("明天25点", NOW, BERLIN)
    en = parse_when("tomorrow at 25:00", NOW, BERLIN)
    assert isinstance(zh, TimeError) and isinstance(en, TimeError)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.example)
    assert zh.example != en.example


def test_unknown_time_zone_is_an_error_value() -> None:
    result = parse_when("in 2h", NOW, "Mars/Olympus")
    assert isinstance(result, TimeError) and result.code == "unknown_timezone"
    assert result.fields == {"timezone": "Mars/Olympus"}


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("in 2h", datetime(2026, 1, 1), BERLIN)


def test_time_zone_decides_the_wall_clock() -> None:
    utc_now = datetime(2026, 5, 13, 8, 15, tzinfo=UTC)
    berlin = when("tomorrow 9am", utc_now, BERLIN)
    shanghai = when("明天上午9点", utc_now, SHANGHAI)
    assert berlin.due_at == datetime(2026, 5, 14, 7, 0, tzinfo=UTC)
    assert shanghai.due_at == datetime(2026, 5, 14, 1, 0, tzinfo=UTC)


# -- DST ------------------------------------------------------------------------------------


def test_days_keep_the_wall_clock_hours_are_elapsed_across_spring_forward() -> None:
    now = datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)  # the day before the change
    assert when("in 1 day", now).local.strftime("%m-%d %H:%M %Z") == "03-29 09:00 CEST"
    assert when("in 1 day", now).due_at - now == timedelta(hours=23)
    assert when("in 24 hours", now).local.strftime("%m-%d %H:%M") == "03-29 10:00"


def test_wall_time_in_the_spring_forward_gap_means_when_the_clocks_jump() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    result = when("tomorrow 2:30", now)  # 02:30 does not exist on 2026-03-29
    assert result.due_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert result.local.strftime("%H:%M %Z") == "03:00 CEST"


def test_ambiguous_wall_time_on_fall_back_takes_the_first() -> None:
    now = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    result = when("tomorrow 2:30", now)
    assert result.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_new_york_next_monday_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 6, 12, 0, tzinfo=ny)  # Friday, EST
    result = when("next monday 10:00", now, ny)
    assert result.due_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 10:00 EDT


# -- recurrence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cron", "rest"),
    [
        ("every monday 10:00 weekly sync", "0 10 * * mon", "weekly sync"),
        ("every day 09:00", "0 9 * * *", ""),
        ("daily standup", "0 9 * * *", "standup"),
        ("every weekday at 9am standup", "0 9 * * mon-fri", "standup"),
        ("every mon, wed and fri at 18:30 gym", "30 18 * * mon,wed,fri", "gym"),
        ("every weekend at 10am", "0 10 * * sat,sun", ""),
        ("every month on the 1st 9:00 invoices", "0 9 1 * *", "invoices"),
        ("every hour", "0 * * * *", ""),
        ("every 15 minutes", "*/15 * * * *", ""),
        ("every 2 hours", "0 */2 * * *", ""),
        ("weekly sync every monday 10:00", "0 10 * * mon", "weekly sync"),
        ("每周一 10:00 周会", "0 10 * * mon", "周会"),
        ("每天 9:00", "0 9 * * *", ""),
        ("每天早上8点 打卡", "0 8 * * *", "打卡"),
        ("每周一三五 晚上8点", "0 20 * * mon,wed,fri", ""),
        ("每周一、周三 10点", "0 10 * * mon,wed", ""),
        ("每个工作日 9点半", "30 9 * * mon-fri", ""),
        ("每月15号 上午10点", "0 10 15 * *", ""),
        ("每隔30分钟", "*/30 * * * *", ""),
    ],
)
def test_recurrence_examples(text: str, cron: str, rest: str) -> None:
    result = parse_recurrence(text)
    assert isinstance(result, RecurrenceParsed), result
    assert result.cron.expression == cron
    assert result.rest == rest


@pytest.mark.parametrize(
    ("text", "code"),
    [("every 7 minutes", "interval_unsupported"), ("every day at 24:00", "hour_range"),
     ("every month on the 32nd", "invalid_date"), ("weekly sync", "unrecognised"),
     ("", "empty")],
)
def test_recurrence_errors(text: str, code: str) -> None:
    result = parse_recurrence(text)
    assert isinstance(result, TimeError) and result.code == code


def test_parse_schedule_prefers_recurrence_then_one_off() -> None:
    assert isinstance(parse_schedule("every monday 10:00 sync", NOW, BERLIN), RecurrenceParsed)
    once = parse_schedule("tomorrow 9am launch", NOW, BERLIN)
    assert isinstance(once, WhenParsed) and once.rest == "launch"
    bad = parse_schedule("every 7 minutes ping", NOW, BERLIN)
    assert isinstance(bad, TimeError) and bad.code == "interval_unsupported"


# -- Chinese numerals ------------------------------------------------------------------------

_CN = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Reference conversion, written independently of the parser."""
    if n == 0:
        return "零"

    def block(x: int) -> str:
        out, pending_zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = x // value % 10
            if digit == 0:
                pending_zero = pending_zero or bool(out)
                continue
            if pending_zero:
                out += "零"
                pending_zero = False
            out += _CN[digit] + unit
        return out

    high, low = divmod(n, 10_000)
    text = block(high) + "万" if high else ""
    if low:
        text += ("零" if high and low < 1000 else "") + block(low)
    return text[1:] if text.startswith("一十") else text


@given(st.integers(0, 99_999_999))
@example(10)
@example(15)
@example(20)
@example(105)
@example(10_005)
@example(100_000)
def test_chinese_numerals_round_trip(n: int) -> None:
    assert zh_number(to_chinese(n)) == n
    assert zh_number(str(n)) == n


@pytest.mark.parametrize("bad", ["十十", "百", "五五十", "千百", "", "abc"])
def test_malformed_chinese_numerals(bad: str) -> None:
    assert zh_number(bad) is None


# -- properties ------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Sydney",
         "America/Santiago", "Asia/Kolkata", "UTC"]
nows = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31),
                    timezones=st.just(UTC))
zones = st.sampled_from(ZONES).map(ZoneInfo)

FRAGMENTS = [
    "in", "at", "on", "every", "next", "tomorrow", "today", "tonight", "morning", "evening",
    "monday", "fri", "sunday", "2h", "30m", "90 minutes", "1 day", "3 hours", "and", "half",
    "an hour", "a", "9am", "12pm", "12am", "0am", "18:30", "25:99", "00:00", "23:59", "3",
    "noon", "midnight", "2026-12-01", "2031-02-29", "1999-01-01", "dec 25", "31st of april",
    "remind me", "to", "check the PR", ",", "明天", "后天", "今晚", "上午", "下午", "晚上",
    "凌晨", "中午", "9点", "3点半", "十二点", "二十五点", "一刻", "下周一", "本周日", "上周三",
    "周五", "2小时后", "三天后", "半小时后", "个", "月", "12月1日", "2月30日", "每天", "每周一",
    "提醒我", "开会", "0", "99999", "1.5", "weeks", "later", "后", "过",
]


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=60), now=nows, tz=zones)
@example(text="at 25:99", now=datetime(2026, 1, 1, tzinfo=UTC), tz=ZoneInfo("UTC"))
@example(text="in 99999999999999999999 years", now=datetime(2026, 1, 1, tzinfo=UTC),
         tz=ZoneInfo("UTC"))
def test_never_raises_on_arbitrary_text(text: str, now: datetime, tz: ZoneInfo) -> None:
    result = parse_when(text, now, tz)
    _check(result, now)
    assert isinstance(parse_recurrence(text), RecurrenceParsed | TimeError)


@settings(max_examples=600, deadline=None)
@given(words=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
       joiner=st.sampled_from([" ", ""]), now=nows, tz=zones)
def test_accepted_times_are_always_in_the_future(words: list[str], joiner: str,
                                                 now: datetime, tz: ZoneInfo) -> None:
    text = joiner.join(words)
    _check(parse_when(text, now, tz), now)
    _check(parse_schedule(text, now, tz), now)


def _check(result: object, now: datetime) -> None:
    assert isinstance(result, WhenParsed | RecurrenceParsed | TimeError)
    if isinstance(result, WhenParsed):
        assert result.due_at > now
        assert result.due_at - now <= MAX_AHEAD
        assert result.due_at.tzinfo is UTC
    elif isinstance(result, TimeError):
        assert result.code in ERROR_CODES and result.example


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 500_000), unit=st.sampled_from(
    [("minutes", 60), ("min", 60), ("m", 60), ("seconds", 1), ("hours", 3600), ("h", 3600),
     ("分钟后", 60), ("小时后", 3600), ("秒后", 1)]), now=nows, tz=zones)
def test_elapsed_durations_are_exact(n: int, unit: tuple[str, int], now: datetime,
                                     tz: ZoneInfo) -> None:
    word, seconds = unit
    text = f"{n}{word}" if not word.isascii() else f"in {n} {word}"
    assume(n * seconds <= MAX_AHEAD.total_seconds())
    assert when(text, now, tz).due_at == now + timedelta(seconds=n * seconds)


@settings(max_examples=300, deadline=None)
@given(hour=st.integers(0, 23), minute=st.integers(0, 59), now=nows, tz=zones)
def test_clock_time_is_the_next_such_wall_time(hour: int, minute: int, now: datetime,
                                               tz: ZoneInfo) -> None:
    result = when(f"at {hour:02d}:{minute:02d}", now, tz)
    assert result.due_at - now <= timedelta(hours=26)
    wall = result.local
    if (wall.hour, wall.minute) != (hour, minute):  # only allowed when that time did not exist
        intended = datetime.combine(wall.date(), time(hour, minute))
        roundtrip = intended.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
        assert roundtrip.replace(tzinfo=None) != intended


@settings(max_examples=100, deadline=None)
@given(day=st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday",
                            "saturday", "sunday"]), hour=st.integers(0, 23),
       minute=st.integers(0, 59))
def test_every_weekday_recurrence(day: str, hour: int, minute: int) -> None:
    result = parse_recurrence(f"every {day} at {hour}:{minute:02d} sync")
    assert isinstance(result, RecurrenceParsed)
    assert result.cron.expression == f"{minute} {hour} * * {day[:3]}"
    assert result.rest == "sync"
