"""RFM segmentation: recency, frequency and monetary value scored by quantiles.

Why quantiles with shared scores for ties: communities differ by orders of magnitude in
volume, so absolute cut-offs for "frequent" or "valuable" would be wrong almost everywhere;
ranking members against their own community is not. Members with the same value always get
the same score (mid-rank percentile), so many members with zero activity are not split
arbitrarily between scores.

Why segments are not forced to a split: the seed's reference 15/35/40/10 describes one
community. Here "churned" and "dormant" are absolute silences (days without meaningful
activity, from config) and "high value" needs top frequency *and* value scores, so the sizes
of the segments come out of the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

HIGH_VALUE = "high_value"
POTENTIAL = "potential"
DORMANT = "dormant"
CHURNED = "churned"
SEGMENTS = (HIGH_VALUE, POTENTIAL, DORMANT, CHURNED)  # best first
_RANK = {name: i for i, name in enumerate(SEGMENTS)}


@dataclass(frozen=True, slots=True)
class RfmRules:
    """How scores and segments are decided (from ``[insights.rfm]``)."""

    bins: int = 5
    dormant_after_days: float = 14.0
    churned_after_days: float = 30.0
    high_value_min_score: int = 4

    def __post_init__(self) -> None:
        if self.bins < 2:
            raise ValueError(f"bins must be >= 2, got {self.bins}")
        if not 0 < self.dormant_after_days < self.churned_after_days:
            raise ValueError("need 0 < dormant_after_days < churned_after_days, got "
                             f"{self.dormant_after_days} and {self.churned_after_days}")
        if not 1 <= self.high_value_min_score <= self.bins:
            raise ValueError(f"high_value_min_score must be within 1..{self.bins}, got "
                             f"{self.high_value_min_score}")


@dataclass(frozen=True, slots=True)
class RfmInput:
    """One member's raw values at the time of the snapshot.

    ``recency_days``: days since the last meaningful activity (for a member who never acted:
    days since joining). ``frequency``: active days in the frequency window. ``monetary``:
    value contributed in the value window. ``left``: the member left the community.
    """

    member_id: str
    recency_days: float
    frequency: float
    monetary: float
    left: bool = False


@dataclass(frozen=True, slots=True)
class RfmScore:
    member_id: str
    segment: str
    r: int
    f: int
    m: int
    recency_days: float
    frequency: float
    monetary: float


@dataclass(frozen=True, slots=True)
class SegmentChange:
    member_id: str
    old: str | None
    new: str

    @property
    def declined(self) -> bool:
        """Moved to a worse segment (e.g. potential -> dormant): a wake-up candidate."""
        return self.old is not None and _RANK[self.new] > _RANK[self.old]

    @property
    def improved(self) -> bool:
        return self.old is not None and _RANK[self.new] < _RANK[self.old]


def quantile_scores(values: Mapping[str, float], bins: int = 5, *,
                    higher_is_better: bool = True) -> dict[str, int]:
    """Score each key 1..``bins`` by the mid-rank percentile of its value.

    ``p = (n_below + n_equal / 2) / n``; score ``1 + floor(p * bins)`` capped at ``bins``.
    Equal values share a score; with every value equal all get the middle score.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    if not values:
        return {}
    for key, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"value of {key!r} is not a finite number: {value!r}")
    sign = 1.0 if higher_is_better else -1.0
    ordered = sorted(sign * v for v in values.values())
    n = len(ordered)
    below: dict[float, int] = {}
    equal: dict[float, int] = {}
    for i, v in enumerate(ordered):
        if v not in below:
            below[v] = i
        equal[v] = equal.get(v, 0) + 1
    scores: dict[str, int] = {}
    for key, value in values.items():
        v = sign * value
        p = (below[v] + equal[v] / 2) / n
        scores[key] = min(bins, 1 + math.floor(p * bins))
    return scores


def segment_for(item: RfmInput, f: int, m: int, rules: RfmRules) -> str:
    if item.left or item.recency_days >= rules.churned_after_days:
        return CHURNED
    if item.recency_days >= rules.dormant_after_days:
        return DORMANT
    if f >= rules.high_value_min_score and m >= rules.high_value_min_score:
        return HIGH_VALUE
    return POTENTIAL


def score_members(items: list[RfmInput], rules: RfmRules = RfmRules()) -> list[RfmScore]:
    """R, F and M scores and the segment of every member (in input order).

    R is scored among all members (lower recency is better); F and M among the members who
    are still around (not churned), so members long gone do not inflate everybody else's
    scores.
    """
    seen: set[str] = set()
    for item in items:
        if item.member_id in seen:
            raise ValueError(f"member {item.member_id!r} appears twice")
        seen.add(item.member_id)
        for name in ("recency_days", "frequency", "monetary"):
            value = getattr(item, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} of {item.member_id!r} must be a finite number >= 0, "
                                 f"got {value!r}")
    r = quantile_scores({i.member_id: i.recency_days for i in items}, rules.bins,
                        higher_is_better=False)
    around = [i for i in items if not i.left and i.recency_days < rules.churned_after_days]
    f = quantile_scores({i.member_id: i.frequency for i in around}, rules.bins)
    m = quantile_scores({i.member_id: i.monetary for i in around}, rules.bins)
    out: list[RfmScore] = []
    for item in items:
        fs, ms = f.get(item.member_id, 1), m.get(item.member_id, 1)
        out.append(RfmScore(item.member_id, segment_for(item, fs, ms, rules), r[item.member_id],
                            fs, ms, item.recency_days, item.frequency, item.monetary))
    return out


def segment_counts(scores: list[RfmScore]) -> dict[str, int]:
    """Members per segment, every segment present (zero when empty), best first."""
    counts = dict.fromkeys(SEGMENTS, 0)
    for score in scores:
        counts[score.segment] += 1
    return counts


def segment_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[SegmentChange]:
    """Members whose segment differs between two snapshots (new members: ``old`` None).

    Members missing from ``after`` are not reported: a member who disappeared from the data
    (deleted on request) is not a segment change.
    """
    changes = [SegmentChange(member, before.get(member), segment)
               for member, segment in after.items() if before.get(member) != segment]
    return sorted(changes, key=lambda c: c.member_id)
