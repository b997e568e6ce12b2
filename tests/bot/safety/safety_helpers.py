"""Helpers for the safety tests that go through the real pipeline (SQLite or PostgreSQL).

Why one place: every scenario builds the app the way ``hearth run`` does (``build_app``),
drives it with platform-neutral events at chosen times (a controllable clock), fires due
scheduled rows with the real sweeper at a chosen "now", and reads the tables back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.models import AuditEntry, ScheduledItem
from bot.storage.models_safety import Appeal, ReviewItem, SpamExample, SpamModelRow, StrikeRecord
from domain.actions import (
    Action,
    Ban,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    Reply,
    Timeout,
)
from domain.events import ButtonPressed, CommandInvoked, MessagePosted

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
C = "console:demo"
OTHER = "console:other"
COMMUNITIES: list[dict[str, Any]] = [
    {"platform": "console", "id": "demo", "name": "Demo", "language": "en"},
    {"platform": "console", "id": "other", "name": "Other", "language": "en"},
]
CHANNELS = {"mod_channel_id": "mod", "expert_channel_id": "experts",
            "crisis_channel_id": "crisis"}
MOD = frozenset({"member", "moderator"})
EXPERT = frozenset({"member", "expert"})
MEMBER = frozenset({"member"})

SPAM = (
    "Earn 500 dollars a day from home with my simple trading method, message me now",
    "Buy cheap followers and likes, instant delivery, best price guaranteed",
    "Join my exclusive crypto signals channel, 100% winning trades every day",
    "Hot singles in your area want to meet you tonight, sign up free",
)
HAM = "hey all, what time is the meetup on saturday?"


def safety_section(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {"review": dict(CHANNELS)}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(section.get(key), dict):
            # None removes a key (TOML has no null): the setting falls back to its default
            merged = {**section[key], **value}
            section[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            section[key] = value
    return section


# The feelings feature's sentence-embedding model (distress paraphrases) is not what these
# tests are about and takes seconds to load on every app; its keyword signals stay on.
FEELINGS = {"distress": {"embeddings": False}}


async def safety_app(make_app: Any, url: str, **safety: Any) -> Any:
    return await make_app(url, communities=COMMUNITIES, safety=safety_section(**safety),
                          pipeline={"batch_size": 1000, "flush_interval_ms": 60_000},
                          sentiment=FEELINGS)


class Clock:
    """The test's notion of now; every event and sweep takes its time from here."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.counter = 0

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def next_id(self) -> str:
        self.counter += 1
        return f"m{self.counter}"


def message(clock: Clock, text: str, member: str = "console:spammer", *,
            community: str = C, channel: str = "general",
            mentions: Sequence[str] = ()) -> MessagePosted:
    return MessagePosted(community, member, clock.tick(), channel_id=channel,
                         message_id=clock.next_id(), text=text,
                         member_name=member.split(":", 1)[1], mentions=tuple(mentions))


def command(clock: Clock, name: str, args: str = "", member: str = "console:mod", *,
            roles: frozenset[str] = MOD, community: str = C) -> CommandInvoked:
    return CommandInvoked(community, member, clock.tick(), name=name, args=args,
                          channel_id="general", roles=roles,
                          member_name=member.split(":", 1)[1])


def press(clock: Clock, custom_id: str, member: str = "console:mod", *,
          roles: frozenset[str] = MOD, community: str = C) -> ButtonPressed:
    return ButtonPressed(community, member, clock.tick(), custom_id=custom_id,
                         channel_id="mod", roles=roles)


async def run(app: Any, *events: Any) -> list[Action]:
    actions: list[Action] = []
    for event in events:
        actions.extend(await app.pipeline.process(event))
        await app.pipeline.flush()
    return actions


async def sweep(app: Any, now: datetime) -> list[Action]:
    """Fire every scheduled row due at ``now`` with the real sweeper."""
    result: list[Action] = await app.services["sweep"](now)
    return result


async def rows(app: Any, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as session:
        stmt = select(model)
        for clause in where:
            stmt = stmt.where(clause)
        order = getattr(model, "id", None)
        if order is not None:
            stmt = stmt.order_by(order)
        return list((await session.execute(stmt)).scalars().all())


async def cases(app: Any, community: str = C) -> list[ReviewItem]:
    return await rows(app, ReviewItem, ReviewItem.community_id == community)


async def strikes(app: Any, member: str, community: str = C) -> list[StrikeRecord]:
    return await rows(app, StrikeRecord, StrikeRecord.community_id == community,
                      StrikeRecord.member_id == member)


async def audits(app: Any, action: str | None = None, community: str = C) -> list[AuditEntry]:
    where = [AuditEntry.community_id == community]
    if action is not None:
        where.append(AuditEntry.action == action)
    return await rows(app, AuditEntry, *where)


async def scheduled(app: Any, kind: str) -> list[ScheduledItem]:
    return await rows(app, ScheduledItem, ScheduledItem.kind == kind)


def of(actions: Iterable[Action], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]


def replies(actions: Iterable[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Reply)]


def posts(actions: Iterable[Action], channel: str) -> list[PostToChannel]:
    return [a for a in actions if isinstance(a, PostToChannel) and a.channel_id == channel]


__all__ = [
    "CHANNELS",
    "COMMUNITIES",
    "EXPERT",
    "HAM",
    "MEMBER",
    "MOD",
    "OTHER",
    "SPAM",
    "T0",
    "Appeal",
    "Ban",
    "C",
    "Clock",
    "DeleteMessage",
    "DirectMessage",
    "PostToChannel",
    "ReviewItem",
    "SpamExample",
    "SpamModelRow",
    "StrikeRecord",
    "Timeout",
    "audits",
    "cases",
    "command",
    "message",
    "of",
    "posts",
    "press",
    "replies",
    "rows",
    "run",
    "safety_app",
    "safety_section",
    "scheduled",
    "strikes",
    "sweep",
]
