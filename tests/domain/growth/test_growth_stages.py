"""Stages: absolute and dynamic thresholds, perks, roles, grace before demotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.growth.stages import (
    Perks,
    StageRule,
    StageRules,
    decide_stage,
    dynamic_stages,
    dynamic_windows,
    qualified_stage,
)
from domain.growth.state import MemberGrowthState

T0 = datetime(2024, 5, 6, tzinfo=UTC)

RULES = StageRules(
    stages=(
        StageRule("newcomer", perks=Perks(roles=("role:new",))),
        StageRule("active", min_points=100, min_active_days=3,
                  perks=Perks(roles=("role:active",), shop_discount_pct=5)),
        StageRule("expert", min_points=1000, min_helpful=5, top_percent=10,
                  perks=Perks(roles=("role:expert",), title="Expert",
                              extra_reminder_slots=3, shop_discount_pct=10)),
        StageRule("leader", min_points=5000, top_percent=1,
                  perks=Perks(roles=("role:leader",))),
    ),
    grace_days=7,
)


def member(points=0, days=0, helpful=0, stage="newcomer") -> MemberGrowthState:
    return MemberGrowthState(member_id="dc:1", lifetime={"activity": points},
                             lifetime_total=points, balance=points, active_days=days,
                             helpful=helpful, stage=stage)


def test_every_set_criterion_must_hold():
    assert qualified_stage(RULES, member(points=500, days=2)) == "newcomer"
    assert qualified_stage(RULES, member(points=500, days=3)) == "active"
    # expert needs points, helpful AND the dynamic top 10 %
    assert qualified_stage(RULES, member(points=2000, days=30, helpful=9)) == "active"
    assert qualified_stage(RULES, member(points=2000, days=30, helpful=9), "expert") == "expert"
    assert qualified_stage(RULES, member(points=2000, days=30, helpful=4), "expert") == "active"
    assert qualified_stage(RULES, member(points=9000, days=30, helpful=9), "leader") == "leader"
    assert qualified_stage(RULES, member(points=4000, days=30, helpful=9), "leader") == "expert"


def test_spending_never_demotes():
    s = member(points=500, days=3)
    s.balance = 0  # everything spent in the shop
    assert qualified_stage(RULES, s) == "active"


def test_promotion_is_immediate_with_roles_and_perks():
    s = member(points=2000, days=10, helpful=6)
    change = decide_stage(RULES, s, qualified="expert", at=T0)
    assert change.promoted and (change.old, change.new) == ("newcomer", "expert")
    assert change.roles_add == ("role:expert",) and change.roles_remove == ("role:new",)
    assert change.perks.title == "Expert" and change.perks.extra_reminder_slots == 3
    assert s.stage == "expert"
    assert decide_stage(RULES, s, qualified="expert", at=T0) is None


def test_demotion_waits_for_the_grace_period():
    s = member(stage="expert")
    assert decide_stage(RULES, s, qualified="active", at=T0) is None
    assert s.stage == "expert" and s.stage_grace_since == T0.timestamp()
    assert decide_stage(RULES, s, qualified="active", at=T0 + timedelta(days=6)) is None
    change = decide_stage(RULES, s, qualified="newcomer", at=T0 + timedelta(days=7))
    assert not change.promoted and (change.old, change.new) == ("expert", "newcomer")
    assert change.roles_remove == ("role:expert",) and change.roles_add == ("role:new",)
    assert s.stage_grace_since is None


def test_qualifying_again_cancels_the_grace_period():
    s = member(stage="expert")
    decide_stage(RULES, s, qualified="active", at=T0)
    assert decide_stage(RULES, s, qualified="expert", at=T0 + timedelta(days=3)) is None
    assert s.stage_grace_since is None
    assert decide_stage(RULES, s, qualified="active", at=T0 + timedelta(days=8)) is None


def test_zero_grace_demotes_at_once_and_cumulative_roles():
    rules = StageRules(stages=RULES.stages, grace_days=0, cumulative_roles=True)
    s = member(stage="expert")
    change = decide_stage(rules, s, qualified="active", at=T0)
    assert change.new == "active"
    assert change.roles_remove == ("role:expert",) and change.roles_add == ()
    assert rules.roles_of("leader") == ("role:new", "role:active", "role:expert",
                                         "role:leader")


def test_unknown_stored_stage_moves_to_the_qualified_one():
    s = member(stage="legend")  # stage removed from config
    change = decide_stage(RULES, s, qualified="active", at=T0)
    assert change.new == "active" and change.roles_remove == ()


def test_dynamic_top_percent_with_ties_and_zero_points():
    ranking = [(f"m{i}", 1000 - i) for i in range(100)] + [("zero", 0)]
    ranking.append(("tied", 1000 - 9))  # ties with 10th place
    result = dynamic_stages(RULES, ranking)
    assert result["m0"] == "leader"  # top 1 % of 101 ranked = ceil(1.01) = 2 places
    assert result["m1"] == "leader"
    assert result["m2"] == "expert"
    assert result["m9"] == "expert" and result["tied"] == "expert"
    assert "m10" not in result and "zero" not in result
    # 101 ranked members: expert holds ceil(10.1) = 11 places (m0..m9 and the tie).
    assert len(result) == 11


@given(st.lists(st.integers(0, 50), max_size=200))
def test_dynamic_groups_never_exceed_their_share_except_ties(points):
    ranking = [(f"m{i}", p) for i, p in enumerate(points)]
    result = dynamic_stages(RULES, ranking)
    ranked = [p for p in points if p > 0]
    for name, pct in (("leader", 1), ("expert", 10)):
        members = [m for m, stage in result.items() if RULES.index(stage) >= RULES.index(name)]
        if members:
            lowest = min(dict(ranking)[m] for m in members)
            better = sum(1 for p in ranked if p > lowest)
            assert better < -(-len(ranked) * pct // 100)


def test_dynamic_windows_and_window_filter():
    rules = StageRules(stages=(StageRule("newcomer"), StageRule("active", top_percent=50,
                                                                window_days=30),
                               StageRule("expert", top_percent=10, window_days=90)))
    assert dynamic_windows(rules) == (30, 90)
    result = dynamic_stages(rules, [("a", 10), ("b", 5)], window_days=30)
    assert result == {"a": "active"}


@pytest.mark.parametrize("stages,match", [
    ((), "at least one"),
    ((StageRule("a"), StageRule("a", min_points=1)), "unique"),
    ((StageRule("a", min_points=1),), "cannot have criteria"),
    ((StageRule("a"), StageRule("b", top_percent=5), StageRule("c", top_percent=10)),
     "smaller"),
])
def test_invalid_stage_rules(stages, match):
    with pytest.raises(ValueError, match=match):
        StageRules(stages=stages)
