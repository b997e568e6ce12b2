"""The replay format (JSON Lines <-> domain events): round trip and precise errors.

Why: recorded traffic is replayed through the live pipeline; a line that does not decode to
exactly the event that was recorded would silently change history, and a broken line must
say which line and which field.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.eventcodec import EventFormatError, dumps, event_from_dict, event_to_dict, read_jsonl
from domain.events import (
    EVENT_TYPES,
    PLATFORM_PREFIX,
    CommandInvoked,
    MemberJoined,
    MessagePosted,
    VoiceSessionEnded,
)

TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
RAW_ID = st.text(st.characters(whitelist_categories=["Nd", "Ll", "Lu"],
                               whitelist_characters="-_."), min_size=1, max_size=12)
TIMES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                                timezone(timedelta(hours=-5, minutes=-30))]))


@st.composite
def events(draw: Any) -> Any:
    cls = draw(st.sampled_from(sorted(EVENT_TYPES.values(), key=lambda c: c.__name__)))
    prefix = PLATFORM_PREFIX[draw(st.sampled_from(sorted(PLATFORM_PREFIX)))]

    def ident() -> str:
        return f"{prefix}:{draw(RAW_ID)}"

    values: dict[str, Any] = {"community_id": ident(), "member_id": ident(), "at": draw(TIMES)}
    for field in dataclasses.fields(cls):
        if field.name in values:
            continue
        kind = str(field.type)
        optional = "None" in kind
        if optional and draw(st.booleans()):
            values[field.name] = None
        elif field.name in ("reply_to_member_id", "target_member_id"):
            values[field.name] = ident()
        elif field.name == "mentions":
            values[field.name] = tuple(draw(st.lists(st.builds(ident), max_size=3)))
        elif field.name == "roles":
            values[field.name] = frozenset(draw(st.sets(st.sampled_from(
                ["member", "moderator", "admin", "expert"]), max_size=4)))
        elif kind == "bool":
            values[field.name] = draw(st.booleans())
        elif kind == "int":
            values[field.name] = draw(st.integers(0, 10**6))
        elif kind == "float":
            values[field.name] = draw(st.floats(0, 10**5, allow_nan=False))
        else:
            values[field.name] = draw(TEXT)
    return cls(**values)


@settings(max_examples=300, deadline=None)
@given(events())
def test_round_trip_through_a_json_line(event: Any) -> None:
    line = dumps(event)
    assert "\n" not in line, "one event per line"
    decoded = event_from_dict(json.loads(line))
    assert decoded == event
    assert decoded.at.tzinfo is not None
    assert event_to_dict(decoded) == event_to_dict(event)


def test_defaults_are_left_out_and_times_written_in_utc() -> None:
    event = MessagePosted("dc:1", "dc:2", datetime(2026, 3, 1, 20, 0, tzinfo=timezone(
        timedelta(hours=8))), channel_id="c", message_id="m", text="hi")
    assert event_to_dict(event) == {"type": "message", "community_id": "dc:1",
                                    "member_id": "dc:2", "at": "2026-03-01T12:00:00Z",
                                    "channel_id": "c", "message_id": "m", "text": "hi"}


def test_friendly_input_forms() -> None:
    event = event_from_dict({"type": "message", "community": "tg:-100", "member": 42,
                             "time": "2026-03-01T12:00:00", "channel": "c", "message": 7,
                             "text": "你好", "mentions": [5, "tg:6"]})
    assert event == MessagePosted("tg:-100", "tg:42", datetime(2026, 3, 1, 12, tzinfo=UTC),
                                  channel_id="c", message_id="7", text="你好",
                                  mentions=("tg:5", "tg:6"))
    joined = event_from_dict({"type": "join", "community_id": "console:x", "member_id": "a",
                              "at": 1772366400})
    assert joined == MemberJoined("console:x", "console:a",
                                  datetime.fromtimestamp(1772366400, UTC))
    voice = event_from_dict({"type": "voice", "community_id": "dc:1", "member_id": "dc:2",
                             "at": "2026-03-01T12:00:00+08:00", "channel_id": "v",
                             "minutes": 3})
    assert isinstance(voice, VoiceSessionEnded) and voice.minutes == 3.0
    assert voice.at == datetime(2026, 3, 1, 4, tzinfo=UTC)
    command = event_from_dict({"type": "command", "community_id": "dc:1", "member_id": "dc:2",
                               "at": "2026-03-01T12:00:00Z", "name": "rank",
                               "roles": ["moderator"]})
    assert isinstance(command, CommandInvoked) and command.roles == frozenset({"moderator"})


@pytest.mark.parametrize(("data", "needle"), [
    ([1, 2], "JSON object"),
    ({"community_id": "dc:1"}, "'type' must be one of"),
    ({"type": "shout", "community_id": "dc:1"}, "'shout'"),
    ({"type": "join", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "colour": "red"}, "unknown field(s) ['colour']"),
    ({"type": "message", "community_id": "dc:1", "member_id": "dc:2",
      "at": "2026-03-01T00:00:00Z"}, "missing field(s) ['channel_id', 'message_id', 'text']"),
    ({"type": "join", "community_id": "dc:1", "member_id": "dc:2", "at": "yesterday"},
     "'at' is not an ISO-8601 time: 'yesterday'"),
    ({"type": "join", "community_id": "dc:1", "member_id": "dc:2", "at": [2026]},
     "'at' must be an ISO-8601 time or epoch seconds"),
    ({"type": "join", "community_id": "demo", "member_id": "dc:2", "at": "2026-03-01"},
     "'community_id' must be namespaced"),
    ({"type": "join", "community_id": "xx:1", "member_id": "dc:2", "at": "2026-03-01"},
     "no known platform prefix"),
    ({"type": "join", "community_id": "dc:1", "member_id": "", "at": "2026-03-01"},
     "'member_id' must be a non-empty id"),
    ({"type": "voice", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "v", "minutes": "ten"}, "'minutes' must be a number"),
    ({"type": "voice", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "v", "minutes": True}, "'minutes' must be a number"),
    ({"type": "message", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "c", "message_id": "m", "text": "x", "attachments": 1.5},
     "'attachments' must be a whole number"),
    ({"type": "message", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "c", "message_id": "m", "text": None}, "'text' must not be null"),
    ({"type": "message", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "c", "message_id": "m", "text": {"a": 1}}, "'text' must be a string"),
    ({"type": "message", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "channel_id": "c", "message_id": "m", "text": "x", "starts_thread": "yes"},
     "'starts_thread' must be true or false"),
    ({"type": "command", "community_id": "dc:1", "member_id": "dc:2", "at": "2026-03-01",
      "name": "x", "roles": "admin"}, "'roles' must be a list of strings"),
])
def test_bad_events_say_what_is_wrong(data: Any, needle: str) -> None:
    with pytest.raises(EventFormatError) as info:
        event_from_dict(data)
    assert needle in str(info.value)


def test_read_jsonl_reports_each_broken_line_and_continues(tmp_path: Path) -> None:
    good = MemberJoined("console:demo", "console:a", datetime(2026, 3, 1, tzinfo=UTC))
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join([
        dumps(good).encode(),                                        # 1
        b"{not json",                                                # 2
        b"",                                                         # 3 blank: skipped
        b'{"type": "nope", "community_id": "console:demo"}',         # 4
        b'{"type": "join", "community_id": "console:demo", "member_id": "b", '
        b'"at": "2026-03-01", "extra": 1}',                          # 5
        b'{"type": "join", "community_id": "console:demo", "member_id": "b", '
        b'"at": "2026-13-01"}',                                      # 6
        b'{"type": "join", "community_id": "console:demo", "member_id": "\xff\xfe", '
        b'"at": "2026-03-01"}',                                      # 7
        dumps(good).replace("console:a", "console:z").encode(),      # 8
    ]) + b"\n")
    results = list(read_jsonl(path))
    assert [n for n, _ in results] == [1, 2, 4, 5, 6, 7, 8]
    errors = {n: str(item) for n, item in results if isinstance(item, EventFormatError)}
    assert set(errors) == {2, 4, 5, 6, 7}
    assert "not valid JSON" in errors[2]
    assert "'type' must be one of" in errors[4]
    assert "unknown field(s) ['extra']" in errors[5]
    assert "'at' is not an ISO-8601 time" in errors[6]
    assert "not valid UTF-8" in errors[7]
    assert results[0][1] == good and results[-1][1].member_id == "console:z"
