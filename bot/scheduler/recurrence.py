"""Next due time of a cron schedule in a community's time zone, via APScheduler 3.x triggers.

Why a wrapper rather than ``CronTrigger.from_crontab`` directly:

- APScheduler 3.x numbers weekdays from Monday = 0, while crontab uses Sunday = 0, so
  ``0 10 * * 1`` would silently mean Tuesday. Expressions are normalised to weekday *names*
  (crontab numbering: 0 and 7 are Sunday), which both agree on, before they are stored.
- crontab ORs day-of-month and day-of-week when both are restricted, APScheduler ANDs them;
  such expressions are refused rather than guessed.
- Schedules are wall-clock times in the community's zone. On a DST fall-back night a wall
  time happens twice: a job pinned to specific hours (``30 2 * * *``) fires once, at the
  first; jobs whose hour field is ``*`` run by elapsed time and fire in both passes. A wall
  time inside a spring-forward gap does not exist and fires when the gap ends (02:30 fires
  at 03:00 new time), once, as cron does.

Triggers are cached per (expression, zone): parsing is the expensive part, and the set of
distinct schedules is small even with many items.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from domain.schedule import wall_time_to_utc

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_ALIASES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * sun", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_WINDOW = timedelta(hours=3)  # larger than any DST shift
_MAX_CANDIDATES = 2000  # wall times examined per call (a minutely job near DST: ~200)


class RecurrenceError(ValueError):
    """A cron expression or time zone that cannot be used, explained with an example."""


def _dow_number(token: str, expr: str) -> int:
    token = token.strip().lower()
    if token.isdigit():
        n = int(token)
        if 0 <= n <= 7:
            return n % 7
    elif token[:3] in _NAMES:
        return _NAMES.index(token[:3])
    raise RecurrenceError(
        f"day-of-week {token!r} in {expr!r} is not a weekday; use 0-7 (0 and 7 = Sunday) or "
        "mon..sun, e.g. '0 10 * * mon'")


def _normalise_dow(field: str, expr: str) -> str:
    """Crontab day-of-week (0/7 = Sunday, names, ranges, steps, lists) -> names."""
    days: set[int] = set()
    for part in field.split(","):
        part = part.strip()
        if not part:
            raise RecurrenceError(f"empty item in day-of-week of {expr!r}")
        rng, _, step_s = part.partition("/")
        step = 1
        if step_s:
            if not step_s.isdigit() or int(step_s) < 1:
                raise RecurrenceError(f"bad step {step_s!r} in day-of-week of {expr!r}")
            step = int(step_s)
        if rng in ("*", "?"):
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = _dow_number(a, expr), _dow_number(b, expr)
            if b.strip() == "7":
                hi = 7
            if hi < lo:
                raise RecurrenceError(
                    f"day-of-week range {rng!r} in {expr!r} runs backwards; write it as a list, "
                    "e.g. 'fri,sat,sun'")
        else:
            lo = hi = _dow_number(rng, expr)
            if step_s:
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step))
    if days == set(range(7)):
        return "*"
    return ",".join(_NAMES[d] for d in sorted(days, key=lambda d: (d - 1) % 7))


def normalise(expr: str) -> str:
    """A five-field crontab expression with weekday names; raises :class:`RecurrenceError`."""
    text = " ".join(str(expr).split())
    text = _ALIASES.get(text.lower(), text)
    fields = text.split(" ")
    if len(fields) != 5:
        raise RecurrenceError(
            f"cron expression {expr!r} has {len(fields)} fields; use five: minute hour "
            "day-of-month month day-of-week, e.g. '0 10 * * mon' (Mondays 10:00)")
    minute, hour, day, month, dow = fields
    if not re.fullmatch(r"[0-9*/,\-a-zA-Z?]+", dow):
        raise RecurrenceError(f"day-of-week {dow!r} in {expr!r} is not valid")
    dow = _normalise_dow(dow, expr)
    if day not in ("*", "?") and dow != "*":
        raise RecurrenceError(
            f"{expr!r} restricts both day-of-month and day-of-week, which cron and APScheduler "
            "read differently (OR vs AND); restrict only one of them")
    day = "*" if day == "?" else day
    normalised = f"{minute} {hour} {day} {month.lower()} {dow}"
    _trigger(normalised)  # validates the remaining fields
    return normalised


def zone(name: str | None) -> ZoneInfo:
    """The zone for ``name`` (``None`` = UTC); raises :class:`RecurrenceError` if unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError) as exc:
        raise RecurrenceError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or "
            "'Asia/Shanghai'") from exc


