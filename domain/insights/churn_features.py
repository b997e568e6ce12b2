"""Churn features: what a member's history looked like at a cutoff time.

Why a cutoff everywhere: the model is trained on snapshots taken at earlier cutoffs and
tested on a later one, so every feature must use only what was known at its cutoff —
a feature that peeks past it would make the model look good in testing and fail live.
Every function here takes the cutoff and reads events strictly at or before it.

Times are POSIX seconds (floats) in sorted lists: window counts are two binary searches,
which keeps computing ~40 features for every member at a dozen cutoffs cheap without numpy.
"""

from __future__ import annotations

import itertools
import math
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DAY = 86_400.0
HOUR = 3_600.0
ANSWER_WITHIN = 24 * HOUR  # a question nobody answered within this is "unanswered"
RETURN_GAP_DAYS = 14  # a silence at least this long followed by activity is a "return"


@dataclass(slots=True)
class MemberHistory:
    """Everything stored about one member, as sorted time lists (POSIX seconds).

    ``acts`` are meaningful activities (messages, reactions, voice, commands); the other
    lists are subsets or related facts. Pairs are ``(time, value)`` sorted by time.
    """

    member_id: str
    joined: float | None = None
    acts: list[float] = field(default_factory=list)
    messages: list[float] = field(default_factory=list)
    message_lengths: list[int] = field(default_factory=list)  # parallel to ``messages``
    message_channels: list[str] = field(default_factory=list)  # parallel to ``messages``
    questions: list[float] = field(default_factory=list)
    replies_sent: list[float] = field(default_factory=list)
    replies_received: list[float] = field(default_factory=list)
    reactions_given: list[float] = field(default_factory=list)
    reactions_received: list[float] = field(default_factory=list)
    voice: list[tuple[float, float]] = field(default_factory=list)  # (at, minutes)
    points: list[tuple[float, int]] = field(default_factory=list)  # (at, points earned)
    helpful: list[float] = field(default_factory=list)
    sentiment: list[tuple[float, float]] = field(default_factory=list)  # (at, -1..1)
    strikes: list[tuple[float, float]] = field(default_factory=list)  # (issued, ends)
    stages: list[tuple[float, int]] = field(default_factory=list)  # (at, stage index)
    team_joined: float | None = None
    leaves: list[float] = field(default_factory=list)
    partners: list[tuple[float, str]] = field(default_factory=list)  # reply edges, both ways
    # Derived by ``sort()``: distinct UTC days with activity and the first act on each,
    # hour of day per act, and running totals, so windows cost binary searches.
    days: list[int] = field(default_factory=list)
    day_first: list[float] = field(default_factory=list)
    act_hours: list[int] = field(default_factory=list)
    point_times: list[float] = field(default_factory=list)
    point_totals: list[float] = field(default_factory=list)
    voice_times: list[float] = field(default_factory=list)
    voice_totals: list[float] = field(default_factory=list)

    def sort(self) -> None:
        """Sort every list by time (call once after loading)."""
        order = sorted(range(len(self.messages)), key=self.messages.__getitem__)
        self.messages = [self.messages[i] for i in order]
        if self.message_lengths:
            self.message_lengths = [self.message_lengths[i] for i in order]
        if self.message_channels:
            self.message_channels = [self.message_channels[i] for i in order]
        for name in ("acts", "questions", "replies_sent", "replies_received", "reactions_given",
                     "reactions_received", "helpful", "leaves"):
            getattr(self, name).sort()
        for name in ("voice", "points", "sentiment", "strikes", "stages", "partners"):
            getattr(self, name).sort(key=lambda pair: pair[0])
        self.days, self.day_first = [], []
        for t in self.acts:
            day = int(t // DAY)
            if not self.days or self.days[-1] != day:
                self.days.append(day)
                self.day_first.append(t)
        self.act_hours = [int((t % DAY) // HOUR) for t in self.acts]
        self.point_times = [t for t, _ in self.points]
        self.point_totals = list(itertools.accumulate(float(p) for _, p in self.points))
        self.voice_times = [t for t, _ in self.voice]
        self.voice_totals = list(itertools.accumulate(m for _, m in self.voice))


@dataclass(frozen=True, slots=True)
class CommunityAt:
    """Facts about the whole community at one cutoff that member features are relative to."""

    cutoff: float
    last_act: Mapping[str, float]  # member -> last meaningful activity at or before cutoff
    acts_30: int  # meaningful activities of everybody in the 30 days before the cutoff


def community_at(histories: Sequence[MemberHistory], cutoff: float) -> CommunityAt:
    last: dict[str, float] = {}
    total = 0
    for h in histories:
        i = bisect_right(h.acts, cutoff)
        if i:
            last[h.member_id] = h.acts[i - 1]
        total += i - bisect_right(h.acts, cutoff - 30 * DAY)
    return CommunityAt(cutoff, last, total)


def _count(times: Sequence[float], start: float, end: float) -> int:
    """How many times fall in ``(start, end]``."""
    return bisect_right(times, end) - bisect_right(times, start)


def _pairs_in(pairs: Sequence[tuple[float, float]], start: float,
              end: float) -> Sequence[tuple[float, float]]:
    """The ``(time, value)`` pairs with time in ``(start, end]`` (pairs sorted by time)."""
    lo = bisect_right(pairs, start, key=lambda p: p[0])
    hi = bisect_right(pairs, end, key=lambda p: p[0])
    return pairs[lo:hi]


def _active_days(h: MemberHistory, cutoff: float, days: int) -> int:
    """Distinct UTC days with activity in ``(cutoff - days, cutoff]``: days whose first act
    falls in the window, plus the window's first day when it began before the window."""
    start = cutoff - days * DAY
    count = bisect_right(h.day_first, cutoff) - bisect_right(h.day_first, start)
    i = bisect_right(h.acts, start)
    if i < len(h.acts) and h.acts[i] <= cutoff:
        j = bisect_left(h.days, int(h.acts[i] // DAY))
        if h.day_first[j] <= start:
            count += 1
    return count


def _total(times: Sequence[float], totals: Sequence[float], start: float, end: float) -> float:
    """Sum of the values with time in ``(start, end]`` from running totals."""
    hi = bisect_right(times, end)
    lo = bisect_right(times, start, hi=hi)
    return (totals[hi - 1] if hi else 0.0) - (totals[lo - 1] if lo else 0.0)


def _trend(recent: float, previous: float) -> float:
    """-1 (everything in the earlier half) … +1 (everything in the recent half)."""
    return (recent - previous) / (recent + previous + 1.0)


_COS = [math.cos(2 * math.pi * (h + 0.5) / 24) for h in range(24)]
_SIN = [math.sin(2 * math.pi * (h + 0.5) / 24) for h in range(24)]


def _hour_spread(hours: Sequence[int]) -> float:
    """Circular spread of hours of day (0: always the same hour, 1: spread evenly)."""
    if len(hours) < 2:
        return 0.0
    counts = [0] * 24
    for hour in hours:
        counts[hour] += 1
    xs = sum(c * x for c, x in zip(counts, _COS, strict=True))
    ys = sum(c * y for c, y in zip(counts, _SIN, strict=True))
    return 1.0 - math.hypot(xs, ys) / len(hours)


def _gaps(day_numbers: list[int]) -> list[int]:
    return [b - a for a, b in itertools.pairwise(day_numbers) if b > a]


FEATURES: tuple[str, ...] = (
    "recency_days", "tenure_days", "acts_7", "acts_14", "acts_30", "active_days_7",
    "active_days_14", "active_days_30", "messages_7", "messages_30", "trend_7",
    "trend_14", "trend_active_days", "replies_sent_30", "replies_received_7",
    "replies_received_30", "reactions_given_30", "reactions_received_7",
    "reactions_received_30", "questions_30", "unanswered_questions_30", "mean_gap_days",
    "max_gap_days_30", "recency_vs_rhythm", "hour_spread_30", "weekdays_30", "channels_30",
    "reply_degree_30", "reply_degree_all", "partners_active_7", "voice_minutes_30",
    "points_30", "points_lifetime", "helpful_30", "message_length_30", "sentiment_30",
    "sentiment_trend", "active_strikes", "strikes_total", "stage", "in_team",
    "first_week_acts", "returns", "leaves", "share_of_community",
)


def features(h: MemberHistory, at: CommunityAt) -> list[float]:
    """The member's feature vector at ``at.cutoff`` in the order of ``FEATURES``."""
    c = at.cutoff
    w7, w14, w30 = c - 7 * DAY, c - 14 * DAY, c - 30 * DAY
    n_acts = bisect_right(h.acts, c)
    first = h.joined if h.joined is not None and h.joined <= c else (
        h.acts[0] if n_acts else c)
    tenure = max(0.0, (c - first) / DAY)
    last = h.acts[n_acts - 1] if n_acts else None
    recency = (c - last) / DAY if last is not None else tenure
    acts_7, acts_14, acts_30 = _count(h.acts, w7, c), _count(h.acts, w14, c), \
        _count(h.acts, w30, c)
    prev_7 = _count(h.acts, w14, w7)
    prev_14 = _count(h.acts, c - 28 * DAY, w14)
    days_7, days_14, days_30 = (_active_days(h, c, 7), _active_days(h, c, 14),
                                _active_days(h, c, 30))
    days_recent = _active_days(h, c, 15)
    n_days = bisect_right(h.day_first, c)
    known_days = h.days[:n_days]
    gaps = _gaps(known_days)
    mean_gap = statistics.fmean(gaps) if gaps else 0.0
    today = int(c // DAY)
    recent_days = known_days[bisect_right(known_days, today - 30):]
    max_gap_30 = float(max(_gaps([today - 30, *recent_days, today]) or [0]))
    lo_a = bisect_right(h.acts, w30)
    lo_m, hi_m = bisect_right(h.messages, w30), bisect_right(h.messages, c)
    lengths = h.message_lengths[lo_m:hi_m] if h.message_lengths else []
    channels = set(h.message_channels[lo_m:hi_m]) if h.message_channels else set()
    questions = h.questions[bisect_right(h.questions, w30):
                            bisect_right(h.questions, c - ANSWER_WITHIN)]
    unanswered = sum(1 for q in questions
                     if _count(h.replies_received, q, q + ANSWER_WITHIN) == 0)
    known = h.partners[:bisect_right(h.partners, c, key=lambda p: p[0])]
    partners_30 = {m for t, m in known if t > w30}
    partners_active = (sum(1 for m in partners_30 if at.last_act.get(m, -math.inf) > w7)
                       / len(partners_30)) if partners_30 else 0.0
    mood = [v for t, v in _pairs_in(h.sentiment, w30, c)]
    mood_recent = [v for t, v in _pairs_in(h.sentiment, c - 15 * DAY, c)]
    mood_prev = [v for t, v in _pairs_in(h.sentiment, w30, c - 15 * DAY)]
    mood_trend = (statistics.fmean(mood_recent) - statistics.fmean(mood_prev)
                  if mood_recent and mood_prev else 0.0)
    strikes = [s for s in h.strikes if s[0] <= c]
    stage = 0
    for t, index in h.stages:
        if t > c:
            break
        stage = index
    first_week = _count(h.acts, first - 1.0, min(first + 7 * DAY, c))
    returns = sum(1 for g in gaps if g >= RETURN_GAP_DAYS)
    return [
        recency, tenure, acts_7, acts_14, acts_30, days_7, days_14, days_30,
        _count(h.messages, w7, c), hi_m - lo_m, _trend(acts_7, prev_7),
        _trend(acts_14, prev_14), _trend(days_recent, days_30 - days_recent),
        _count(h.replies_sent, w30, c), _count(h.replies_received, w7, c),
        _count(h.replies_received, w30, c), _count(h.reactions_given, w30, c),
        _count(h.reactions_received, w7, c), _count(h.reactions_received, w30, c),
        len(questions), unanswered, mean_gap, max_gap_30,
        recency / (mean_gap + 1.0), _hour_spread(h.act_hours[lo_a:n_acts]),
        len({(d + 3) % 7 for d in recent_days}), len(channels), len(partners_30),
        len({m for _, m in known}), partners_active,
        _total(h.voice_times, h.voice_totals, w30, c),
        _total(h.point_times, h.point_totals, w30, c),
        _total(h.point_times, h.point_totals, -math.inf, c), _count(h.helpful, w30, c),
        statistics.fmean(lengths) if lengths else 0.0,
        statistics.fmean(mood) if mood else 0.0, mood_trend,
        sum(1 for _issued, ends in strikes if ends > c), len(strikes), stage,
        1.0 if h.team_joined is not None and h.team_joined <= c else 0.0,
        first_week, returns, _count(h.leaves, -math.inf, c),
        acts_30 / at.acts_30 if at.acts_30 else 0.0,
    ]


def last_act_before(h: MemberHistory, cutoff: float) -> float | None:
    i = bisect_right(h.acts, cutoff)
    return h.acts[i - 1] if i else None


def is_present(h: MemberHistory, cutoff: float) -> bool:
    """Joined (or seen) by the cutoff and not gone: the last leave, if any, came before a
    later activity or join."""
    i = bisect_right(h.leaves, cutoff)
    if not i:
        return (h.joined is not None and h.joined <= cutoff) or bool(bisect_right(h.acts, cutoff))
    last_leave = h.leaves[i - 1]
    last = last_act_before(h, cutoff)
    return last is not None and last > last_leave


def in_population(h: MemberHistory, cutoff: float, active_within_days: float) -> bool:
    """Members the model makes a prediction for at ``cutoff``: present and active within
    ``active_within_days`` (members already long gone are not "at risk", they are gone)."""
    last = last_act_before(h, cutoff)
    return (last is not None and cutoff - last < active_within_days * DAY
            and is_present(h, cutoff))


def churned_label(h: MemberHistory, cutoff: float, horizon_days: float) -> bool:
    """True when the member did nothing meaningful in ``(cutoff, cutoff + horizon]``."""
    return _count(h.acts, cutoff, cutoff + horizon_days * DAY) == 0


def first_after(times: Sequence[float], start: float) -> float | None:
    i = bisect_left(times, start)
    return times[i] if i < len(times) else None
