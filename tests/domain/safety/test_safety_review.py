"""Review decisions, appeal outcomes, SLA escalation rules and the distress guard (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.safety.review import (
    REVIEW_ACTIONS,
    SLA_STEPS,
    ArgumentError,
    appeal_outcome,
    deadlines,
    is_private,
    parse_item_id,
    parse_review,
    plan_review,
    review_sla,
    spare_distress,
)
from domain.safety.verdict import ActionKind, RuleAction, RuleHit, parse_action

T0 = datetime(2026, 1, 1, tzinfo=UTC)
GOLDEN = {"acknowledge": 3600, "assessment": 1800, "statement": 900, "remediation": 86400}


def test_parse_review_forms() -> None:
    assert parse_review("12 spam") == parse_review("#12 SPAM")
    command = parse_review("7 timeout 2h spamming links, again")
    assert (command.item_id, command.action, command.seconds, command.reason) == (
        7, "timeout", 7200, "spamming links, again")
    # a timeout without a duration keeps the whole rest as the reason
    assert parse_review("7 timeout rude").seconds is None
    assert parse_review("7 timeout rude").reason == "rude"
    assert parse_review("3 not-spam").action == "notspam"
    assert parse_review("3 delete").action == "remove"


@pytest.mark.parametrize(("args", "key"), [
    ("", "safety.review.usage"), ("12", "safety.review.usage"),
    ("x spam", "safety.error.bad_id"), ("0 spam", "safety.error.bad_id"),
    ("-3 spam", "safety.error.bad_id"), ("12 nuke", "safety.review.bad_action"),
    ("12 timeout 60d", "safety.review.timeout_too_long"), ("١٢ spam", "safety.error.bad_id"),
])
def test_parse_review_errors_name_a_catalogue_message(args: str, key: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_review(args)
    assert info.value.key == key


@given(st.text(max_size=200))
def test_parse_review_never_raises_anything_but_argument_error(text: str) -> None:
    try:
        command = parse_review(text)
    except ArgumentError:
        return
    assert command.item_id > 0 and command.action in REVIEW_ACTIONS
    assert len(command.reason) <= 300


@given(st.integers(min_value=1, max_value=10**17))
def test_item_ids_round_trip(number: int) -> None:
    assert parse_item_id(str(number)) == number == parse_item_id(f"#{number}")


def test_plans() -> None:
    assert plan_review("spam", message_deleted=False).remove_message
    assert plan_review("spam", message_deleted=True).remove_message is False
    assert plan_review("spam", message_deleted=True).example == "spam"
    assert plan_review("notspam", message_deleted=True).repost
    assert plan_review("approve", message_deleted=False).repost is False
    ban = plan_review("ban", message_deleted=False)
    assert ban.ban and ban.strike and ban.final
    assert not plan_review("remove", message_deleted=False).strike
    escalate = plan_review("escalate", message_deleted=False)
    assert escalate.escalate and not escalate.final


def test_appeal_outcomes() -> None:
    assert appeal_outcome("approve") == "granted"
    assert appeal_outcome("remove") == "denied"
    with pytest.raises(ArgumentError):
        appeal_outcome("ban")


def test_deadlines_are_cumulative() -> None:
    due = deadlines(T0, GOLDEN)
    assert list(due) == list(SLA_STEPS)
    assert due["acknowledge"] == T0 + timedelta(minutes=60)
    assert due["assessment"] == T0 + timedelta(minutes=90)
    assert due["statement"] == T0 + timedelta(minutes=105)
    assert due["remediation"] == T0 + timedelta(hours=24, minutes=105)


def test_sla_rules() -> None:
    unclaimed = review_sla("acknowledge", status="open", claimed=False, level=0)
    assert (unclaimed.page, unclaimed.level, unclaimed.next_step) == (True, 1, "assessment")
    claimed = review_sla("acknowledge", status="claimed", claimed=True, level=0)
    assert (claimed.page, claimed.next_step) == (False, "remediation")
    assert review_sla("statement", status="escalated", claimed=False, level=2).next_step == (
        "remediation")
    final = review_sla("remediation", status="claimed", claimed=True, level=0)
    assert final.page and final.next_step is None
    for step in SLA_STEPS:
        done = review_sla(step, status="decided", claimed=True, level=3)
        assert not done.page and done.next_step is None
    with pytest.raises(ValueError):
        review_sla("lunch", status="open", claimed=False, level=0)


def _hit(rule: str, kind: str, action: str) -> RuleHit:
    return RuleHit(rule, kind, parse_action(action))


def test_distress_spares_the_spam_hold_only() -> None:
    hits = [_hit("spam", "spam", "hold"), _hit("category:self_harm", "category", "log"),
            _hit("links", "link_denied", "delete")]
    spared = spare_distress(hits)
    assert spared[0].action == RuleAction(ActionKind.LOG)
    assert spared[2].action.kind is ActionKind.DELETE
    plain = [_hit("spam", "spam", "hold")]
    assert spare_distress(plain) == plain
    assert is_private(["category:self_harm"]) and not is_private(["spam"])
