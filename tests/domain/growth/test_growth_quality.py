"""Content quality score and creation points."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.growth.quality import (
    QualityRules,
    QualityWeights,
    creation_points_due,
    distinct_reach,
    effective_interactions,
    originality,
    reach,
    score,
    score_post,
    usefulness,
)
from domain.growth.text import fingerprint

POST = ("Here is a step by step guide to building a rain barrel from a food-grade drum, "
        "including the overflow valve and mosquito mesh that most guides forget.")


def test_default_weights_and_validation():
    w = QualityWeights()
    assert (w.originality, w.reach, w.usefulness, w.compliance) == (0.4, 0.3, 0.2, 0.1)
    with pytest.raises(ValueError, match="sum to 1"):
        QualityWeights(0.5, 0.3, 0.2, 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        QualityWeights(1.2, -0.2, 0.0, 0.0)


def test_originality_is_zero_for_a_repeat_and_grows_with_length():
    assert originality(POST) == 1.0
    assert originality(POST, [fingerprint(POST.upper() + "!!!")]) == 0.0
    assert 0 < originality("nice rain barrel") < originality("nice rain barrel, where from?")
    assert originality("🎉🎉") == 0.0


def test_reach_counts_distinct_other_members_inside_the_window():
    t0 = 1_000_000.0
    interactions = [("ann", t0 + 60), ("ann", t0 + 120), ("bob", t0 + 3600),
                    ("author", t0 + 10), ("cat", t0 + 73 * 3600), ("dan", t0 - 5)]
    assert distinct_reach(interactions, author_id="author", posted_at=t0) == 2
    assert reach(0) == 0.0 and reach(5) == pytest.approx(0.5)
    assert reach(10) > reach(5) and reach(1000) <= 1.0


def test_usefulness_counts_replies_and_helpful_marks():
    assert usefulness(0, 0) == 0.0
    assert usefulness(0, 1) > usefulness(1, 0)
    assert usefulness(3, 0) == pytest.approx(0.5)


def test_score_post_combines_weighted_components():
    result = score_post(text=POST, author_id="a", posted_at=0.0,
                        interactions=[(f"m{i}", 60.0) for i in range(5)],
                        replies=3, helpful_marks=0, filter_hits=0)
    assert result.originality == 1.0 and result.compliance == 1.0
    assert result.score == pytest.approx(0.4 + 0.3 * 0.5 + 0.2 * 0.5 + 0.1)
    flagged = score_post(text=POST, author_id="a", posted_at=0.0, filter_hits=2)
    assert flagged.compliance == 0.0 and flagged.score == pytest.approx(0.4)


@given(*(st.floats(allow_nan=True, allow_infinity=True) for _ in range(4)))
def test_score_always_in_unit_interval(a, b, c, d):
    result = score(originality_value=a, reach_value=b, usefulness_value=c, compliance_value=d)
    assert 0.0 <= result.score <= 1.0
    assert all(0.0 <= v <= 1.0 for v in (result.originality, result.reach, result.usefulness,
                                         result.compliance))


def test_creation_points_per_thousand_effective_interactions():
    assert effective_interactions(2000, 0.5) == 1000
    assert creation_points_due(999.9, 0) == 0
    assert creation_points_due(2500, 0) == 2
    assert creation_points_due(2500, 2) == 0  # idempotent
    assert creation_points_due(1500, 2) == 0  # a score drop takes nothing back
    assert creation_points_due(300, 0, QualityRules(interactions_per_point=100)) == 3
    assert creation_points_due(float("nan"), 0) == 0
