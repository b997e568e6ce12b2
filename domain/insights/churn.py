"""Churn model decisions that need no numbers library: cutoffs, data checks, reasons.

Time split, and why the gap: a training snapshot at cutoff ``c`` is labelled with what
happened in ``(c, c + horizon]``. If that label window reached past the test cutoff, the
model would be trained on the very period it is tested on. So training cutoffs end at
least one horizon before the test cutoff; the test cutoff is the latest one whose label
window is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from domain.i18n import t
from domain.insights.churn_features import DAY, FEATURES


@dataclass(frozen=True, slots=True)
class CutoffPlan:
    train: tuple[float, ...]
    test: float


@dataclass(frozen=True, slots=True)
class NotEnoughData:
    """Why no model was trained: catalogue key ``insights.churn.nodata.<key>`` + fields."""

    key: str
    fields: dict[str, object]


def plan_cutoffs(first: float, last: float, *, horizon_days: float, step_days: float,
                 min_history_days: float, max_train_cutoffs: int = 26
                 ) -> CutoffPlan | NotEnoughData:
    """Training and test cutoffs between the first and last stored activity."""
    if horizon_days <= 0 or step_days <= 0 or min_history_days < 0:
        raise ValueError("horizon_days and step_days must be > 0, min_history_days >= 0")
    span = (last - first) / DAY
    needed = min_history_days + 2 * horizon_days
    if span < needed:
        return NotEnoughData("history", {"days": round(max(span, 0.0), 1),
                                         "needed": round(needed, 1)})
    test = last - horizon_days * DAY
    train: list[float] = []
    cutoff = test - horizon_days * DAY
    earliest = first + min_history_days * DAY
    while cutoff >= earliest and len(train) < max_train_cutoffs:
        train.append(cutoff)
        cutoff -= step_days * DAY
    return CutoffPlan(tuple(sorted(train)), test)


def check_labels(train: Sequence[bool], test: Sequence[bool], *, min_members: int,
                 min_each_class: int) -> NotEnoughData | None:
    """Refuse to report a model whose numbers would be meaningless."""
    if len(test) < min_members:
        return NotEnoughData("members", {"members": len(test), "needed": min_members})
    for name, labels in (("train", train), ("test", test)):
        churned = sum(1 for x in labels if x)
        stayed = len(labels) - churned
        if min(churned, stayed) < min_each_class:
            return NotEnoughData(f"classes_{name}", {"churned": churned, "stayed": stayed,
                                                      "needed": min_each_class})
    return None


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve (probability a churner scores above a stayer; ties 1/2)."""
    if len(labels) != len(scores):
        raise ValueError("labels and scores differ in length")
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        raise ValueError("AUC needs both classes")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # ranks are 1-based
        rank_sum += mid_rank * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    value: float
    typical: float  # population median at the same cutoff
    contribution: float  # risk added by this feature's value vs the typical value


def top_reasons(names: Sequence[str], values: Sequence[float], medians: Sequence[float],
                contributions: Sequence[float], k: int = 3,
                min_contribution: float = 0.005) -> list[Reason]:
    """The ``k`` features that raise this member's risk most, compared with the typical
    member (contribution = risk with the member's value minus risk with the median)."""
    reasons = [Reason(n, v, m, c) for n, v, m, c in zip(names, values, medians, contributions,
                                                         strict=True)
               if c >= min_contribution and v != m]
    reasons.sort(key=lambda r: (-r.contribution, r.feature))
    return reasons[:k]


@dataclass
class AtRisk:
    member_id: str
    name: str
    risk: float
    reasons: list[Reason]


@dataclass
class ChurnReport:
    community_id: str
    as_of: datetime
    horizon_days: float
    status: str  # ok | not_enough_data
    nodata: NotEnoughData | None = None
    auc: float | None = None
    baseline_auc: float | None = None
    train_rows: int = 0
    test_rows: int = 0
    train_cutoffs: int = 0
    test_cutoff: datetime | None = None
    at_risk: list[AtRisk] = field(default_factory=list)
    population: int = 0
    valid_until: datetime | None = None
    importance: list[tuple[str, float]] = field(default_factory=list)
    features: int = len(FEATURES)

    def message(self, lang: str = "en") -> str:
        if self.nodata is None:
            return ""
        return t(f"insights.churn.nodata.{self.nodata.key}", lang, **self.nodata.fields)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "community": self.community_id, "as_of": self.as_of.isoformat(),
            "status": self.status, "message": self.message(lang) or None,
            "horizon_days": self.horizon_days,
            "auc": None if self.auc is None else round(self.auc, 4),
            "baseline_auc": None if self.baseline_auc is None else round(self.baseline_auc, 4),
            "train_rows": self.train_rows, "test_rows": self.test_rows,
            "train_cutoffs": self.train_cutoffs,
            "test_cutoff": self.test_cutoff.isoformat() if self.test_cutoff else None,
            "features": self.features, "population": self.population,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "members_at_risk": [
                {"member_id": a.member_id, "name": a.name, "risk": round(a.risk, 4),
                 "reasons": [reason_json(r, lang) for r in a.reasons]}
                for a in self.at_risk],
            "top_features": [{"feature": n, "importance": round(v, 4)}
                             for n, v in self.importance],
        }


def reason_json(reason: Reason, lang: str = "en") -> dict[str, Any]:
    return {**asdict(reason), "text": reason_text(reason, lang)}


def reason_text(reason: Reason, lang: str = "en") -> str:
    label = t(f"insights.feature.{reason.feature}", lang)
    return t("insights.churn.reason", lang, feature=label, value=_num(reason.value),
             typical=_num(reason.typical))


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 or abs(value) >= 100 \
        else f"{value:.2f}"
