"""Actions, strength ordering, dry-run folding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.safety.verdict import (
    ActionKind,
    RuleAction,
    RuleHit,
    decide,
    format_duration,
    parse_action,
    parse_duration,
    strongest,
)


@pytest.mark.parametrize(
    ("text", "kind", "seconds"),
    [
        ("log", ActionKind.LOG, 0),
        ("HOLD", ActionKind.HOLD, 0),
        ("delete", ActionKind.DELETE, 0),
        ("delete+warn", ActionKind.DELETE_WARN, 0),
        ("delete_warn", ActionKind.DELETE_WARN, 0),
        ("timeout 10m", ActionKind.TIMEOUT, 600),
        ("timeout   1h30m", ActionKind.TIMEOUT, 5400),
        ("ban", ActionKind.BAN, 0),
        ("warn", ActionKind.WARN, 0),
    ],
)
def test_parse_action(text: str, kind: ActionKind, seconds: int) -> None:
    action = parse_action(text)
    assert action == RuleAction(kind, seconds)
    assert parse_action(str(action)) == action  # canonical text round-trips


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("kick", "unknown action"),
        ("timeout", "needs a duration"),
        ("timeout soon", "not a duration"),
        ("timeout 29d", "at most 28 days"),
        ("ban forever", "takes no argument"),
        ("timeout 0s", "longer than zero"),
    ],
)
def test_parse_action_errors_say_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_action(text)


def test_durations() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("2w") == 2 * 7 * 86400
    assert parse_duration(300) == 300
    assert parse_duration("45") == 45
    with pytest.raises(ValueError):
        parse_duration(True)
    assert format_duration(5400) == "1h30m"


@given(st.integers(min_value=1, max_value=10**8))
def test_duration_format_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_strength_order_is_log_hold_delete_warn_timeout_ban() -> None:
    ladder = ["log", "hold", "delete", "delete+warn", "timeout 1m", "timeout 1h", "ban"]
    actions = [parse_action(a) for a in ladder]
    assert [a.strength for a in actions] == sorted(a.strength for a in actions)
    assert strongest(actions) == parse_action("ban")
    assert strongest([parse_action("timeout 1h"), parse_action("timeout 5m")]).seconds == 3600
    assert strongest([]).kind is ActionKind.ALLOW


def hit(rule: str, action: str, dry_run: bool = False) -> RuleHit:
    return RuleHit(rule, "test", parse_action(action), dry_run)


def test_decide_takes_strongest_and_keeps_all_hits() -> None:
    verdict = decide([hit("a", "log"), hit("b", "timeout 10m"), hit("c", "hold")])
    assert verdict.action == parse_action("timeout 10m")
    assert verdict.delete and verdict.warn and verdict.timeout_seconds == 600
    assert not verdict.ban and not verdict.hold
    assert [h.rule_id for h in verdict.hits] == ["b", "c", "a"]


def test_dry_run_hits_change_nothing_but_are_recorded() -> None:
    verdict = decide([hit("a", "ban", dry_run=True), hit("b", "hold")])
    assert verdict.action == parse_action("hold")
    assert verdict.hold and not verdict.delete
    assert verdict.would_action == parse_action("ban")
    assert [h.rule_id for h in verdict.dry_run_hits] == ["a"]
    assert verdict.rule_ids == ("b",)


def test_community_dry_run_enforces_nothing() -> None:
    verdict = decide([hit("a", "ban"), hit("b", "delete")], dry_run=True)
    assert verdict.allowed
    assert verdict.would_action == parse_action("ban")
    assert len(verdict.dry_run_hits) == 2


def test_no_hits_is_allow() -> None:
    verdict = decide([])
    assert verdict.allowed and not verdict.delete and verdict.timeout_seconds == 0


def test_delete_warn_deletes_and_warns() -> None:
    verdict = decide([hit("a", "delete+warn")])
    assert verdict.delete and verdict.warn and not verdict.hold
