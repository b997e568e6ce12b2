"""Scheduling decisions as values: missed runs, retry back-off, quiet hours, frequency caps.

The sweeper (``bot/scheduler``) owns the database and the clock; these functions only decide,
given times passed in, so every rule can be tested exactly, including DST edges.

Missed-run policy, per item (``missed_policy``), applied when an occurrence is run later than
``grace`` after it was due (typically after downtime):

- ``once``: fire the late occurrence once, then continue with the next occurrence after now
  (everything missed in between is collapsed into this one run);
- ``skip``: do not fire a late occurrence at all; continue with the next occurrence after now;
- ``all``: fire every missed occurrence, one per sweep, oldest first, so each gets its own
  idempotency key; only occurrences within ``catch_up`` before now are replayed.

A retry of an occurrence that already failed is always fired (the policy decided to fire it
before it failed), whatever its lateness.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

MISSED_POLICIES = ("once", "skip", "all")
DEFAULT_GRACE = timedelta(seconds=60)
DEFAULT_CATCH_UP = timedelta(days=7)
COUNT_LIMIT = 1000
"""Missed occurrences are counted (for logs) up to this many; beyond it the count is a floor."""

NextAfter = Callable[[datetime], datetime | None]
"""The next occurrence strictly after a given instant, or ``None`` when the series ends."""


# --------------------------------------------------------------------------------------------
# Wall-clock times


def wall_time_to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a naive local wall time in ``zone``.

    Ambiguous times (DST fall-back) take the first occurrence. Times that do not exist (inside
    a spring-forward gap) take the instant the clocks jump, as cron does: "02:30" on a night
    when 02:00 becomes 03:00 means 03:00. The same rule is used for reminders, recurring
    schedules and quiet hours, so they agree with each other.
    """
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    before, after = sorted((first, second))
    offset = before.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    whole = after.replace(microsecond=0)
    return whole if whole.astimezone(zone).utcoffset() != offset else whole + timedelta(
        seconds=1)


