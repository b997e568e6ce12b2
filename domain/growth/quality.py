"""Content quality score of a post, and creation points from effective interactions.

score = w_originality·originality + w_reach·reach + w_usefulness·usefulness
        + w_compliance·compliance, every component in [0, 1], weights summing to 1
        (defaults 0.40 / 0.30 / 0.20 / 0.10).

- originality: 0 for a near-duplicate of an earlier post; otherwise how informative the
  length is, ``min(1, effective_length / informative_length)``.
- reach: distinct other members who reacted or replied within ``reach_window_hours``
  (72 h), saturating: ``1 - 2^(-n / reach_half)`` (``reach_half`` people = 0.5).
- usefulness: replies and helpful marks, saturating the same way; one helpful mark counts
  as ``helpful_weight`` replies.
- compliance: 1 when no safety filter hit the post, else 0.

Creation points: a post's *effective interactions* are its interactions weighted by its
score; a member earns 1 creation point per ``interactions_per_point`` (1,000) effective
interactions summed over their posts. ``creation_points_due`` is incremental and
idempotent: it returns only the points not yet awarded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.growth.text import analyse, is_near_duplicate

_WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class QualityWeights:
    originality: float = 0.40
    reach: float = 0.30
    usefulness: float = 0.20
    compliance: float = 0.10

    def __post_init__(self) -> None:
        values = (self.originality, self.reach, self.usefulness, self.compliance)
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("quality weights must be finite and >= 0")
        if abs(sum(values) - 1.0) > _WEIGHT_TOLERANCE:
            raise ValueError(f"quality weights must sum to 1 (they sum to {sum(values):g})")


@dataclass(frozen=True, slots=True)
class QualityRules:
    weights: QualityWeights = QualityWeights()
    informative_length: int = 80
    reach_window_hours: float = 72.0
    reach_half: float = 5.0
    usefulness_half: float = 3.0
    helpful_weight: float = 3.0
    interactions_per_point: int = 1000
    duplicate_threshold: float = 0.7

    def __post_init__(self) -> None:
        if self.informative_length < 1 or self.interactions_per_point < 1:
            raise ValueError("informative_length and interactions_per_point must be >= 1")
        if self.reach_half <= 0 or self.usefulness_half <= 0 or self.reach_window_hours <= 0:
            raise ValueError("reach_half, usefulness_half and reach_window_hours must be > 0")
        if self.helpful_weight < 0:
            raise ValueError("helpful_weight must be >= 0")


@dataclass(frozen=True, slots=True)
class QualityScore:
    score: float
    originality: float
    reach: float
    usefulness: float
    compliance: float


def _saturate(amount: float, half: float) -> float:
    if amount <= 0:
        return 0.0
    return 1.0 - 0.5 ** (amount / half)


def originality(
    text: str,
    earlier: Iterable[frozenset[int]] = (),
    rules: QualityRules = QualityRules(),
) -> float:
    """0 for a near-duplicate of ``earlier`` fingerprints, else the informative-length share."""
    length, fingerprint, _ = analyse(text)
    if not fingerprint:
        return 0.0
    if is_near_duplicate(fingerprint, tuple(earlier), rules.duplicate_threshold):
        return 0.0
    return min(1.0, length / rules.informative_length)


def _seconds(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def distinct_reach(
    interactions: Iterable[tuple[str, datetime | float]],
    *,
    author_id: str,
    posted_at: datetime | float,
    window_hours: float = 72.0,
) -> int:
    """Distinct members other than the author who interacted within the window."""
    start = _seconds(posted_at)
    end = start + window_hours * 3600
    return len({member for member, at in interactions
                if member != author_id and start <= _seconds(at) <= end})


def reach(distinct_members: int, rules: QualityRules = QualityRules()) -> float:
    return _saturate(distinct_members, rules.reach_half)


def usefulness(replies: int, helpful_marks: int, rules: QualityRules = QualityRules()) -> float:
    return _saturate(replies + helpful_marks * rules.helpful_weight, rules.usefulness_half)


def compliance(filter_hits: int) -> float:
    return 1.0 if filter_hits <= 0 else 0.0


def score(
    *,
    originality_value: float,
    reach_value: float,
    usefulness_value: float,
    compliance_value: float,
    weights: QualityWeights = QualityWeights(),
) -> QualityScore:
    """Combine components (each clamped to [0, 1]) into the weighted score."""
    parts = [min(1.0, max(0.0, v)) if math.isfinite(v) else 0.0
             for v in (originality_value, reach_value, usefulness_value, compliance_value)]
    total = (weights.originality * parts[0] + weights.reach * parts[1]
             + weights.usefulness * parts[2] + weights.compliance * parts[3])
    return QualityScore(min(1.0, max(0.0, total)), *parts)


def score_post(
    *,
    text: str,
    author_id: str,
    posted_at: datetime | float,
    earlier_fingerprints: Iterable[frozenset[int]] = (),
    interactions: Iterable[tuple[str, datetime | float]] = (),
    replies: int = 0,
    helpful_marks: int = 0,
    filter_hits: int = 0,
    rules: QualityRules = QualityRules(),
) -> QualityScore:
    """Everything at once, from raw inputs the handler has for a post."""
    members = distinct_reach(interactions, author_id=author_id, posted_at=posted_at,
                             window_hours=rules.reach_window_hours)
    return score(
        originality_value=originality(text, earlier_fingerprints, rules),
        reach_value=reach(members, rules),
        usefulness_value=usefulness(replies, helpful_marks, rules),
        compliance_value=compliance(filter_hits),
        weights=rules.weights,
    )


def effective_interactions(interactions: int, quality: QualityScore | float) -> float:
    """Interactions weighted by the post's quality score."""
    value = quality.score if isinstance(quality, QualityScore) else quality
    return max(0, interactions) * min(1.0, max(0.0, value))


def creation_points_due(total_effective: float, already_awarded: int,
                        rules: QualityRules = QualityRules()) -> int:
    """Creation points still to award: ``floor(total / per_point) - already_awarded``
    (never negative, so re-running after a score drop takes nothing back)."""
    if not math.isfinite(total_effective) or total_effective <= 0:
        return 0
    return max(0, int(total_effective // rules.interactions_per_point) - already_awarded)
