"""Member state: serialisation round trip, copy, bounded fingerprint ring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.growth.points import award_message
from domain.growth.rules import GrowthRules
from domain.growth.state import MemberGrowthState

RULES = GrowthRules(cooldown_seconds=0)
T0 = datetime(2024, 5, 6, tzinfo=UTC)


@given(st.lists(st.tuples(st.text(max_size=40), st.integers(0, 10**6)), max_size=25))
def test_round_trip_through_json(messages):
    s = MemberGrowthState(member_id="dc:1")
    for text, seconds in messages:
        award_message(RULES, s, text=text, channel_id="dc:c", at=T0 + timedelta(seconds=seconds))
    s.badges.add("first_message")
    s.stage_grace_since = 5.0
    data = json.loads(json.dumps(s.to_dict()))
    assert MemberGrowthState.from_dict(data) == s


def test_copy_is_independent():
    s = MemberGrowthState(member_id="dc:1", lifetime={"activity": 5}, badges={"a"})
    clone = s.copy()
    clone.lifetime["activity"] = 99
    clone.badges.add("b")
    clone.fingerprints.append(frozenset({1}))
    assert s.lifetime == {"activity": 5} and s.badges == {"a"} and s.fingerprints == []
    assert s.copy() == s


def test_ring_is_bounded_and_shrinks_when_memory_is_lowered():
    s = MemberGrowthState()
    for i in range(1, 8):
        s.remember_fingerprint(frozenset({i}), 3)
    assert sorted(min(fp) for fp in s.fingerprints) == [5, 6, 7]
    s.remember_fingerprint(frozenset({8}), 2)
    assert len(s.fingerprints) == 2 and frozenset({8}) in s.fingerprints
    s.remember_fingerprint(frozenset({9}), 0)
    assert frozenset({9}) not in s.fingerprints


def test_from_dict_ignores_unknown_keys_and_names_bad_fields():
    assert MemberGrowthState.from_dict({"balance": 3, "future_field": 1}).balance == 3
    with pytest.raises(ValueError, match="'balance'"):
        MemberGrowthState.from_dict({"balance": "lots"})
    with pytest.raises(ValueError, match="'fingerprints'"):
        MemberGrowthState.from_dict({"fingerprints": [["x"]]})
    with pytest.raises(ValueError, match="'fingerprints'"):
        MemberGrowthState.from_dict({"fingerprints": ["not base64!"]})
    with pytest.raises(ValueError, match="'fingerprints'"):
        MemberGrowthState.from_dict({"fingerprints": [7]})
    listed = MemberGrowthState.from_dict({"fingerprints": [[3, 1, 2]]})
    assert listed.fingerprints == [frozenset({1, 2, 3})]
    with pytest.raises(ValueError, match="'messages'"):
        MemberGrowthState.from_dict({"messages": 1.5})
