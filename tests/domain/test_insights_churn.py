"""Churn features, labels, cutoffs and the AUC, on constructed histories.

Why: a feature that reads past its cutoff makes the model look perfect in testing and
useless live, and a time split with overlapping label windows does the same; both are
checked here, together with the arithmetic of the AUC the team is shown.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.insights.churn import (
    NotEnoughData,
    auc,
    check_labels,
    plan_cutoffs,
    top_reasons,
)
from domain.insights.churn_features import (
    DAY,
    FEATURES,
    MemberHistory,
    churned_label,
    community_at,
    features,
    in_population,
)

T0 = 1_767_571_200.0  # 2026-01-05 00:00 UTC


def history(member: str = "m", *, acts: list[float] = (), joined: float | None = T0,
            replies_from: list[tuple[float, str]] = ()) -> MemberHistory:
    h = MemberHistory(member, joined=joined)
    h.acts = sorted(acts)
    h.messages = sorted(acts)
    h.message_lengths = [20] * len(acts)
    h.message_channels = ["general"] * len(acts)
    for t, who in replies_from:
        h.replies_received.append(t)
        h.partners.append((t, who))
    h.sort()
    return h


def value(h: MemberHistory, name: str, cutoff: float,
          others: list[MemberHistory] = ()) -> float:
    at = community_at([h, *others], cutoff)
    return features(h, at)[FEATURES.index(name)]


def test_there_are_at_least_thirty_features() -> None:
    assert len(FEATURES) >= 30 and len(set(FEATURES)) == len(FEATURES)
    h = history(acts=[T0 + DAY * d for d in range(10)])
    assert len(features(h, community_at([h], T0 + 20 * DAY))) == len(FEATURES)


def test_windows_and_recency() -> None:
    acts = [T0 + DAY * d + 3600 for d in (0, 1, 2, 10, 20, 25, 26)]
    h = history(acts=acts)
    cutoff = T0 + 27 * DAY
    assert abs(value(h, "recency_days", cutoff) - (1 - 1 / 24)) < 1e-9
    assert value(h, "acts_7", cutoff) == 3
    assert value(h, "active_days_7", cutoff) == 3
    assert value(h, "acts_30", cutoff) == 7
    assert value(h, "tenure_days", cutoff) == 27
    assert value(h, "max_gap_days_30", cutoff) == 10  # day 10 -> day 20
    assert value(h, "first_week_acts", cutoff) == 3


def test_unanswered_questions_need_a_day_without_reply() -> None:
    asker = history("a", acts=[T0 + DAY, T0 + 2 * DAY])
    asker.questions = [T0 + DAY, T0 + 2 * DAY]
    asker.replies_received = [T0 + DAY + 600]  # the first question got an answer
    asker.sort()
    assert value(asker, "questions_30", T0 + 5 * DAY) == 2
    assert value(asker, "unanswered_questions_30", T0 + 5 * DAY) == 1
    # the second question is not "unanswered" until a day has passed
    assert value(asker, "unanswered_questions_30", T0 + 2.5 * DAY) == 0


def test_partners_still_active_share() -> None:
    friend = history("f", acts=[T0 + 20 * DAY])
    gone = history("g", acts=[T0 + DAY])
    me = history("me", acts=[T0 + 2 * DAY, T0 + 20 * DAY],
                 replies_from=[(T0 + 2 * DAY, "f"), (T0 + 3 * DAY, "g")])
    assert value(me, "reply_degree_30", T0 + 21 * DAY, [friend, gone]) == 2
    assert value(me, "partners_active_7", T0 + 21 * DAY, [friend, gone]) == 0.5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=60), min_size=1, max_size=40),
       st.lists(st.floats(min_value=0.001, max_value=30), max_size=20),
       st.floats(min_value=5, max_value=60))
def test_features_never_read_past_the_cutoff(days: list[float], later: list[float],
                                             cutoff_day: float) -> None:
    cutoff = T0 + cutoff_day * DAY
    before = [T0 + d * DAY for d in days if T0 + d * DAY <= cutoff]
    base = history(acts=before)
    extended = history(acts=before + [cutoff + d * DAY for d in later])
    assert features(base, community_at([base], cutoff)) == \
        features(extended, community_at([extended], cutoff))


def test_label_and_population() -> None:
    h = history(acts=[T0 + DAY * d for d in (0, 5, 9, 30)])
    assert churned_label(h, T0 + 10 * DAY, 7)  # nothing in days 10..17
    assert not churned_label(h, T0 + 25 * DAY, 7)  # day 30 is within 25..32
    assert in_population(h, T0 + 10 * DAY, 14)
    assert not in_population(h, T0 + 28 * DAY, 14)  # silent 19 days: dormant, not at risk
    left = history(acts=[T0 + DAY])
    left.leaves = [T0 + 2 * DAY]
    assert not in_population(left, T0 + 3 * DAY, 14)


def test_cutoffs_leave_a_horizon_between_training_and_test() -> None:
    plan = plan_cutoffs(T0, T0 + 60 * DAY, horizon_days=7, step_days=3, min_history_days=14)
    assert not isinstance(plan, NotEnoughData)
    assert plan.test == T0 + 53 * DAY
    assert max(plan.train) + 7 * DAY <= plan.test
    assert min(plan.train) >= T0 + 14 * DAY
    assert list(plan.train) == sorted(plan.train)


def test_short_history_is_not_enough() -> None:
    plan = plan_cutoffs(T0, T0 + 20 * DAY, horizon_days=7, step_days=3, min_history_days=14)
    assert isinstance(plan, NotEnoughData) and plan.key == "history"
    assert plan.fields == {"days": 20.0, "needed": 28}


def test_label_checks() -> None:
    assert check_labels([True] * 10 + [False] * 50, [True] * 6 + [False] * 30,
                        min_members=30, min_each_class=5) is None
    few = check_labels([False] * 60, [True] * 6 + [False] * 30, min_members=30,
                       min_each_class=5)
    assert few is not None and few.key == "classes_train" and few.fields["churned"] == 0
    small = check_labels([True] * 10 + [False] * 50, [True] * 3 + [False] * 4,
                         min_members=30, min_each_class=5)
    assert small is not None and small.key == "members"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 6)), min_size=2, max_size=80))
def test_auc_matches_scikit_learn(pairs: list[tuple[bool, int]]) -> None:
    from sklearn.metrics import roc_auc_score

    labels = [y for y, _ in pairs]
    if len(set(labels)) < 2:
        return
    scores = [float(s) for _, s in pairs]
    assert abs(auc(labels, scores) - roc_auc_score(labels, scores)) < 1e-12


def test_auc_extremes() -> None:
    assert auc([False, False, True, True], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc([True, True, False, False], [0.1, 0.2, 0.8, 0.9]) == 0.0
    rng = random.Random(1)
    labels = [rng.random() < 0.3 for _ in range(4000)]
    assert abs(auc(labels, [rng.random() for _ in labels]) - 0.5) < 0.05


def test_reasons_are_what_raises_risk_most() -> None:
    reasons = top_reasons(["a", "b", "c", "d"], [5, 0, 3, 1], [1, 4, 3, 1],
                          [0.2, 0.3, 0.5, 0.4], k=2)
    # c and d equal the median: not a reason, whatever their contribution
    assert [r.feature for r in reasons] == ["b", "a"]
    assert reasons[0].value == 0 and reasons[0].typical == 4
