"""Platform-neutral events.

Adapters (Discord, Telegram, console, replay) turn whatever their platform delivers into
these values, so every use case is written once. Ids are strings namespaced by platform
(``dc:123``, ``tg:-100456``, ``console:demo``) so one database can hold every platform, and
the time of the event is carried in ``at``: domain code never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PLATFORMS = ("discord", "telegram", "console")
PLATFORM_PREFIX = {"discord": "dc", "telegram": "tg", "console": "console"}


def namespaced(platform: str, raw_id: object) -> str:
    """Return ``prefix:raw`` for a platform id; already-namespaced ids pass unchanged."""
    text = str(raw_id)
    prefix = PLATFORM_PREFIX[platform]
    if text.startswith(prefix + ":"):
        return text
    return f"{prefix}:{text}"


@dataclass(frozen=True, slots=True)
class Event:
    """Fields every event carries: where, who, when."""

    community_id: str
    member_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MessagePosted(Event):
    channel_id: str
    message_id: str
    text: str
    member_name: str = ""
    reply_to_message_id: str | None = None
    reply_to_member_id: str | None = None
    thread_id: str | None = None
    starts_thread: bool = False
    mentions: tuple[str, ...] = ()
    attachments: int = 0


@dataclass(frozen=True, slots=True)
class MessageEdited(Event):
    channel_id: str
    message_id: str
    text: str


@dataclass(frozen=True, slots=True)
class MessageDeleted(Event):
    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class ReactionAdded(Event):
    channel_id: str
    message_id: str
    emoji: str
    target_member_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionRemoved(Event):
    channel_id: str
    message_id: str
    emoji: str
    target_member_id: str | None = None


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    member_name: str = ""


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    pass


@dataclass(frozen=True, slots=True)
class VoiceSessionEnded(Event):
    channel_id: str
    minutes: float
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class CommandInvoked(Event):
    """A slash command or ``/command args`` line.

    ``roles`` is the platform-neutral role set of the caller (``member``, ``moderator``,
    ``admin``, ``expert``) as resolved by the adapter from the community's config, so both
    platforms obey one permission matrix.
    """

    name: str
    args: str = ""
    channel_id: str = ""
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"member"}))
    locale: str | None = None
    member_name: str = ""
    interaction_id: str = ""


@dataclass(frozen=True, slots=True)
class ButtonPressed(Event):
    """A moderation button / inline keyboard press, bound to ``custom_id``."""

    custom_id: str
    channel_id: str = ""
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"member"}))
    locale: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    "message": MessagePosted,
    "edit": MessageEdited,
    "delete": MessageDeleted,
    "reaction": ReactionAdded,
    "reaction_removed": ReactionRemoved,
    "join": MemberJoined,
    "leave": MemberLeft,
    "voice": VoiceSessionEnded,
    "command": CommandInvoked,
    "button": ButtonPressed,
}
EVENT_NAMES: dict[type[Event], str] = {v: k for k, v in EVENT_TYPES.items()}


def platform_of(community_id: str) -> str:
    """Platform name from a namespaced community id (``dc:1`` -> ``discord``)."""
    prefix = community_id.split(":", 1)[0]
    for name, pre in PLATFORM_PREFIX.items():
        if pre == prefix:
            return name
    raise ValueError(f"community id {community_id!r} has no known platform prefix")


def event_key(event: Event) -> str | None:
    """The idempotency key of an event within its community (None: not recorded).

    Replaying an event yields the same key, so storing it under a unique constraint makes
    ingestion idempotent. Commands are keyed by their interaction id (or time), so a replayed
    command is recognised and not run again.
    """
    if isinstance(event, MessagePosted):
        return f"m:{event.message_id}"
    if isinstance(event, MessageEdited):
        return f"e:{event.message_id}:{event.at.isoformat()}"
    if isinstance(event, MessageDeleted):
        return f"d:{event.message_id}"
    if isinstance(event, ReactionAdded):
        return f"r:{event.message_id}:{event.member_id}:{event.emoji}"
    if isinstance(event, ReactionRemoved):
        return f"rr:{event.message_id}:{event.member_id}:{event.emoji}:{event.at.isoformat()}"
    if isinstance(event, MemberJoined):
        return f"j:{event.member_id}:{event.at.isoformat()}"
    if isinstance(event, MemberLeft):
        return f"l:{event.member_id}:{event.at.isoformat()}"
    if isinstance(event, VoiceSessionEnded):
        return f"v:{event.member_id}:{event.session_id or event.at.isoformat()}"
    if isinstance(event, CommandInvoked):
        return f"c:{event.interaction_id or event.at.isoformat()}:{event.member_id}:{event.name}"
    if isinstance(event, ButtonPressed):
        return f"b:{event.at.isoformat()}:{event.member_id}:{event.custom_id}"
    return None


# Times outside this range are not real chat events (a corrupt replay line, a client bug);
# handlers add deadlines to event times and would overflow near year 9999.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200


def time_in_range(at: datetime) -> bool:
    return EARLIEST_YEAR <= at.year <= LATEST_YEAR


def _storable_text(text: str) -> str:
    """``text`` with what no database can store replaced: NUL (PostgreSQL refuses it in
    text) as U+FFFD, and surrogates as safety's normaliser fixes them (pairs joined, lone
    ones U+FFFD: not encodable as UTF-8)."""
    from domain.safety.normalise import storable

    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return storable(text)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def storable_event(event: Event) -> Event:
    """The event with every string field made storable (see :func:`_storable_text`); the same
    object when nothing needed a change, which is almost always."""
    from dataclasses import fields, replace

    names = _FIELD_NAMES.get(type(event))
    if names is None:
        names = _FIELD_NAMES[type(event)] = tuple(f.name for f in fields(event))
    changes: dict[str, object] = {}
    for name in names:
        value = getattr(event, name)
        if type(value) is str:
            if value.isascii() and "\x00" not in value:
                continue
            fixed = _storable_text(value)
            if fixed != value:
                changes[name] = fixed
        elif isinstance(value, tuple) and value and any(isinstance(v, str) for v in value):
            items = tuple(_storable_text(v) if isinstance(v, str) else v for v in value)
            if items != value:
                changes[name] = items
    return replace(event, **changes) if changes else event
