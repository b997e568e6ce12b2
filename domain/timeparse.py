"""Reading the times members type: "in 2h", "tomorrow 9am", "明天下午3点半", "every monday 10:00".

Why a hand-written parser: the expressions are a small, well-known language in two languages,
the result must be exact and explainable (the member is shown the time we understood), and
``domain/`` stays stdlib-only. Everything is relative to a passed-in ``now`` and time zone, so
the same text always gives the same answer in tests and in the bot.

The rules, so that answers are predictable:

- The time expression is read at the start of the text ("in 2h check the PR") or, failing
  that, at its end ("check the PR in 2h"); a leading "remind me (to)" / "提醒我" is ignored.
  What is left is ``rest`` (the reminder text).
- Durations count hours, minutes and seconds as elapsed time; days, weeks, months and years
  move the calendar date in the member's time zone, keeping the wall-clock time ("in 1 day"
  at 09:00 is 09:00 tomorrow even across a DST change).
- A time of day without a date ("at 18:30", "9点") is the next such time: later today, else
  tomorrow. A bare hour 1–11 without am/pm or period ("at 3", "3点") is the next of 03:00 and
  15:00. A bare weekday is the next such day (today if the time is still ahead). An explicit
  date in the past ("today 8am" at noon, "2020-01-01") is an error, never silently moved.
- "next monday" is the first Monday after today; "下周一" is Monday of next calendar week
  (weeks start on Monday), which is what Chinese speakers mean by it.
- A date without a time means 09:00, or the period's default (morning 09:00, noon 12:00,
  afternoon 15:00, evening 19:00, night/tonight 20:00).
- Wall-clock times that do not exist (DST gap) mean the moment the clocks jump; ambiguous
  ones (DST fall-back) take the first occurrence (``domain.schedule.wall_time_to_utc``, the
  rule recurring schedules and quiet hours use too).
- Errors are values (:class:`TimeError`) carrying a catalogue key ``time.<code>``, the fields
  for the message and an example in the member's language. The parser never raises on text.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from domain.schedule import wall_time_to_utc

MAX_AHEAD = timedelta(days=3660)
"""Default limit for how far ahead a reminder may be set (about ten years)."""

DEFAULT_HOUR = 9
PERIOD_DEFAULT_HOUR = {
    "early": 6,
    "morning": 9,
    "noon": 12,
    "afternoon": 15,
    "evening": 19,
    "night": 20,
}

ERROR_CODES = (
    "empty",  # nothing to read
    "unrecognised",  # no time expression found
    "hour_range",  # {hour}, {max}
    "minute_range",  # {minute}
    "invalid_date",  # {date}
    "past",  # {when}: local time that has already passed
    "zero_duration",  # "in 0 minutes"
    "too_far",  # {days}: more than max_ahead ahead
    "unknown_timezone",  # {timezone}
    "interval_unsupported",  # {interval}: "every 7 minutes" does not divide the hour
)

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class WhenParsed:
    """A one-off time: ``due_at`` (aware UTC, strictly after ``now``) and the remaining text."""

    due_at: datetime
    local: datetime
    rest: str
    matched: str


@dataclass(frozen=True, slots=True)
class CronSpec:
    """Five crontab fields; weekdays are names (``mon``) so no numbering convention applies."""

    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str

    @property
    def expression(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"

    def __str__(self) -> str:
        return self.expression


@dataclass(frozen=True, slots=True)
class RecurrenceParsed:
    """A recurring schedule ("every monday 10:00") and the remaining text."""

    cron: CronSpec
    rest: str
    matched: str


@dataclass(frozen=True, slots=True)
class TimeError:
    """Why a time could not be used, as data for the catalogue message ``time.<code>``.

    ``fields`` fill the message placeholders; ``example`` is a working expression in the
    member's language to show next to the error.
    """

    code: str
    example: str
    fields: Mapping[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"time.{self.code}"

    @property
    def detail(self) -> str:
        """One line for logs and test failures (members get the catalogue text)."""
        extra = ", ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"{self.code}({extra})" if extra else self.code


# --------------------------------------------------------------------------------------------
# Chinese numerals

_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
ZH_NUM = "[0-9零〇一二两三四五六七八九十百千万]+"


def zh_number(text: str) -> int | None:
    """Value of a Chinese (or ASCII, or mixed) numeral below 10^8; ``None`` if malformed.

    Handles positional forms ("二零二六", "12"), unit forms ("十五", "二十", "一百零五",
    "两千", "三万五千") and "零" fillers.
    """
    if not text or len(text) > 16:
        return None
    digits: list[int] = []
    for ch in text:
        if "0" <= ch <= "9":
            digits.append(ord(ch) - 48)
        elif ch in _ZH_DIGITS:
            digits.append(_ZH_DIGITS[ch])
        elif ch in _ZH_UNITS:
            digits.append(-_ZH_UNITS[ch])
        else:
            return None
    if all(d >= 0 for d in digits):
        value = 0
        for d in digits:
            value = value * 10 + d
        return value
    total = section = 0
    number: int | None = None
    last_unit = 10**9
    for d in digits:
        if d >= 0:
            if number is not None and number != 0 and d != 0:
                return None  # two digits in a row inside a unit numeral ("十五五")
            number = d
            continue
        unit = -d
        if unit == 10_000:
            if section == 0 and number is None:
                return None
            total += (section + (number or 0)) * 10_000
            section, number, last_unit = 0, None, 10**9
            continue
        if unit >= last_unit:
            return None  # "十百": units must descend
        if number is None:
            if unit != 10 or section != 0:
                return None  # only a leading 十 may omit its digit
            number = 1
        section += number * unit
        number, last_unit = None, unit
    result = total + section + (number or 0)
    return result if result < 10**8 else None


# --------------------------------------------------------------------------------------------
# Normalisation: a lower-cased, NFKC, simplified-Chinese view with a map back to the input

_TRAD = str.maketrans({
    "點": "点", "時": "时", "後": "后", "週": "周", "鐘": "钟", "個": "个", "號": "号",
    "禮": "礼", "兩": "两", "頭": "头", "間": "间", "過": "过", "裡": "里", "與": "与",
})


@dataclass(slots=True)
class _Doc:
    original: str
    norm: str
    origin: list[int]

    def slice_original(self, start: int, end: int) -> str:
        return self.original[self.origin[start]:self.origin[end]]


def _normalise(text: str) -> _Doc:
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(_TRAD).lower():
            chars.append(" " if c.isspace() else c)
            origin.append(i)
    origin.append(len(text))
    return _Doc(text, "".join(chars), origin)


_CJK = re.compile(r"[\u3400-\u9fff]")


def _lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


# --------------------------------------------------------------------------------------------
# Grammar pieces (all applied to the normalised text at a position)

_EN_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "a couple of": 2,
    "a couple": 2, "couple of": 2,
}
_EN_NUMBER_ALT = "|".join(
    re.escape(w).replace(r"\ ", r"\s+")
    for w in sorted(_EN_NUMBER_WORDS, key=len, reverse=True)
)
_EN_UNITS = {
    "seconds": "s", "second": "s", "secs": "s", "sec": "s", "s": "s",
    "minutes": "min", "minute": "min", "mins": "min", "min": "min", "m": "min",
    "hours": "h", "hour": "h", "hrs": "h", "hr": "h", "h": "h",
    "days": "d", "day": "d", "d": "d",
    "weeks": "w", "week": "w", "wks": "w", "wk": "w", "w": "w",
    "months": "mo", "month": "mo", "mos": "mo", "mo": "mo",
    "years": "y", "year": "y", "yrs": "y", "yr": "y", "y": "y",
}
_EN_UNIT_ALT = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
_ZH_UNITS_MAP = {
    "秒钟": "s", "秒": "s", "分钟": "min", "分": "min", "小时": "h", "钟头": "h",
    "天": "d", "日": "d", "周": "w", "星期": "w", "礼拜": "w", "月": "mo", "年": "y",
}
_ZH_UNIT_ALT = "|".join(sorted(_ZH_UNITS_MAP, key=len, reverse=True))

_WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
_WEEKDAY_EN_ALT = "|".join(sorted(_WEEKDAYS_EN, key=len, reverse=True))
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_MONTH_EN_ALT = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))

_NB = r"(?![a-z0-9])"  # an English word ends here

_RE_PREFIX = re.compile(
    r"\s*(?:(?:please\s+|pls\s+)?remind\s+(?:me|us|everyone|all)\b\s*(?:to\s+|that\s+)?"
    r"|请?提醒(?:我们|我|大家)?\s*|叫我\s*)?"
)
_RE_CONNECT_DATE = re.compile(r"(?:on|at|by|before|@|在|于)\s*|(?=[0-9])")
_RE_CONNECT_TIME = re.compile(r"\s*(?:,\s*)?(?:at|@|在|于)\s*")
_RE_SEP = re.compile(r"\s*,?\s*")
_RE_ON = re.compile(r"(?:on|在)\s*")

# relative, English
_RE_EN_IN = re.compile(r"(?:in|after|within)\s+")
_RE_EN_DUR = re.compile(rf"([0-9]+(?:\.[0-9]+)?|{_EN_NUMBER_ALT})\s*({_EN_UNIT_ALT})(?![a-z])")
_RE_EN_HALF = re.compile(rf"(?:half\s+an?|a\s+half)\s+({_EN_UNIT_ALT})(?![a-z])")
_RE_EN_AND_HALF = re.compile(rf"\s+and\s+a\s+half{_NB}")
_RE_EN_DUR_SEP = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)?")
_RE_EN_NEXT_UNIT = re.compile(rf"next\s+(week|month|year){_NB}")
# relative, Chinese
_RE_ZH_PRE = re.compile(r"(?:再过|过)\s*")
_RE_ZH_DUR = re.compile(
    rf"(?:({ZH_NUM})\s*(个)?\s*(半)?|(半)\s*(个)?)\s*({_ZH_UNIT_ALT})(半)?"
)
_RE_ZH_AFTER = re.compile(r"\s*(?:以后|之后|过后|后)")
_RE_ZH_NEXT_UNIT = re.compile(r"(下个?月|下周|下星期|下礼拜|明年)(?![一二三四五六日天1-7])")

# dates
_RE_EN_DAYWORD = re.compile(
    rf"(the\s+day\s+after\s+tomorrow|day\s+after\s+tomorrow|tomorrow|tmrw|tmr|tmw|today"
    rf"|tonight|tonite){_NB}"
)
_RE_EN_WEEKDAY = re.compile(rf"(?:(next|this|coming|on)\s+)?({_WEEKDAY_EN_ALT}){_NB}")
_RE_ISO = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})(?![0-9])\s*[日号]?"
    r"(?:t(?=[0-9]))?"
)
_RE_EN_MONTH_DAY = re.compile(
    rf"(?:({_MONTH_EN_ALT})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?"
    rf"|([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_EN_ALT})\.?)"
    rf"(?:,?\s*([0-9]{{4}}))?{_NB}"
)
_RE_ZH_MONTH_DAY = re.compile(rf"({ZH_NUM})\s*月\s*({ZH_NUM})\s*[日号]")
_ZH_DAYWORDS = {
    "大后天": (3, None), "后天": (2, None), "明天": (1, None), "明日": (1, None),
    "明儿": (1, None), "今天": (0, None), "今日": (0, None), "今儿": (0, None),
    "今早": (0, "morning"), "今晚": (0, "night"), "今夜": (0, "night"),
    "明早": (1, "morning"), "明晨": (1, "morning"), "明晚": (1, "night"), "明夜": (1, "night"),
}
_RE_ZH_DAYWORD = re.compile("|".join(sorted(_ZH_DAYWORDS, key=len, reverse=True)))
_ZH_WEEKDAY_CHAR = r"(?:[一二三四五六日天](?![点时])|[1-7](?![0-9:.点时]))"
_RE_ZH_WEEKDAY = re.compile(
    rf"(下下个?|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜)({_ZH_WEEKDAY_CHAR})"
)

# periods
_EN_PERIODS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening",
               "night": "night", "noon": "noon"}
_RE_EN_PERIOD = re.compile(
    rf"(?:in\s+the\s+|this\s+|at\s+)?(morning|afternoon|evening|night){_NB}"
)
_ZH_PERIODS = {
    "凌晨": "early", "半夜": "night", "清晨": "morning", "早上": "morning", "早晨": "morning",
    "上午": "morning", "中午": "noon", "午间": "noon", "下午": "afternoon", "傍晚": "evening",
    "晚上": "night", "晚间": "night", "夜里": "night", "夜间": "night", "早": "morning",
    "晚": "night",
}
_RE_ZH_PERIOD = re.compile("|".join(sorted(_ZH_PERIODS, key=len, reverse=True)))

# clock times
_RE_COLON = re.compile(
    r"([0-9]{1,2})\s*:\s*([0-9]{2})(?::([0-9]{2}))?(?![0-9:])"
    r"(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z]))?"
)
_RE_AMPM = re.compile(r"([0-9]{1,2})(?:\.([0-9]{2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])")
_RE_OCLOCK = re.compile(rf"([0-9]{{1,2}})\s*o'?\s*clock{_NB}")
_RE_CLOCK_WORD = re.compile(rf"(noon|midday|midnight){_NB}")
_RE_BARE_HOUR = re.compile(r"([0-9]{1,2})(?![0-9:.])(?!\s*[a-z])")
_RE_ZH_CLOCK = re.compile(
    rf"({ZH_NUM})\s*(?:点钟|点|时)"
    rf"(?:\s*(半)|\s*(一刻)|\s*(三刻)|\s*(整)|\s*([0-9]{{1,2}})\s*分?"
    rf"|\s*({ZH_NUM})\s*(分)|\s*((?:[零〇]|[一二三四五]?十)[一二三四五六七八九]?)(?![个天周月年人]))?"
)

# recurrence
_RE_EN_REC_SIMPLE = re.compile(
    rf"(every\s*day|everyday|daily|each\s+day|every\s+weekday|weekdays|every\s+workday"
    rf"|every\s+weekend\s+day|every\s+weekend|weekends|every\s+hour|hourly|each\s+hour){_NB}"
)
_RE_EN_REC_WEEKDAYS = re.compile(
    rf"(?:every|each|weekly\s+on|on)\s+((?:{_WEEKDAY_EN_ALT})s?"
    rf"(?:\s*(?:,|/|&|and|,\s*and)\s*(?:{_WEEKDAY_EN_ALT})s?)*){_NB}"
)
_RE_EN_REC_MONTHDAY = re.compile(
    rf"(?:(?:every|each)\s+month\s+on\s+the|monthly\s+on\s+the|on\s+the)\s+([0-9]{{1,2}})"
    rf"(?:st|nd|rd|th)?(?:\s+of\s+(?:every|each|the)\s+month)?{_NB}"
    rf"|(?:every|each)\s+([0-9]{{1,2}})(?:st|nd|rd|th)?\s+of\s+(?:the|every|each)\s+month{_NB}"
)
_RE_EN_REC_INTERVAL = re.compile(
    rf"(?:every|each)\s+([0-9]{{1,3}})\s*(minutes?|mins?|m|hours?|hrs?|h){_NB}"
)
_RE_ZH_REC_SIMPLE = re.compile(
    r"(每天|每日|天天|每个?工作日|工作日每天|每个?周末|每小时|每个小时)"
)
_RE_ZH_REC_WEEKDAYS = re.compile(
    rf"(?:每个?|每逢)(?:周|星期|礼拜)({_ZH_WEEKDAY_CHAR}(?:\s*[、,和及与/]?\s*(?:周|星期|礼拜)?"
    rf"{_ZH_WEEKDAY_CHAR})*)"
)
_RE_ZH_REC_MONTHDAY = re.compile(rf"每个?月\s*({ZH_NUM})\s*[号日]")
_RE_ZH_REC_INTERVAL = re.compile(rf"每隔?\s*({ZH_NUM})\s*个?\s*(分钟|小时)")

_RE_TRAILING = re.compile(r"[\s.,!?;:。，！？；：…~、)）\]]*")
_RE_REST_LEAD = re.compile(
    r"[\s,:;，：；、\-–—]*(?:(?:to|that)\s+|提醒我们|提醒我|提醒大家|叫我|提醒)?[\s,:;，：；、\-–—]*"
)


# --------------------------------------------------------------------------------------------
# Intermediate specs


@dataclass(slots=True)
class _Clock:
    hour: int
    minute: int = 0
    second: int = 0
    ampm: str | None = None
    word: str | None = None  # "noon" / "midnight"
    bare: bool = False  # "at 3", "3点": 12-hour reading allowed when no date is given


@dataclass(slots=True)
class _Rel:
    months: int = 0
    days: int = 0
    seconds: float = 0.0
    clock: _Clock | None = None
    period: str | None = None


@dataclass(slots=True)
class _Abs:
    day_offset: int | None = None
    weekday: tuple[int, str] | None = None
    ymd: tuple[int | None, int, int] | None = None
    period: str | None = None
    clock: _Clock | None = None


_Spec = _Rel | _Abs
_Found = tuple[int, _Spec]


def _err(code: str, lang: str, example: str | None = None, **fields: object) -> TimeError:
    return TimeError(code, example or _EXAMPLES[lang]["when"], dict(fields))


_EXAMPLES = {
    "en": {"when": "in 2h check the PR", "clock": "at 18:30", "every": "every monday 10:00"},
    "zh": {"when": "2小时后 检查PR", "clock": "下午3点半", "every": "每周一 10:00"},
}


# --------------------------------------------------------------------------------------------
# Matchers: each returns (end, spec), a TimeError for a recognisable but invalid expression,
# or None.


def _clock_at(s: str, pos: int, lang: str, *,
              allow_bare: bool) -> tuple[int, _Clock] | TimeError | None:
    m = _RE_COLON.match(s, pos)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        second = int(m.group(3) or 0)
        ampm = _ampm(m.group(4))
        bad = _check_clock(hour, minute, ampm, lang) or (
            _err("minute_range", lang, _EXAMPLES[lang]["clock"], minute=second)
            if second > 59 else None)
        return bad or (m.end(), _Clock(hour, minute, second, ampm))
    m = _RE_AMPM.match(s, pos)
    if m:
        hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), _ampm(m.group(3))
        return _check_clock(hour, minute, ampm, lang) or (m.end(), _Clock(hour, minute, 0, ampm))
    m = _RE_OCLOCK.match(s, pos)
    if m:
        hour = int(m.group(1))
        return _check_clock(hour, 0, None, lang) or (m.end(), _Clock(hour, bare=True))
    m = _RE_CLOCK_WORD.match(s, pos)
    if m:
        word = "midnight" if m.group(1) == "midnight" else "noon"
        return m.end(), _Clock(0 if word == "midnight" else 12, word=word)
    m = _RE_ZH_CLOCK.match(s, pos)
    if m:
        hour = zh_number(m.group(1))
        if hour is None:
            return None
        minute = 0
        if m.group(2):
            minute = 30
        elif m.group(3):
            minute = 15
        elif m.group(4):
            minute = 45
        elif m.group(6):
            minute = int(m.group(6))
        elif m.group(7):
            minute = zh_number(m.group(7)) if m.group(7) else 0
        elif m.group(9):
            minute = zh_number(m.group(9))
        if minute is None:
            return None
        bad = _check_clock(hour, minute, None, "zh")
        return bad or (m.end(), _Clock(hour, minute, bare=True))
    if allow_bare:
        m = _RE_BARE_HOUR.match(s, pos)
        if m:
            hour = int(m.group(1))
            return _check_clock(hour, 0, None, lang) or (m.end(), _Clock(hour, bare=True))
    return None


def _ampm(token: str | None) -> str | None:
    if not token:
        return None
    return "am" if token.startswith("a") else "pm"


def _check_clock(hour: int, minute: int, ampm: str | None, lang: str) -> TimeError | None:
    top = 12 if ampm else 23
    if hour > top or (ampm and hour == 0):
        return _err("hour_range", lang, _EXAMPLES[lang]["clock"], hour=hour, max=top)
    if minute > 59:
        return _err("minute_range", lang, _EXAMPLES[lang]["clock"], minute=minute)
    return None


def _relative_at(s: str, pos: int, lang: str) -> _Found | TimeError | None:
    return _relative_en(s, pos, lang) or _relative_zh(s, pos)


def _relative_en(s: str, pos: int, lang: str) -> _Found | TimeError | None:
    m = _RE_EN_NEXT_UNIT.match(s, pos)
    if m:
        unit = {"week": "w", "month": "mo", "year": "y"}[m.group(1)]
        rel = _Rel()
        _add_unit(rel, unit, 1.0)
        return _rel_clock_tail(s, m.end(), rel, lang)
    p = pos
    m = _RE_EN_IN.match(s, p)
    if m:
        p = m.end()
    rel = _Rel()
    count = 0
    while True:
        q = p
        if count:
            sep = _RE_EN_DUR_SEP.match(s, q)
            q = sep.end() if sep else q
        item = _RE_EN_HALF.match(s, q)
        if item:
            _add_unit(rel, _EN_UNITS[item.group(1)], 0.5)
        else:
            item = _RE_EN_DUR.match(s, q)
            if not item:
                break
            value = _en_number(item.group(1))
            if value is None:
                return _err("too_far", lang, days=MAX_AHEAD.days)
            unit = _EN_UNITS[item.group(2)]
            half = _RE_EN_AND_HALF.match(s, item.end())
            if half:
                value += 0.5
                item_end = half.end()
            else:
                item_end = item.end()
            _add_unit(rel, unit, value)
            count += 1
            p = item_end
            continue
        count += 1
        p = item.end()
    if count == 0:
        return None
    return _rel_clock_tail(s, p, rel, lang)


def _en_number(token: str) -> float | None:
    token = re.sub(r"\s+", " ", token)
    if token in _EN_NUMBER_WORDS:
        return float(_EN_NUMBER_WORDS[token])
    if len(token.split(".")[0]) > 9:
        return None
    return float(token)


def _rel_clock_tail(s: str, p: int, rel: _Rel, lang: str) -> _Found | TimeError:
    """``in 3 days at 10am``: a clock time after a whole-day duration sets the time of day."""
    if rel.seconds == 0 and (rel.days or rel.months):
        m = _RE_CONNECT_TIME.match(s, p)
        if m:
            clock = _clock_at(s, m.end(), lang, allow_bare=True)
            if isinstance(clock, TimeError):
                return clock
            if clock:
                rel.clock = clock[1]
                return clock[0], rel
        else:
            m = _RE_SEP.match(s, p)
            period_end, period = _period_at(s, m.end() if m else p)
            q = period_end if period else (m.end() if m else p)
            clock = _clock_at(s, _skip_ws(s, q), lang, allow_bare=False)
            if isinstance(clock, TimeError):
                return clock
            if clock:
                rel.clock, rel.period = clock[1], period
                return clock[0], rel
    return p, rel


def _add_unit(rel: _Rel, unit: str, value: float) -> None:
    whole = int(value)
    frac = value - whole
    if unit == "mo":
        rel.months += whole
        rel.seconds += frac * 30.4375 * 86400
    elif unit == "y":
        rel.months += whole * 12
        rel.seconds += frac * 365.25 * 86400
    elif unit == "w":
        rel.days += whole * 7
        rel.seconds += frac * 7 * 86400
    elif unit == "d":
        rel.days += whole
        rel.seconds += frac * 86400
    else:
        rel.seconds += value * {"h": 3600, "min": 60, "s": 1}[unit]


def _relative_zh(s: str, pos: int) -> _Found | TimeError | None:
    m = _RE_ZH_NEXT_UNIT.match(s, pos)
    if m:
        word = m.group(1)
        rel = _Rel()
        _add_unit(rel, "y" if word == "明年" else "mo" if "月" in word else "w", 1.0)
        return _rel_clock_tail(s, m.end(), rel, "zh")
    p = pos
    pre = _RE_ZH_PRE.match(s, p)
    if pre:
        p = pre.end()
    rel = _Rel()
    count = 0
    while True:
        item = _RE_ZH_DUR.match(s, _skip_ws(s, p) if count else p)
        if not item:
            break
        num, ge, half, half_only, _ge2, unit_word, half_after = item.groups()
        unit = _ZH_UNITS_MAP[unit_word]
        if half_only:
            value: float = 0.5
        else:
            n = zh_number(num)
            if n is None:
                return None
            if n > 10**9:
                return _err("too_far", "zh", days=MAX_AHEAD.days)
            value = n + (0.5 if half or half_after else 0)
        if unit == "mo" and not (ge or _ge2):
            break  # "3月" is March, not three months
        _add_unit(rel, unit, value)
        count += 1
        p = item.end()
    if count == 0:
        return None
    after = _RE_ZH_AFTER.match(s, p)
    if after:
        p = after.end()
    elif not pre:
        return None
    return p, rel


def _period_at(s: str, pos: int) -> tuple[int, str | None]:
    m = _RE_EN_PERIOD.match(s, pos)
    if m:
        return m.end(), _EN_PERIODS[m.group(1)]
    m = _RE_ZH_PERIOD.match(s, pos)
    if m:
        return m.end(), _ZH_PERIODS[m.group(0)]
    return pos, None


def _skip_ws(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] == " ":
        pos += 1
    return pos


def _date_at(s: str, pos: int, lang: str) -> tuple[int, _Abs] | TimeError | None:
    m = _RE_EN_DAYWORD.match(s, pos)
    if m:
        word = re.sub(r"\s+", " ", m.group(1))
        offset = {"today": 0, "tonight": 0, "tonite": 0}.get(word, 2 if "after" in word else 1)
        period = "night" if word in ("tonight", "tonite") else None
        return m.end(), _Abs(day_offset=offset, period=period)
    m = _RE_ZH_DAYWORD.match(s, pos)
    if m:
        offset, period = _ZH_DAYWORDS[m.group(0)]
        return m.end(), _Abs(day_offset=offset, period=period)
    m = _RE_ISO.match(s, pos)
    if m:
        return m.end(), _Abs(ymd=(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = _RE_EN_MONTH_DAY.match(s, pos)
    if m:
        month = _MONTHS_EN[m.group(1) or m.group(4)]
        day = int(m.group(2) or m.group(3))
        year = int(m.group(5)) if m.group(5) else None
        return m.end(), _Abs(ymd=(year, month, day))
    m = _RE_ZH_MONTH_DAY.match(s, pos)
    if m:
        month, day = zh_number(m.group(1)), zh_number(m.group(2))
        if month is None or day is None:
            return None
        return m.end(), _Abs(ymd=(None, month, day))
    m = _RE_EN_WEEKDAY.match(s, pos)
    if m:
        qualifier = m.group(1)
        mode = "next" if qualifier == "next" else "bare"
        return m.end(), _Abs(weekday=(_WEEKDAYS_EN[m.group(2)], mode))
    m = _RE_ZH_WEEKDAY.match(s, pos)
    if m:
        qualifier = (m.group(1) or "").rstrip("个")
        mode = {"下下": "week+2", "下": "week+1", "这": "week+0", "本": "week+0",
                "上": "week-1"}.get(qualifier, "bare")
        return m.end(), _Abs(weekday=(_WEEKDAYS_ZH[m.group(2)], mode))
    return None


def _absolute_at(s: str, pos: int, lang: str) -> _Found | TimeError | None:
    p = pos
    connector = _RE_CONNECT_DATE.match(s, p)
    explicit_at = False
    if connector and connector.end() > p:
        explicit_at = s[p] in "a@在于"
        p = connector.end()
    spec = _Abs()
    found_date = _date_at(s, p, lang)
    if isinstance(found_date, TimeError):
        return found_date
    if found_date:
        p, spec = found_date
        p = _RE_SEP.match(s, p).end()  # type: ignore[union-attr]
    period_end, period = _period_at(s, p)
    if period:
        spec.period = spec.period if spec.period and period == "night" else period
        p = _RE_SEP.match(s, period_end).end()  # type: ignore[union-attr]
    at = _RE_CONNECT_TIME.match(s, p)
    if at:
        q, explicit_at = at.end(), True
    else:
        q = p
    clock = _clock_at(s, q, lang, allow_bare=explicit_at)
    if isinstance(clock, TimeError):
        return clock
    if clock:
        p, spec.clock = clock
        if not found_date:
            # "9am tomorrow", "10:00 next monday", "下午3点 明天" (rare)
            tail = _RE_SEP.match(s, p)
            q = tail.end() if tail else p
            on = _RE_ON.match(s, q)
            later = _date_at(s, on.end() if on else q, lang)
            if later and not isinstance(later, TimeError):
                later_end, later_spec = later
                later_spec.clock, later_spec.period = spec.clock, spec.period or later_spec.period
                p, spec = later_end, later_spec
                found_date = later
    if not found_date and not spec.period and not spec.clock:
        return None
    return p, spec


def _match_when(s: str, pos: int, lang: str) -> _Found | TimeError | None:
    """The longest one-off time expression starting at ``pos``."""
    best: _Found | None = None
    error: TimeError | None = None
    for matcher in (_relative_at, _absolute_at):
        found = matcher(s, pos, lang)
        if isinstance(found, TimeError):
            error = error or found
        elif found and (best is None or found[0] > best[0]):
            best = found
    return best or error


# --------------------------------------------------------------------------------------------
# Resolution to an instant


def _zone(tz: tzinfo | str | None, lang: str) -> tzinfo | TimeError:
    if tz is None:
        return UTC
    if isinstance(tz, tzinfo):
        return tz
    try:
        return UTC if tz.upper() in ("UTC", "Z", "ETC/UTC") else ZoneInfo(tz)
    except (ValueError, KeyError, OSError, TypeError):
        return _err("unknown_timezone", lang, timezone=tz)


def _to_utc(day: date, clock: time, zone: tzinfo) -> datetime:
    return wall_time_to_utc(datetime.combine(day, clock), zone)


def _hour24(clock: _Clock, period: str | None) -> tuple[int, int]:
    """(hour 0–23, day shift) for a clock reading, applying am/pm and day periods."""
    h = clock.hour
    if clock.word == "midnight":
        return 0, 1
    if clock.ampm:
        return (0 if h == 12 else h) if clock.ampm == "am" else (12 if h == 12 else h + 12), 0
    if period in ("afternoon", "evening") and h < 12:
        return h + 12, 0
    if period == "noon" and 1 <= h <= 5:
        return h + 12, 0
    if period == "night":
        if h == 12 or h == 0 or h <= 4:
            return h % 12, 1
        if h < 12:
            return h + 12, 0
    if period == "early" and h == 12:
        return 0, 0
    return h, 0


def _resolve(spec: _Spec, now: datetime, zone: tzinfo, lang: str,
             max_ahead: timedelta) -> datetime | TimeError:
    try:
        due = _resolve_rel(spec, now, zone) if isinstance(spec, _Rel) else _resolve_abs(
            spec, now, zone, lang)
    except (OverflowError, ValueError):
        return _err("too_far", lang, days=max_ahead.days)
    if isinstance(due, TimeError):
        return due
    if due <= now:
        if isinstance(spec, _Rel) and not spec.clock:
            return _err("zero_duration", lang)
        when = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        example = _future_example(now, zone, lang)
        return _err("past", lang, example, when=when)
    if due - now > max_ahead:
        return _err("too_far", lang, days=max_ahead.days)
    return due.astimezone(UTC)


def _future_example(now: datetime, zone: tzinfo, lang: str) -> str:
    try:
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    except OverflowError:
        return _EXAMPLES[lang]["when"]
    return (f"{tomorrow:%Y-%m-%d} 09:00" if lang == "zh"
            else f"at {tomorrow:%Y-%m-%d} 09:00")


def _resolve_rel(rel: _Rel, now: datetime, zone: tzinfo) -> datetime:
    approx = rel.months * 31 * 86400 + rel.days * 86400 + rel.seconds
    if approx > 400 * 366 * 86400:
        raise OverflowError("duration too long")
    local = now.astimezone(zone)
    if not (rel.months or rel.days or rel.clock):
        return now.astimezone(UTC) + timedelta(seconds=rel.seconds)
    year, month = divmod(local.month - 1 + rel.months, 12)
    year += local.year
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    target = date(year, month + 1, day) + timedelta(days=rel.days)
    if rel.clock:
        hour, shift = _hour24(rel.clock, rel.period)
        return _to_utc(target + timedelta(days=shift),
                       time(hour, rel.clock.minute, rel.clock.second), zone)
    wall = _to_utc(target, local.time().replace(tzinfo=None, fold=0), zone)
    return wall + timedelta(seconds=rel.seconds)


def _resolve_abs(spec: _Abs, now: datetime, zone: tzinfo, lang: str) -> datetime | TimeError:
    local = now.astimezone(zone)
    today = local.date()
    flexible_day = False  # roll to the next day/week/year when the time has passed
    step = timedelta(days=1)
    if spec.ymd:
        year, month, day_n = spec.ymd
        flexible_year = year is None
        candidate_year = today.year if year is None else year
        try:
            day = date(candidate_year, month, day_n)
        except ValueError:
            if year is None and month == 2 and day_n == 29:
                day = date(_next_leap(candidate_year), 2, 29)
            else:
                shown = f"{month:02d}-{day_n:02d}"
                shown = f"{year:04d}-{shown}" if year else shown
                return _err("invalid_date", lang, _future_example(now, zone, lang), date=shown)
    elif spec.day_offset is not None:
        day, flexible_year = today + timedelta(days=spec.day_offset), False
    elif spec.weekday:
        weekday, mode = spec.weekday
        flexible_year = False
        monday = today - timedelta(days=today.weekday())
        if mode.startswith("week"):
            day = monday + timedelta(days=7 * int(mode[4:]) + weekday)
        elif mode == "next":
            day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        else:
            day = today + timedelta(days=(weekday - today.weekday()) % 7)
            flexible_day, step = True, timedelta(days=7)
    else:
        day, flexible_year, flexible_day = today, False, True

    has_date = spec.ymd is not None or spec.day_offset is not None or spec.weekday is not None
    if spec.clock:
        clock = spec.clock
        hour, shift = _hour24(clock, spec.period)
        if clock.word == "midnight" and not has_date:
            shift = 0
        hours = [hour]
        if clock.bare and not has_date and not spec.period and 1 <= clock.hour <= 11:
            hours.append(clock.hour + 12)  # "at 3" / "3点": the next of 03:00 and 15:00
        minute, second = clock.minute, clock.second
    else:
        hours, shift = [PERIOD_DEFAULT_HOUR.get(spec.period or "", DEFAULT_HOUR)], 0
        minute = second = 0

    def at(d: date) -> list[datetime]:
        base = d + timedelta(days=shift)
        return [_to_utc(base, time(h, minute, second), zone) for h in hours]

    for candidate in at(day):
        if candidate > now:
            return candidate
    if flexible_day:
        return at(day + step)[0]
    if spec.ymd and flexible_year:
        _, month, day_n = spec.ymd
        year = day.year + 1
        while True:
            try:
                return at(date(year, month, day_n))[0]
            except ValueError:
                year += 1
    return at(day)[-1]


def _next_leap(year: int) -> int:
    while not calendar.isleap(year):
        year += 1
    return year


# --------------------------------------------------------------------------------------------
# Entry points


def _starts(s: str, first: int) -> list[int]:
    """Positions where a trailing expression may begin: word starts and CJK boundaries."""
    out = []
    for i in range(first + 1, len(s)):
        prev, ch = s[i - 1], s[i]
        if ch == " ":
            continue
        if prev.isascii() and prev.isalnum() and ch.isascii() and ch.isalnum():
            continue
        if prev.isascii() and prev.isalnum() and ch in ":.":
            continue
        out.append(i)
    return out


def _rest(doc: _Doc, start: int, end: int, begin: int) -> str:
    """Original text outside [start, end): the reminder message, tidied at the seams."""
    before = doc.slice_original(begin, start)
    after = doc.original[doc.origin[end]:]
    if before.strip():
        text = before
        text = re.sub(r"[\s,:;，：；、\-–—]*(?:\b(?:at|on|in|by)\s*)?$", "", text.rstrip())
        return text.strip()
    lead = _RE_REST_LEAD.match(after)
    if lead:
        after = after[lead.end():]
    return after.strip()


def _find(text: str, matcher, lang: str):  # type: ignore[no-untyped-def]
    """Run ``matcher`` at the start, then at each later boundary that reaches the end."""
    doc = _normalise(text)
    s = doc.norm
    prefix = _RE_PREFIX.match(s)
    begin = prefix.end() if prefix else 0
    if not s[begin:].strip():
        return doc, begin, None, None
    first_error: TimeError | None = None
    for pos in [begin, *_starts(s, begin)]:
        found = matcher(s, pos, lang)
        if found is None:
            continue
        if isinstance(found, TimeError):
            first_error = first_error or found
            continue
        end = found[0]
        if pos != begin:
            tail = _RE_TRAILING.match(s, end)
            if tail is None or tail.end() != len(s):
                continue
        return doc, begin, (pos, found), first_error
    return doc, begin, None, first_error


def parse_when(text: str, now: datetime, tz: tzinfo | str | None = None, *,
               max_ahead: timedelta = MAX_AHEAD) -> WhenParsed | TimeError:
    """Read a one-off time from ``text``: a :class:`WhenParsed` strictly after ``now``, or a
    :class:`TimeError` saying why not. ``now`` must be aware; ``tz`` is the member's zone."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    lang = _lang(text)
    zone = _zone(tz, lang)
    if isinstance(zone, TimeError):
        return zone
    doc, begin, hit, error = _find(text, _match_when, lang)
    if hit is None and not doc.norm[begin:].strip():
        return _err("empty", lang)
    if hit is None:
        return error or _err("unrecognised", lang)
    pos, (end, spec) = hit
    due = _resolve(spec, now, zone, lang, max_ahead)
    if isinstance(due, TimeError):
        return due
    return WhenParsed(due_at=due, local=due.astimezone(zone), rest=_rest(doc, pos, end, begin),
                      matched=doc.slice_original(pos, end).strip())


