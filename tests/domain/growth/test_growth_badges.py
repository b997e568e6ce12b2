"""Badges: incremental evaluation by trigger, idempotency, each default badge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.growth import badges
from domain.growth.badges import (
    DEFAULT_BADGES,
    BadgeIndex,
    BadgeRule,
    Condition,
    badge,
    evaluate,
    evaluate_all,
)
from domain.growth.points import admin_grant, award_helpful, award_message
from domain.growth.rules import GrowthRules
from domain.growth.state import MemberGrowthState

T0 = datetime(2024, 5, 6, 12, tzinfo=UTC)
RULES = GrowthRules(cooldown_seconds=0)
INDEX = BadgeIndex.build(DEFAULT_BADGES)
SENTENCES = [
    "Good morning everyone, lovely weather today", "Who is joining the repair cafe later?",
    "I brought extra seedlings for anyone who wants them", "The new bike racks look great",
    "Let us plan the autumn festival together", "Thanks for organising the book swap",
    "Is the community fridge still open on Sundays?", "Great turnout at yesterday's cleanup",
    "Can someone share the meeting notes please", "I fixed the wobbly bench near the pond",
    "Our solar workshop has two seats left", "Lost keys found at the bakery counter",
]


def member() -> MemberGrowthState:
    return MemberGrowthState(member_id="dc:1")


def test_index_only_lists_rules_a_trigger_can_change():
    ids = {trigger: {rule.id for rule in rules} for trigger, rules in INDEX.by_trigger.items()}
    assert ids["helpful"] == {"helpful_10"}
    assert ids["points_change"] == {"points_1000", "points_10000"}
    assert "helpful_10" not in ids["message"] and "points_1000" not in ids["message"]
    assert {"first_message", "streak_7", "night_owl", "bilingual", "team_player"} <= \
        ids["message"]


def test_only_indexed_rules_are_evaluated():
    calls: list[str] = []

    def counting(stat):
        real = badges.stat_reader(stat)

        def read(state):
            calls.append(stat)
            return real(state)
        return read

    rules = [badge("first_message", messages=1), badge("helpful_10", helpful=10)]
    for rule in rules:
        for condition in rule.conditions:
            object.__setattr__(condition, "read", counting(condition.stat))
    index = BadgeIndex.build(rules)
    evaluate(index, "message", member(), set())
    assert calls == ["messages"]


def test_first_message_is_awarded_once():
    s = member()
    award_message(RULES, s, text="hello there everyone", channel_id="dc:c", at=T0)
    earned = evaluate(INDEX, "message", s, s.badges)
    assert earned == ["first_message"]
    s.badges.update(earned)
    award_message(RULES, s, text=SENTENCES[0], channel_id="dc:c", at=T0)
    assert evaluate(INDEX, "message", s, s.badges) == []


def test_streak_of_seven_days():
    s = member()
    for day in range(7):
        award_message(RULES, s, text=SENTENCES[day], channel_id="dc:c",
                      at=T0 + timedelta(days=day))
        earned = evaluate(INDEX, "message", s, s.badges | {"first_message"})
        assert ("streak_7" in earned) == (day == 6)


def test_night_owl_counts_night_messages():
    s = member()
    night = datetime(2024, 5, 6, 2, tzinfo=UTC)
    for i in range(10):
        award_message(RULES, s, text=SENTENCES[i], channel_id="dc:c",
                      at=night + timedelta(minutes=i))
        assert ("night_owl" in evaluate(INDEX, "message", s, {"first_message"})) == (i == 9)


def test_bilingual_poster():
    s = member()
    award_message(RULES, s, text="Hello friends, how are you?", channel_id="dc:c", at=T0)
    assert "bilingual" not in evaluate(INDEX, "message", s, set())
    award_message(RULES, s, text="大家好，最近怎么样？", channel_id="dc:c", at=T0)
    assert "bilingual" in evaluate(INDEX, "message", s, set())


def test_helpful_and_points_milestones():
    s = member()
    for i in range(10):
        award_helpful(RULES, s, marked_by="dc:mod", at=T0)
        assert ("helpful_10" in evaluate(INDEX, "helpful", s, set())) == (i == 9)
    assert evaluate(INDEX, "points_change", s, set()) == []  # 500 points
    admin_grant(replace(RULES, max_admin_amount=10**6), s, amount=500, reason="x")
    assert evaluate(INDEX, ["points_change", "helpful"], s, set()) == ["helpful_10",
                                                                        "points_1000"]


def test_team_player_and_custom_category_badge():
    s = member()
    s.team_interactions = 25
    assert evaluate(INDEX, "team_interaction", s, set()) == ["team_player"]
    green = BadgeIndex.build([badge("green_hero", lifetime_green=100, messages=1)])
    s.lifetime["green"] = 100
    assert evaluate(green, "points_change", s, set()) == []  # no messages yet
    s.messages = 1
    assert evaluate(green, "message", s, set()) == ["green_hero"]


def test_evaluate_all_for_backfill():
    s = member()
    s.messages, s.lifetime_total = 3, 1500
    assert evaluate_all(INDEX, s, {"first_message"}) == ["points_1000"]


def test_bad_badge_definitions():
    with pytest.raises(ValueError, match="unknown badge stat 'karma'"):
        Condition("karma", 1)
    with pytest.raises(ValueError, match="unique"):
        BadgeIndex.build([badge("a", messages=1), badge("a", helpful=1)])
    with pytest.raises(ValueError, match="no conditions"):
        BadgeIndex.build([BadgeRule("empty", ())])
