"""Points: every anti-farming rule, categories, reversals, admin changes, ledger invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.growth.points import (
    Award,
    LedgerChange,
    Refusal,
    RefusalReason,
    admin_grant,
    admin_revoke,
    apply_change,
    award_creation,
    award_event_attended,
    award_helpful,
    award_message,
    award_reaction_received,
    award_reply_received,
    award_voice,
    local_clock,
    reevaluate_edit,
    revoke_award,
)
from domain.growth.rules import GrowthRules, Source, SourceRule
from domain.growth.shop import ShopItem, apply_purchase, decide_purchase
from domain.growth.state import MemberGrowthState

T0 = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)  # a Monday, noon UTC


def state(member: str = "dc:1") -> MemberGrowthState:
    return MemberGrowthState(member_id=member)


def post(rules, s, text, at, channel="dc:chan", **kw):
    return award_message(rules, s, text=text, channel_id=channel, at=at, **kw)


RULES = GrowthRules()
TEXTS = [
    "Good morning, who is coming to the garden on Saturday?",
    "I planted twenty tomato seedlings yesterday evening",
    "The compost bin behind the school is full again",
    "Does anyone know a good recipe for zucchini bread?",
    "Our next cleanup walk starts at the river bridge",
    "Thanks for the help with my bike repair last week",
    "Photos from the workshop are now in the shared album",
    "Please bring gloves and a water bottle tomorrow",
    "The library has new books about urban beekeeping",
    "Rain is forecast, so the picnic moves indoors",
    "Who wants to swap strawberry runners for mint cuttings?",
    "My kids loved the bird house building session",
    "Reminder: the committee meeting is on Thursday night",
    "Found a lost cat near the bakery, grey with a white tail",
    "Solar panels on the community hall are finally installed",
    "Can someone lend me a ladder for the weekend?",
]


def test_message_earns_the_configured_points_and_category():
    s = state()
    decision = post(RULES, s, "Hello everyone, glad to be here!", T0)
    assert isinstance(decision, Award)
    assert (decision.points, decision.category, decision.source) == (10, "activity", "message")
    assert s.lifetime == {"activity": 10}
    assert s.balance == s.lifetime_total == 10
    assert decision.change() == LedgerChange("activity", 10, 10, "message", "message")


def test_cooldown_blocks_until_it_has_passed():
    s = state()
    assert post(RULES, s, TEXTS[0], T0)
    refused = post(RULES, s, TEXTS[1], T0 + timedelta(seconds=59))
    assert isinstance(refused, Refusal) and refused.reason == RefusalReason.COOLDOWN
    assert not refused and refused.points == 0
    assert post(RULES, s, TEXTS[2], T0 + timedelta(seconds=60))
    assert s.messages == 3  # refused messages are still activity


def test_cooldown_zero_allows_every_message():
    rules = replace(RULES, cooldown_seconds=0)
    s = state()
    assert all(post(rules, s, TEXTS[i], T0) for i in range(5))


def test_out_of_order_event_is_treated_as_inside_cooldown():
    s = state()
    assert post(RULES, s, TEXTS[0], T0)
    late = post(RULES, s, TEXTS[1], T0 - timedelta(minutes=10))
    assert late.reason == RefusalReason.COOLDOWN


@pytest.mark.parametrize("text", ["ok", "ok!!!!!!", "😀😀😀😀😀😀", "...   !!!", "lol 😂", "好的"])
def test_too_short_messages_earn_nothing(text):
    decision = post(RULES, state(), text, T0)
    assert decision.reason == RefusalReason.TOO_SHORT


def test_min_length_counts_letters_not_padding():
    rules = replace(RULES, min_length=5)
    assert post(rules, state(), "hello", T0)
    assert post(rules, state(), "谢谢你", T0)  # 3 Han characters weigh 6
    assert not post(rules, state(), "hi!!!!!!!!!!!!", T0)


def test_near_duplicate_earns_nothing_after_the_cooldown():
    s = state()
    assert post(RULES, s, "Does anyone have tomato seeds to share?", T0)
    again = post(RULES, s, "does anyone have TOMATO seeds to share 🍅🍅",
                 T0 + timedelta(minutes=2))
    assert again.reason == RefusalReason.NEAR_DUPLICATE
    assert post(RULES, s, "The compost bin behind the school is full again",
                T0 + timedelta(minutes=4))


def test_repeat_of_text_sent_in_cooldown_is_caught_once_evaluated():
    s = state()
    assert post(RULES, s, TEXTS[0], T0)
    assert post(RULES, s, TEXTS[0], T0 + timedelta(seconds=5)).reason == RefusalReason.COOLDOWN
    assert post(RULES, s, TEXTS[0], T0 + timedelta(seconds=90)).reason == \
        RefusalReason.NEAR_DUPLICATE


def test_duplicate_memory_is_bounded():
    rules = replace(RULES, cooldown_seconds=0, duplicate_memory=3)
    s = state()
    for i in range(4):
        assert post(rules, s, TEXTS[i], T0)
    assert len(s.fingerprints) == 3
    assert post(rules, s, TEXTS[0], T0)  # forgotten: outside the last 3
    assert not post(rules, s, TEXTS[3], T0)


def test_daily_cap_clips_then_refuses_and_resets_next_local_day():
    rules = replace(RULES, cooldown_seconds=0, daily_cap=25)
    s = state()
    first, second, third = (post(rules, s, TEXTS[i], T0) for i in range(3))
    assert (first.points, second.points, third.points) == (10, 10, 5)
    assert third.capped and "capped" in third.reason
    assert post(rules, s, TEXTS[3], T0).reason == RefusalReason.DAILY_CAP
    remembered = len(s.fingerprints)
    assert post(rules, s, TEXTS[5], T0).reason == RefusalReason.DAILY_CAP
    assert len(s.fingerprints) == remembered  # capped: text not even analysed
    assert post(rules, s, TEXTS[4], T0 + timedelta(days=1)).points == 10
    assert s.lifetime_total == 35


def test_daily_cap_day_follows_the_community_time_zone():
    rules = replace(RULES, cooldown_seconds=0, daily_cap=10, tz=ZoneInfo("Asia/Shanghai"))
    s = state()
    late = datetime(2024, 5, 6, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert post(rules, s, TEXTS[0], late)
    assert not post(rules, s, TEXTS[1], late + timedelta(minutes=20))  # 23:50, same day
    assert post(rules, s, TEXTS[2], late + timedelta(minutes=40))  # 00:10 next day


def test_daily_cap_none_means_no_cap():
    rules = replace(RULES, cooldown_seconds=0, daily_cap=None)
    s = state()
    assert all(post(rules, s, TEXTS[i], T0) for i in range(16))
    assert s.lifetime_total == 160


def test_uncapped_sources_ignore_the_cap():
    rules = replace(RULES, daily_cap=5)
    s = state()
    assert award_helpful(rules, s, marked_by="dc:mod", at=T0).points == 50


def test_channel_multiplier_and_no_points_channels():
    rules = replace(RULES, channel_multipliers={"dc:help": 1.5, "dc:memes": 0.0},
                    no_points_channels=frozenset({"dc:bots"}))
    assert post(rules, state(), TEXTS[0], T0, channel="dc:help").points == 15
    assert post(rules, state(), TEXTS[0], T0, channel="dc:memes").reason == \
        RefusalReason.NO_POINTS_CHANNEL
    s = state()
    assert post(rules, s, TEXTS[0], T0, channel="dc:bots").reason == \
        RefusalReason.NO_POINTS_CHANNEL
    assert s.messages == 1 and s.lifetime_total == 0


def test_multiplier_rounds_half_up():
    rules = replace(RULES, sources={Source.MESSAGE: SourceRule(5, "activity")},
                    channel_multipliers={"dc:c": 0.5})
    assert post(rules, state(), TEXTS[0], T0, channel="dc:c").points == 3  # 2.5 -> 3


def test_team_boost_doubles_and_counts_the_interaction():
    s = state()
    decision = post(RULES, s, TEXTS[0], T0, is_teammate_interaction=True)
    assert decision.points == 20 and decision.team_boosted and "team" in decision.reason
    assert s.team_interactions == 1


def test_custom_category_points():
    rules = replace(RULES, categories=("activity", "helping", "creation", "green"),
                    sources={**RULES.sources,
                             Source.EVENT_ATTENDED: SourceRule(40, "green")})
    s = state()
    assert award_event_attended(rules, s, at=T0).category == "green"
    assert s.lifetime == {"green": 40} and s.events_attended == 1
    grant = admin_grant(rules, s, amount=5, reason="tree planting", category="green")
    assert grant.category == "green" and s.lifetime["green"] == 45


def test_disabled_source_earns_nothing():
    rules = replace(RULES, sources={Source.MESSAGE: SourceRule(0, "activity")})
    assert post(rules, state(), TEXTS[0], T0).reason == RefusalReason.SOURCE_DISABLED


def test_reactions_and_replies_received_but_not_from_oneself():
    s = state("dc:author")
    assert award_reaction_received(RULES, s, reactor_id="dc:author", channel_id="dc:c",
                                   at=T0).reason == RefusalReason.SELF_INTERACTION
    assert s.reactions_received == 0
    assert award_reaction_received(RULES, s, reactor_id="dc:other", channel_id="dc:c",
                                   at=T0).points == 2
    assert award_reply_received(RULES, s, replier_id="dc:other", channel_id="dc:c",
                                at=T0, is_teammate_interaction=True).points == 10
    assert (s.reactions_received, s.replies_received, s.team_interactions) == (1, 1, 1)


def test_helpful_counts_and_uses_helping_category():
    s = state()
    assert award_helpful(RULES, s, marked_by="dc:1", at=T0).reason == \
        RefusalReason.SELF_INTERACTION
    award = award_helpful(RULES, s, marked_by="dc:mod", at=T0)
    assert (award.points, award.category, s.helpful) == (50, "helping", 1)


def test_voice_minutes_carry_fractions_and_reject_nonsense():
    s = state()
    assert award_voice(RULES, s, minutes=30.5, channel_id="dc:v", at=T0).points == 30
    assert award_voice(RULES, s, minutes=30.5, channel_id="dc:v", at=T0).points == 31
    for bad in (-1, float("nan"), float("inf"), True):
        assert award_voice(RULES, s, minutes=bad, channel_id="dc:v", at=T0).reason == \
            RefusalReason.INVALID_AMOUNT
    rules = replace(RULES, daily_cap=None)
    assert award_voice(rules, state(), minutes=10_000, channel_id="dc:v", at=T0).points == 1440


def test_creation_points():
    s = state()
    assert award_creation(RULES, s, units=3, at=T0).points == 3
    assert s.lifetime == {"creation": 3}
    assert award_creation(RULES, s, units=-1, at=T0).reason == RefusalReason.INVALID_AMOUNT


def test_deleted_message_is_reversed_without_making_balance_negative():
    s = state()
    award = post(RULES, s, TEXTS[0], T0)
    s.balance = 4  # spent 6 in the shop meanwhile
    reversal = revoke_award(s, points=award.points, category=award.category)
    assert reversal == LedgerChange("activity", -10, -4, "message", "message_deleted")
    assert s.lifetime_total == 0 and s.balance == 0
    assert revoke_award(s, points=10, category="activity") is None


def test_reversing_a_helpful_mark_undoes_the_stat():
    s = state()
    award_helpful(RULES, s, marked_by="dc:mod", at=T0)
    revoke_award(s, points=50, category="helping", source=Source.HELPFUL_ANSWER)
    assert s.helpful == 0 and s.lifetime_total == 0


def test_edit_below_minimum_reverses_and_edits_never_award():
    s = state()
    award = post(RULES, s, TEXTS[0], T0)
    change = reevaluate_edit(RULES, s, text="ok", awarded_points=award.points,
                             category=award.category)
    assert change is not None and change.lifetime_delta == -10
    assert reevaluate_edit(RULES, s, text=TEXTS[5], awarded_points=0,
                           category="activity") is None
    assert s.lifetime_total == 0


@pytest.mark.parametrize("amount,reason", [
    (0, RefusalReason.INVALID_AMOUNT), (-5, RefusalReason.INVALID_AMOUNT),
    (True, RefusalReason.INVALID_AMOUNT), (1.5, RefusalReason.INVALID_AMOUNT),
    ("10", RefusalReason.INVALID_AMOUNT), (10**9, RefusalReason.ABSURD_AMOUNT),
])
def test_admin_grant_rejects_bad_amounts_without_changing_anything(amount, reason):
    s = state()
    assert admin_grant(RULES, s, amount=amount, reason="x").reason == reason
    assert admin_revoke(RULES, s, amount=amount, reason="x").reason == reason
    assert s.balance == 0 and s.lifetime_total == 0


def test_admin_grant_and_revoke():
    s = state()
    assert admin_grant(RULES, s, amount=100, reason="workshop", category="nope").reason == \
        RefusalReason.UNKNOWN_CATEGORY
    assert admin_grant(RULES, s, amount=100, reason="workshop") == \
        LedgerChange("activity", 100, 100, "admin", "workshop")
    taken = admin_revoke(RULES, s, amount=150, reason="mistake")
    assert (taken.lifetime_delta, taken.balance_delta) == (-100, -100)
    assert admin_revoke(RULES, s, amount=1, reason="again").reason == \
        RefusalReason.NOTHING_TO_REVOKE


def test_active_days_streaks_first_and_last_seen():
    s = state()
    for day in (0, 1, 2, 4):
        post(RULES, s, TEXTS[day], T0 + timedelta(days=day))
        post(RULES, s, TEXTS[day + 8], T0 + timedelta(days=day, hours=1))
    assert (s.active_days, s.streak, s.best_streak) == (4, 1, 3)
    assert s.first_seen == T0.timestamp()
    assert s.last_seen == (T0 + timedelta(days=4, hours=1)).timestamp()


def test_night_messages_use_local_hours():
    rules = replace(RULES, tz=ZoneInfo("Asia/Shanghai"))
    s = state()
    post(rules, s, TEXTS[0], datetime(2024, 5, 6, 18, 30, tzinfo=UTC))  # 02:30 local
    post(rules, s, TEXTS[1], datetime(2024, 5, 6, 4, 0, tzinfo=UTC))  # 12:00 local
    assert s.night_messages == 1
    wrap = replace(RULES, night_start_hour=22, night_end_hour=2)
    assert [wrap.is_night_hour(h) for h in (21, 22, 23, 0, 1, 2)] == \
        [False, True, True, True, True, False]


def test_languages_are_recorded():
    s = state()
    post(RULES, s, "Good morning, how is everyone?", T0)
    post(RULES, s, "大家早上好，今天怎么样？", T0 + timedelta(minutes=2))
    assert s.languages.bit_count() == 2


def test_local_clock_handles_dst_and_naive_times():
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)  # 01:30 CET
    after = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert local_clock(berlin, before)[2] == 1
    assert local_clock(berlin, after)[2] == 3
    assert local_clock(UTC, datetime(2024, 1, 1, 5))[2] == 5


# --- ledger invariants -----------------------------------------------------------------

ITEM = ShopItem("title", price=35, per_member_limit=3)
operation = st.one_of(
    st.tuples(st.just("message"), st.sampled_from([*TEXTS, "ok", "hi!!"]),
              st.integers(0, 400), st.booleans()),
    st.tuples(st.just("reaction"), st.sampled_from(["dc:1", "dc:2"]), st.integers(0, 400)),
    st.tuples(st.just("helpful"), st.integers(0, 400)),
    st.tuples(st.just("voice"), st.one_of(st.floats(-5, 200), st.just(float("nan"))),
              st.integers(0, 400)),
    st.tuples(st.just("grant"), st.integers(-50, 500)),
    st.tuples(st.just("admin_revoke"), st.integers(-5, 500)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("buy"), st.integers(0, 50)),
)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(operation, max_size=60))
def test_ledger_invariants_hold_for_any_sequence(ops):
    rules = replace(RULES, daily_cap=120)
    s = state("dc:1")
    ledger: list[LedgerChange] = []
    awards: list[LedgerChange] = []
    bought = 0
    clock = T0
    for op in ops:
        kind = op[0]
        lifetime_before = dict(s.lifetime)
        if kind == "message":
            clock += timedelta(seconds=op[2])
            result = post(rules, s, op[1], clock, is_teammate_interaction=op[3])
        elif kind == "reaction":
            clock += timedelta(seconds=op[2])
            result = award_reaction_received(rules, s, reactor_id=op[1], channel_id="dc:c",
                                             at=clock)
        elif kind == "helpful":
            clock += timedelta(seconds=op[1])
            result = award_helpful(rules, s, marked_by="dc:mod", at=clock)
        elif kind == "voice":
            clock += timedelta(seconds=op[2])
            result = award_voice(rules, s, minutes=op[1], channel_id="dc:v", at=clock)
        elif kind == "grant":
            result = admin_grant(rules, s, amount=op[1], reason="test")
        elif kind == "admin_revoke":
            result = admin_revoke(rules, s, amount=op[1], reason="test")
        elif kind == "reverse":
            result = None
            if awards:
                target = awards.pop(op[1] % len(awards))
                result = revoke_award(s, points=target.lifetime_delta,
                                      category=target.category, source=target.source)
        else:
            decision = decide_purchase(ITEM, s.balance, bought, None, op[1])
            result = None
            if not isinstance(decision, Refusal):
                balance_before = s.balance
                result = apply_purchase(s, decision)
                bought += 1
                assert s.lifetime == lifetime_before, "spending changed lifetime"
                assert s.balance == balance_before - decision.price >= 0
        if isinstance(result, Award):
            ledger.append(result.change())
            awards.append(result.change())
        elif isinstance(result, LedgerChange):
            ledger.append(result)
        assert s.balance >= 0
        assert all(v >= 0 for v in s.lifetime.values())
        assert s.lifetime_total == sum(s.lifetime.values())
    # lifetime is exactly what was earned minus what was reversed; replay rebuilds it all.
    assert s.lifetime_total == sum(c.lifetime_delta for c in ledger)
    assert s.balance == sum(c.balance_delta for c in ledger)
    rebuilt = state("dc:1")
    for change in ledger:
        apply_change(rebuilt, change)
    assert (rebuilt.lifetime_total, rebuilt.balance, rebuilt.spent) == \
        (s.lifetime_total, s.balance, s.spent)
    assert {k: v for k, v in rebuilt.lifetime.items() if v} == \
        {k: v for k, v in s.lifetime.items() if v}
    assert s.points_today <= 120


def test_apply_change_refuses_a_corrupt_ledger():
    s = state()
    with pytest.raises(ValueError, match="negative"):
        apply_change(s, LedgerChange("activity", -5, 0, "admin", "x"))
    with pytest.raises(ValueError, match="balance"):
        apply_change(s, LedgerChange("activity", 0, -5, "purchase", "x"))