def _match_recurrence(s: str, pos: int, lang: str) -> tuple[int, CronSpec] | TimeError | None:
    p = pos
    dow, day, minute_f, hour_f = "*", "*", None, None
    m = _RE_EN_REC_INTERVAL.match(s, p) or _RE_ZH_REC_INTERVAL.match(s, p)
    if m:
        n = zh_number(m.group(1))
        unit = "h" if m.group(2)[0] in "h小" else "min"
        whole = 60 if unit == "min" else 24
        if n is None or n <= 0 or whole % n:
            shown = f"{m.group(1)} {m.group(2)}"
            return _err("interval_unsupported", lang, _EXAMPLES[lang]["every"], interval=shown)
        step = "*" if n == 1 else f"*/{n}"
        spec = CronSpec(step, "*", "*", "*", "*") if unit == "min" else CronSpec(
            "0", step, "*", "*", "*")
        return m.end(), spec
    m = _RE_EN_REC_SIMPLE.match(s, p) or _RE_ZH_REC_SIMPLE.match(s, p)
    if m:
        word = re.sub(r"\s+", " ", m.group(1))
        if "hour" in word or "小时" in word:
            return m.end(), CronSpec("0", "*", "*", "*", "*")
        if "weekend" in word or "周末" in word:
            dow = "sat,sun"
        elif "week" in word or "work" in word or "工作日" in word:
            dow = "mon-fri"
        p = m.end()
    else:
        m = _RE_EN_REC_WEEKDAYS.match(s, p)
        if m:
            found = re.findall(_WEEKDAY_EN_ALT, m.group(1))
            dow = _dow_list(_WEEKDAYS_EN[w] for w in found)
            p = m.end()
        else:
            m = _RE_ZH_REC_WEEKDAYS.match(s, p)
            if m:
                found = re.findall(r"[一二三四五六日天1-7]", m.group(1))
                dow = _dow_list(_WEEKDAYS_ZH[w] for w in found)
                p = m.end()
            else:
                m = _RE_EN_REC_MONTHDAY.match(s, p) or _RE_ZH_REC_MONTHDAY.match(s, p)
                if not m:
                    return None
                n = zh_number(m.group(1) or (m.group(2) if m.re is _RE_EN_REC_MONTHDAY else ""))
                if n is None or not 1 <= n <= 31:
                    return _err("invalid_date", lang, _EXAMPLES[lang]["every"],
                                date=m.group(0).strip())
                day = str(n)
                p = m.end()
    p = _RE_SEP.match(s, p).end()  # type: ignore[union-attr]
    period_end, period = _period_at(s, p)
    if period:
        p = _RE_SEP.match(s, period_end).end()  # type: ignore[union-attr]
    at = _RE_CONNECT_TIME.match(s, p)
    clock = _clock_at(s, at.end() if at else p, lang, allow_bare=bool(at))
    if isinstance(clock, TimeError):
        return clock
    if clock:
        p, c = clock
        hour, _shift = _hour24(c, period)
        if c.word == "midnight":
            hour = 0
        minute_f, hour_f = str(c.minute), str(hour)
    else:
        minute_f, hour_f = "0", str(PERIOD_DEFAULT_HOUR.get(period or "", DEFAULT_HOUR))
        p = period_end if period else m.end()
    return p, CronSpec(minute_f, hour_f, day, "*", dow)


