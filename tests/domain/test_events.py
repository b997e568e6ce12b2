"""Platform-neutral events: namespaced ids and idempotency keys.

Why: the idempotency key is what makes replays and multi-process ingestion safe; two different
things must never share a key and the same thing must always get the same key.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import domain.events as events_module
from domain.events import (
    EVENT_NAMES,
    EVENT_TYPES,
    PLATFORM_PREFIX,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
    event_key,
    namespaced,
    platform_of,
)

T = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_namespacing() -> None:
    assert namespaced("discord", 123) == "dc:123"
    assert namespaced("telegram", "-100456") == "tg:-100456"
    assert namespaced("console", "demo") == "console:demo"
    assert namespaced("discord", "dc:123") == "dc:123", "already namespaced ids pass unchanged"
    with pytest.raises(KeyError):
        namespaced("slack", 1)


@given(st.sampled_from(sorted(PLATFORM_PREFIX)), st.text(min_size=1, max_size=20))
def test_platform_of_inverts_namespaced(platform: str, raw: str) -> None:
    assert platform_of(namespaced(platform, raw)) == platform


def test_platform_of_unknown_prefix() -> None:
    with pytest.raises(ValueError, match="no known platform prefix"):
        platform_of("xx:1")


def test_every_event_class_is_in_the_type_table() -> None:
    classes = {obj for obj in vars(events_module).values()
               if isinstance(obj, type) and issubclass(obj, Event) and obj is not Event}
    assert classes == set(EVENT_TYPES.values())
    assert {EVENT_TYPES[name]: name for name in EVENT_TYPES} == EVENT_NAMES


def test_events_are_immutable_values() -> None:
    event = MemberJoined("dc:1", "dc:2", T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.member_id = "dc:3"  # type: ignore[misc]
    assert event == MemberJoined("dc:1", "dc:2", T)
    assert hash(event) == hash(MemberJoined("dc:1", "dc:2", T))


def one_of_each(message: str = "m1", member: str = "dc:2", at: datetime = T) -> list[Event]:
    return [
        MessagePosted("dc:1", member, at, channel_id="c", message_id=message, text="hi"),
        MessageEdited("dc:1", member, at, channel_id="c", message_id=message, text="hi!"),
        MessageDeleted("dc:1", member, at, channel_id="c", message_id=message),
        ReactionAdded("dc:1", member, at, channel_id="c", message_id=message, emoji="👍"),
        ReactionRemoved("dc:1", member, at, channel_id="c", message_id=message, emoji="👍"),
        MemberJoined("dc:1", member, at),
        MemberLeft("dc:1", member, at),
        VoiceSessionEnded("dc:1", member, at, channel_id="v", minutes=3.0),
    ]


def test_recorded_events_have_distinct_keys() -> None:
    keys = [event_key(e) for e in one_of_each()]
    assert None not in keys and len(set(keys)) == len(keys)


def test_commands_are_keyed_by_interaction_so_replays_run_once() -> None:
    one = CommandInvoked("dc:1", "dc:2", T, name="help", interaction_id="i1")
    again = CommandInvoked("dc:1", "dc:2", T, name="help", interaction_id="i1")
    other = CommandInvoked("dc:1", "dc:2", T, name="help", interaction_id="i2")
    assert event_key(one) == event_key(again) != event_key(other)
    untracked = CommandInvoked("dc:1", "dc:2", T, name="help")
    assert event_key(untracked) != event_key(
        CommandInvoked("dc:1", "dc:2", T.replace(second=1), name="help"))
    assert event_key(ButtonPressed("dc:1", "dc:2", T, custom_id="x")) != event_key(
        ButtonPressed("dc:1", "dc:2", T, custom_id="y"))


def test_keys_are_stable_and_depend_on_identity() -> None:
    assert [event_key(e) for e in one_of_each()] == [event_key(e) for e in one_of_each()]
    assert event_key(MessagePosted("dc:1", "dc:2", T, channel_id="c", message_id="m1",
                                   text="hi")) == event_key(
        MessagePosted("dc:1", "dc:2", T + timedelta(hours=1), channel_id="c", message_id="m1",
                      text="edited elsewhere")), "a message is identified by its id"
    other = [event_key(e) for e in one_of_each(message="m2", member="dc:3",
                                                at=T + timedelta(seconds=1))]
    assert not set(other) & {event_key(e) for e in one_of_each()}


def test_two_reactions_by_different_members_are_different_events() -> None:
    a = ReactionAdded("dc:1", "dc:2", T, channel_id="c", message_id="m", emoji="👍")
    b = ReactionAdded("dc:1", "dc:3", T, channel_id="c", message_id="m", emoji="👍")
    c = ReactionAdded("dc:1", "dc:2", T, channel_id="c", message_id="m", emoji="🎉")
    assert len({event_key(a), event_key(b), event_key(c)}) == 3


def test_voice_sessions_use_their_session_id() -> None:
    a = VoiceSessionEnded("dc:1", "dc:2", T, channel_id="v", minutes=3, session_id="s1")
    b = VoiceSessionEnded("dc:1", "dc:2", T + timedelta(minutes=1), channel_id="v", minutes=3,
                          session_id="s1")
    assert event_key(a) == event_key(b)


def test_command_defaults() -> None:
    command = CommandInvoked("dc:1", "dc:2", T, name="help")
    assert command.roles == frozenset({"member"}) and command.args == ""