# --------------------------------------------------------------------------------------------
# Missed runs


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What to do with one due occurrence.

    ``fire``: call the handler for this occurrence. ``next_due``: the occurrence to store
    afterwards (``None`` = the item is finished). ``skipped``: occurrences dropped by the policy
    (at least this many; counting stops at :data:`COUNT_LIMIT`). ``late_by``: lateness of this
    occurrence.
    """

    fire: bool
    next_due: datetime | None
    skipped: int
    late_by: timedelta


def plan_run(occurrence: datetime, now: datetime, policy: str, next_after: NextAfter | None,
             *, grace: timedelta = DEFAULT_GRACE, catch_up: timedelta = DEFAULT_CATCH_UP,
             retrying: bool = False) -> RunPlan:
    """Decide whether ``occurrence`` fires and what is due next (see module docstring).

    ``next_after`` is ``None`` for one-off items. It must return instants strictly after its
    argument; a broken function that does not is treated as the end of the series.
    """
    if policy not in MISSED_POLICIES:
        raise ValueError(f"unknown missed-run policy {policy!r}; use one of {MISSED_POLICIES}")
    late_by = max(now - occurrence, timedelta(0))
    missed = late_by > grace
    fire = retrying or policy != "skip" or not missed
    if next_after is None:
        return RunPlan(fire, None, 0 if fire else 1, late_by)
    if policy == "all":
        floor = now - catch_up
        following = _after(next_after, occurrence)
        skipped = 0
        if following is not None and following < floor:
            # Far behind: skip to the first occurrence inside the catch-up window.
            skipped = _count(next_after, following, floor)
            following = _after(next_after, floor - timedelta(microseconds=1))
        return RunPlan(fire, following, skipped, late_by)
    following = _after(next_after, max(now, occurrence))
    skipped = _count(next_after, _after(next_after, occurrence), now)
    return RunPlan(fire, following, skipped + (0 if fire else 1), late_by)


def _after(next_after: NextAfter, instant: datetime) -> datetime | None:
    nxt = next_after(instant)
    return nxt if nxt is not None and nxt > instant else None


def _count(next_after: NextAfter, first: datetime | None, until: datetime) -> int:
    """How many occurrences from ``first`` on are at or before ``until`` (capped)."""
    count = 0
    current = first
    while current is not None and current <= until and count < COUNT_LIMIT:
        count += 1
        current = _after(next_after, current)
    return count


# --------------------------------------------------------------------------------------------
# Retry back-off


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off: ``base * factor**(attempt-1)``, capped, with symmetric jitter.

    Jitter spreads retries of many items failing together (a platform outage) so they do not
    all come back in the same second; ``rand`` (0–1) is passed in to keep this pure.
    """

    base: timedelta = timedelta(seconds=10)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError(
                f"back-off needs 0 < base <= cap, got base={self.base} cap={self.cap}")
        if self.factor < 1:
            raise ValueError(f"back-off factor must be >= 1, got {self.factor}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"back-off jitter must be in [0, 1), got {self.jitter}")

    def delay(self, attempt: int, rand: float = 0.5) -> timedelta:
        """Delay before retry number ``attempt`` (1 = first retry after the first failure)."""
        attempt = max(attempt, 1)
        base_s, cap_s = self.base.total_seconds(), self.cap.total_seconds()
        if self.factor == 1:
            seconds = base_s
        else:
            exponent = attempt - 1
            limit = math.log(cap_s / base_s, self.factor) if cap_s > base_s else 0
            seconds = cap_s if exponent >= limit else base_s * self.factor**exponent
        rand = min(max(rand, 0.0), 1.0)
        seconds *= 1 + self.jitter * (2 * rand - 1)
        return timedelta(seconds=min(seconds, cap_s))


def retry_delay(attempt: int, max_attempts: int, backoff: Backoff,
                rand: float = 0.5) -> timedelta | None:
    """Delay before trying again after failed attempt ``attempt`` (1-based), or ``None`` when
    ``max_attempts`` have been used and the item should be marked failed."""
    if attempt >= max_attempts:
        return None
    return backoff.delay(attempt, rand)


# --------------------------------------------------------------------------------------------
# Quiet hours


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily local window ``[start, end)`` in which members are not nudged.

    ``start > end`` wraps midnight (22:00–08:00); ``start == end`` means no quiet hours.
    """

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        moment = moment.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def shift_out_of_quiet(when: datetime, zone: tzinfo, quiet: QuietHours | None) -> datetime:
    """``when`` if it is outside quiet hours in ``zone``, else the end of that quiet window.

    Works on the member's wall clock, so a 22:00–08:00 window stays 22:00–08:00 across DST; an
    end inside a DST gap means the moment the clocks jump (:func:`wall_time_to_utc`).
    Returns UTC.
    """
    when = when.astimezone(UTC)
    if quiet is None:
        return when
    local = when.astimezone(zone)
    if not quiet.contains(local.time()):
        return when
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)
    end = wall_time_to_utc(datetime.combine(day, quiet.end), zone)
    return max(end, when)


# --------------------------------------------------------------------------------------------
# Frequency caps


@dataclass(frozen=True, slots=True)
class FrequencyCap:
    """At most ``limit`` sends in any rolling ``window`` (``limit=1`` is a minimum gap)."""

    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= timedelta(0):
            raise ValueError(f"a frequency cap needs limit >= 1 and a positive window, got "
                             f"{self.limit} per {self.window}")


def cap_release(sent: Iterable[datetime], at: datetime,
                caps: Sequence[FrequencyCap]) -> datetime:
    """The earliest instant ``>= at`` when one more send respects every cap.

    ``sent`` are earlier sends (any order); a send at ``s`` counts against a cap while
    ``s > t - window``.
    """
    history = sorted(s for s in sent)
    t = at
    for _ in range(len(history) * max(len(caps), 1) + 2):
        moved = False
        for cap in caps:
            recent = [s for s in history if t - cap.window < s <= t]
            if len(recent) >= cap.limit:
                release = recent[len(recent) - cap.limit] + cap.window
                if release > t:
                    t, moved = release, True
        if not moved:
            return t
    return t


@dataclass(frozen=True, slots=True)
class NudgeDecision:
    """When to send a nudge (``None`` = do not send) and why it moved: ``reasons`` holds
    ``opted_out``, ``capped``, ``quiet_hours`` or ``expired``."""

    send_at: datetime | None
    reasons: tuple[str, ...]


def plan_nudge(due_at: datetime, now: datetime, *, opted_out: bool, sent: Iterable[datetime],
               caps: Sequence[FrequencyCap], quiet: QuietHours | None, zone: tzinfo,
               max_delay: timedelta | None = None) -> NudgeDecision:
    """Combine opt-out, frequency caps and quiet hours into one decision.

    Caps and quiet hours only ever move the send later, so alternating them reaches the
    earliest instant satisfying both. A nudge pushed more than ``max_delay`` past ``due_at`` is
    dropped as stale (a "we miss you" ten days late helps nobody).
    """
    if opted_out:
        return NudgeDecision(None, ("opted_out",))
    history = list(sent)
    t = max(due_at, now).astimezone(UTC)
    reasons: list[str] = []
    for _ in range(50):
        capped = cap_release(history, t, caps)
        if capped > t and "capped" not in reasons:
            reasons.append("capped")
        shifted = shift_out_of_quiet(capped, zone, quiet)
        if shifted > capped and "quiet_hours" not in reasons:
            reasons.append("quiet_hours")
        if shifted == t:
            break
        t = shifted
    if max_delay is not None and t - due_at > max_delay:
        return NudgeDecision(None, (*reasons, "expired"))
    return NudgeDecision(t, tuple(reasons))