def _dow_list(days) -> str:  # type: ignore[no-untyped-def]
    chosen = sorted(set(days))
    if chosen == list(range(7)):
        return "*"
    return ",".join(WEEKDAY_NAMES[d] for d in chosen)


def parse_recurrence(text: str) -> RecurrenceParsed | TimeError:
    """Read a recurring schedule ("every monday 10:00", "每天 9:00") as a :class:`CronSpec`.

    Times are wall-clock times in the community's time zone (applied when the next due time
    is computed); a missing time means 09:00.
    """
    lang = _lang(text)
    doc, begin, hit, error = _find(text, _match_recurrence, lang)
    if hit is None:
        if not doc.norm[begin:].strip():
            return _err("empty", lang, _EXAMPLES[lang]["every"])
        return error or _err("unrecognised", lang, _EXAMPLES[lang]["every"])
    pos, (end, spec) = hit
    return RecurrenceParsed(cron=spec, rest=_rest(doc, pos, end, begin),
                            matched=doc.slice_original(pos, end).strip())


def parse_schedule(text: str, now: datetime, tz: tzinfo | str | None = None, *,
                   max_ahead: timedelta = MAX_AHEAD
                   ) -> WhenParsed | RecurrenceParsed | TimeError:
    """For announcements: a recurring schedule if the text starts with one, else a one-off."""
    recurring = parse_recurrence(text)
    if isinstance(recurring, RecurrenceParsed):
        return recurring
    once = parse_when(text, now, tz, max_ahead=max_ahead)
    if isinstance(once, TimeError) and once.code == "unrecognised" and recurring.code not in (
            "unrecognised", "empty"):
        return recurring
    return once