@lru_cache(maxsize=512)
def _trigger(expr: str) -> CronTrigger:
    """The trigger on a DST-free calendar: it enumerates wall-clock times, never instants."""
    fields = expr.split(" ")
    try:
        return CronTrigger(minute=fields[0], hour=fields[1], day=fields[2], month=fields[3],
                           day_of_week=fields[4], timezone=UTC)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"cron expression {expr!r} is not valid: {exc}") from exc


@lru_cache(maxsize=1024)
def _is_normal(expr: str) -> bool:
    try:
        return normalise(expr) == expr
    except RecurrenceError:
        return False


def _instants(wall: datetime, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """(first, second) instants of a naive wall time; ``second`` only when it is ambiguous.

    A wall time inside a spring-forward gap does not exist; it maps to the instant the clocks
    jump (``wall_time_to_utc``), as cron does, which keeps the mapping monotonic.
    """
    first = wall_time_to_utc(wall, tz)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if second.astimezone(tz).replace(tzinfo=None) != wall:  # in a gap: no second pass
        return first, None
    return first, (second if second != first else None)


def next_fire(expr: str, tz: str | None, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (aware), in UTC; ``None`` if none.

    Wall-clock times come from APScheduler's ``CronTrigger`` evaluated on a DST-free calendar
    and are placed in ``tz`` here. (Evaluated in the zone itself, APScheduler 3.11 skips a
    day at some DST changes: after ``0 0 * * *`` fires at 2024-03-31 00:00 in Berlin it
    returns 04-02, not 04-01, because its day increment drifts by the DST hour.)
    ``expr`` should be :func:`normalise`-d; an un-normalised one is normalised here.
    """
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    expr = expr if _is_normal(expr) else normalise(expr)
    trig = _trigger(expr)
    tzinfo = zone(tz)
    wildcard_hours = expr.split(" ")[1] == "*"
    after = after.astimezone(UTC)
    wall = after.astimezone(tzinfo).replace(tzinfo=None)
    if wildcard_hours and (after - _WINDOW).astimezone(tzinfo).utcoffset() != (
            after + _WINDOW).astimezone(tzinfo).utcoffset():
        wall -= _WINDOW  # second-pass instants of earlier wall times may still be ahead
    best: datetime | None = None
    candidate = trig.get_next_fire_time(None, wall.replace(tzinfo=UTC))
    for _ in range(_MAX_CANDIDATES):
        if candidate is None:
            break
        first, second = _instants(candidate.replace(tzinfo=None), tzinfo)
        if best is not None and first >= best:
            break  # first instants grow with the wall time: nothing later can be earlier
        options = (first, second) if wildcard_hours and second is not None else (first,)
        for instant in options:
            if instant > after and (best is None or instant < best):
                best = instant
        candidate = trig.get_next_fire_time(candidate, candidate)
    return best


def next_after_fn(expr: str, tz: str | None) -> Callable[[datetime], datetime | None]:
    """``next_fire`` bound to a schedule: the ``next_after`` that ``domain.schedule`` expects."""
    normalised = normalise(expr)
    zone(tz)

    def next_after(instant: datetime) -> datetime | None:
        return next_fire(normalised, tz, instant)

    return next_after


def upcoming(expr: str, tz: str | None, after: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` fire times after ``after`` (UTC), for previews like /announce."""
    out: list[datetime] = []
    current = after
    for _ in range(count):
        nxt = next_fire(expr, tz, current)
        if nxt is None:
            break
        out.append(nxt)
        current = nxt
    return out


def validate(expr: str, tz: str | None) -> str | None:
    """``None`` if the schedule is usable, else a sentence saying what is wrong."""
    try:
        normalised = normalise(expr)
        zone(tz)
        if next_fire(normalised, tz, datetime.now(UTC) - timedelta(days=1)) is None:
            return f"cron expression {expr!r} never fires"
    except RecurrenceError as exc:
        return str(exc)
    return None
