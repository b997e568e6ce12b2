"""RFM scoring and segments on constructed data.

Why: segments drive the wake-up journeys and the team's view of the community, so the
scoring must be exact (ties share a score, order is kept) and the segment rules must follow
the data instead of forcing a fixed split.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.insights.rfm import (
    CHURNED,
    DORMANT,
    HIGH_VALUE,
    POTENTIAL,
    RfmInput,
    RfmRules,
    quantile_scores,
    score_members,
    segment_changes,
    segment_counts,
)


def test_quantiles_split_distinct_values_evenly() -> None:
    values = {f"m{i}": float(i) for i in range(10)}
    scores = quantile_scores(values, 5)
    assert [scores[f"m{i}"] for i in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quantiles_lower_is_better_reverses() -> None:
    values = {f"m{i}": float(i) for i in range(10)}
    scores = quantile_scores(values, 5, higher_is_better=False)
    assert scores["m0"] == 5 and scores["m9"] == 1


def test_ties_share_a_score_and_all_equal_is_the_middle() -> None:
    scores = quantile_scores({"a": 0, "b": 0, "c": 0, "d": 0, "e": 10}, 5)
    assert scores["a"] == scores["b"] == scores["c"] == scores["d"] < scores["e"]
    assert set(quantile_scores({"a": 3, "b": 3, "c": 3}, 5).values()) == {3}


def test_quantiles_reject_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        quantile_scores({"a": float("nan")})


@given(st.dictionaries(st.text(min_size=1, max_size=4),
                       st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                       max_size=60),
       st.integers(min_value=2, max_value=10))
def test_quantile_scores_keep_order_and_range(values: dict[str, float], bins: int) -> None:
    scores = quantile_scores(values, bins)
    assert all(1 <= s <= bins for s in scores.values())
    for a in values:
        for b in values:
            if values[a] < values[b]:
                assert scores[a] <= scores[b]
            if values[a] == values[b]:
                assert scores[a] == scores[b]


def _member(i: int, recency: float, frequency: float, monetary: float,
            left: bool = False) -> RfmInput:
    return RfmInput(f"m{i:02d}", recency, frequency, monetary, left)


def test_segments_follow_the_rules() -> None:
    members = [
        *[_member(i, 1, 20 + i, 500 + 10 * i) for i in range(4)],  # busy and valuable
        *[_member(10 + i, 2, 3, 20) for i in range(8)],  # around, modest
        _member(30, 20, 0, 0),  # silent 20 days
        _member(31, 45, 0, 0),  # silent 45 days
        _member(32, 1, 25, 900, left=True),  # left the community: churned whatever else
    ]
    scores = {s.member_id: s for s in score_members(members)}
    assert {scores[f"m{i:02d}"].segment for i in range(2, 4)} == {HIGH_VALUE}
    assert {scores[f"m{10 + i:02d}"].segment for i in range(8)} == {POTENTIAL}
    assert scores["m30"].segment == DORMANT
    assert scores["m31"].segment == CHURNED and scores["m32"].segment == CHURNED
    assert scores["m31"].r == 1 and scores["m00"].r >= 4


def test_sizes_come_from_the_data_not_a_fixed_split() -> None:
    everyone_active = [_member(i, 0.5, 10, 100) for i in range(50)]
    counts = segment_counts(score_members(everyone_active))
    assert counts == {HIGH_VALUE: 0, POTENTIAL: 50, DORMANT: 0, CHURNED: 0}
    everyone_gone = [_member(i, 40 + i, 0, 0) for i in range(20)]
    assert segment_counts(score_members(everyone_gone))[CHURNED] == 20


def test_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="dormant_after_days"):
        RfmRules(dormant_after_days=30, churned_after_days=14)
    with pytest.raises(ValueError, match="twice"):
        score_members([_member(1, 1, 1, 1), _member(1, 2, 2, 2)])
    with pytest.raises(ValueError, match="frequency"):
        score_members([_member(1, 1, -1, 1)])


def test_segment_changes_mark_declines() -> None:
    before = {"a": HIGH_VALUE, "b": POTENTIAL, "c": DORMANT}
    after = {"a": POTENTIAL, "b": POTENTIAL, "c": HIGH_VALUE, "d": POTENTIAL}
    changes = {c.member_id: c for c in segment_changes(before, after)}
    assert set(changes) == {"a", "c", "d"}
    assert changes["a"].declined and not changes["a"].improved
    assert changes["c"].improved and changes["d"].old is None and not changes["d"].declined
