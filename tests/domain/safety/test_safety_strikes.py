"""Strike ladder and expiry with passed-in times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.safety.strikes import Strike, StrikeLadder
from domain.safety.verdict import ActionKind, parse_action

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ladder() -> StrikeLadder:
    return StrikeLadder.from_mapping(
        {1: "warn", 3: "timeout 1h", 5: "timeout 1d", 7: "ban"}, "30d"
    )


def strikes_at(*days: float) -> list[Strike]:
    return [Strike(T0 + timedelta(days=d)) for d in days]


def test_ladder_steps(ladder: StrikeLadder) -> None:
    assert ladder.action_for(0) is None
    assert ladder.action_for(1) == parse_action("warn")
    assert ladder.action_for(2) == parse_action("warn")
    assert ladder.action_for(3) == parse_action("timeout 1h")
    assert ladder.action_for(4) == parse_action("timeout 1h")
    assert ladder.action_for(6) == parse_action("timeout 1d")
    assert ladder.action_for(7) == parse_action("ban")
    assert ladder.action_for(70) == parse_action("ban")
    assert ladder.max_strikes == 7


def test_new_strike_escalates_exactly_at_thresholds(ladder: StrikeLadder) -> None:
    now = T0 + timedelta(days=3)
    decision = ladder.on_new_strike(strikes_at(0, 1), now)
    assert decision.count == 3
    assert decision.action == parse_action("timeout 1h")
    assert decision.escalated
    assert decision.max_strikes == 7
    assert decision.expires_at == now + timedelta(days=30)
    again = ladder.on_new_strike(strikes_at(0, 1, 2), now)
    assert again.count == 4 and not again.escalated
    assert again.action == parse_action("timeout 1h")


def test_strikes_expire_after_configured_time(ladder: StrikeLadder) -> None:
    history = strikes_at(0, 10, 20)
    assert ladder.count(history, T0 + timedelta(days=25)) == 3
    # The first strike lapses exactly 30 days after it was issued.
    assert ladder.count(history, T0 + timedelta(days=30)) == 2
    assert ladder.count(history, T0 + timedelta(days=30) - timedelta(seconds=1)) == 3
    assert ladder.count(history, T0 + timedelta(days=51)) == 0
    assert ladder.next_expiry(history, T0 + timedelta(days=25)) == T0 + timedelta(days=30)
    assert ladder.next_expiry(history, T0 + timedelta(days=60)) is None
    # With everything expired, the next strike is a first strike again.
    assert ladder.on_new_strike(history, T0 + timedelta(days=60)).count == 1


def test_pardoned_and_future_strikes_do_not_count(ladder: StrikeLadder) -> None:
    history = [Strike(T0, pardoned=True), Strike(T0 + timedelta(days=1)),
               Strike(T0 + timedelta(days=9))]
    assert ladder.count(history, T0 + timedelta(days=2)) == 1


def test_ladder_with_no_first_step_still_warns() -> None:
    ladder = StrikeLadder.from_mapping({3: "ban"}, "1d")
    decision = ladder.on_new_strike([], T0)
    assert decision.action.kind is ActionKind.WARN and decision.count == 1


@pytest.mark.parametrize(
    ("mapping", "needle"),
    [
        ({0: "warn"}, "1 or more"),
        ({"x": "warn"}, "whole number"),
        ({1: "delete"}, "not a strike action"),
        ({1: "timeout"}, "needs a duration"),
        ({}, "at least one step"),
    ],
)
def test_bad_ladders_are_refused(mapping: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        StrikeLadder.from_mapping(mapping, "30d")


def test_expiry_must_be_a_duration() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        StrikeLadder.from_mapping({1: "warn"}, "a month")
    assert StrikeLadder.from_mapping({1: "warn"}, timedelta(hours=2)).expire_after == timedelta(
        hours=2
    )


def test_after_count_matches_on_new_strike() -> None:
    from datetime import UTC, datetime, timedelta

    from domain.safety.strikes import Strike, StrikeLadder

    ladder = StrikeLadder.from_mapping()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    records = [Strike(now - timedelta(days=i)) for i in range(4)]
    for n in range(5):
        assert ladder.after_count(n, now) == ladder.on_new_strike(records[:n], now)
    assert ladder.after_count(2, now).action.seconds == 3600
    assert ladder.after_count(6, now).action.kind.name == "BAN"
    import pytest

    with pytest.raises(ValueError):
        ladder.after_count(-1, now)
