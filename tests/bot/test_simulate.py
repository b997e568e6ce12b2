"""The simulated community behind the demo, the benchmarks and many tests.

Why: every feature is demonstrated and benchmarked on this traffic, so it must be repeatable
for a seed, ordered in time (as a live stream would be), and realistic enough to exercise
joins, replies, reactions and both languages.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from bot.simulate import simulate
from domain.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
    event_key,
)

HAN = re.compile(r"[\u4e00-\u9fff]")


def first(n: int, **kwargs: object) -> list:
    return list(itertools.islice(simulate(**kwargs), n))  # type: ignore[arg-type]


def test_same_seed_same_events() -> None:
    assert first(1000, members=60, days=10, seed=11) == first(1000, members=60, days=10,
                                                               seed=11)


def test_different_seed_different_events() -> None:
    assert first(300, members=60, days=10, seed=1) != first(300, members=60, days=10, seed=2)


def test_events_are_in_time_order_and_aware() -> None:
    events = list(simulate(members=60, days=10, seed=5))
    assert all(e.at.tzinfo is not None for e in events)
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))


def test_traffic_has_every_ingredient() -> None:
    events = list(simulate(members=120, days=20, seed=7))
    kinds = Counter(type(e) for e in events)
    joined = {e.member_id for e in events if isinstance(e, MemberJoined)}
    assert len(joined) == 120, "every simulated member joins"
    assert kinds[MessagePosted] > 500 and kinds[ReactionAdded] > 50
    assert kinds[MemberLeft] >= 1 and kinds[VoiceSessionEnded] >= 1
    messages = [e for e in events if isinstance(e, MessagePosted)]
    replies = [m for m in messages if m.reply_to_message_id]
    assert len(replies) > 50
    assert all(r.reply_to_member_id and r.reply_to_member_id != r.member_id for r in replies)
    posted = {m.message_id: m.at for m in messages}
    assert all(r.reply_to_message_id in posted for r in replies), "replies point at messages"
    assert all(r.at > posted[r.reply_to_message_id] for r in replies), "replies come after"
    reactions = [e for e in events if isinstance(e, ReactionAdded)]
    assert all(e.message_id in posted and e.at > posted[e.message_id] for e in reactions)
    chinese = [m for m in messages if HAN.search(m.text)]
    english = [m for m in messages if re.search(r"[A-Za-z]{4,}", m.text) and not
               HAN.search(m.text)]
    assert len(chinese) > 50 and len(english) > 50, "both languages"
    assert all(e.community_id == "console:demo" for e in events)
    assert all(e.member_id.startswith("console:") for e in events)


@pytest.mark.parametrize("seed", [3, 7])
def test_members_only_act_while_they_are_in_the_community(seed: int) -> None:
    events = list(simulate(members=120, days=24, seed=seed))
    inside: set[str] = set()
    wrong: list[Event] = []
    for event in events:
        if isinstance(event, MemberJoined):
            if event.member_id in inside:
                wrong.append(event)  # joined twice without leaving
            inside.add(event.member_id)
        elif isinstance(event, MemberLeft):
            if event.member_id not in inside:
                wrong.append(event)
            inside.discard(event.member_id)
        elif event.member_id not in inside:
            wrong.append(event)
    assert not wrong, f"events from members who are not in the community: {wrong[:3]}"


def test_event_keys_are_unique() -> None:
    """A repeated key would make the pipeline drop a real event as a replay."""
    keys = [event_key(e) for e in simulate(members=120, days=20, seed=3)]
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    assert not duplicates, duplicates[:5]


def test_community_and_start_are_parameters() -> None:
    events = first(50, members=10, days=3, seed=1, community="tg:-1001")
    assert all(e.community_id == "tg:-1001" and e.member_id.startswith("tg:") for e in events)
