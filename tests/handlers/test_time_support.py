"""Shared helpers for the time tests (no tests here): an app with a ``[scheduler]`` setup,
commands and messages through the real pipeline, and the simulated sweep.

Every time is explicit: commands and messages carry their own ``at`` and timers fire through
``app.services["sweep"](now)``, the same sweeper ``hearth run`` uses with a real clock.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.storage.models import ScheduledItem
from bot.storage.models_time import Nudge
from domain.events import CommandInvoked, MemberJoined, MessagePosted

COMMUNITY = "console:demo"
_IDS = itertools.count(1)


def community(**scheduler: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"platform": "console", "id": "demo", "name": "Demo",
                             "language": "en", "timezone": "Europe/Berlin"}
    if scheduler:
        entry["scheduler"] = scheduler
    return entry


# The feelings scorer is not the subject of these tests, and closing it costs seconds.
SECTIONS: dict[str, Any] = {"sentiment": {"enabled": False}}


async def build(make_app: Any, url: str, *, entry: dict[str, Any] | None = None,
                **scheduler: Any) -> Any:
    return await make_app(url, communities=[entry or community(**scheduler)], **SECTIONS)


async def cmd(app: Any, name: str, args: str = "", *, at: datetime,
              member: str = "console:ana", roles: frozenset[str] = frozenset({"member"}),
              locale: str | None = None, channel: str = "general",
              community_id: str = COMMUNITY) -> list[Any]:
    event = CommandInvoked(community_id, member, at, name=name, args=args, channel_id=channel,
                           roles=roles, locale=locale, member_name=member.split(":", 1)[1],
                           interaction_id=f"t{next(_IDS)}")
    return list(await app.pipeline.process(event))


async def say(app: Any, member: str, at: datetime, text: str = "hello there", *,
              channel: str = "general", reply_to: str | None = None,
              thread_id: str | None = None, message_id: str | None = None,
              community_id: str = COMMUNITY) -> list[Any]:
    mid = message_id or f"m{next(_IDS)}"
    event = MessagePosted(community_id, member, at, channel_id=channel, message_id=mid,
                          text=text, member_name=member.split(":", 1)[1],
                          reply_to_member_id=reply_to, thread_id=thread_id)
    actions = list(await app.pipeline.process(event))
    await app.pipeline.flush()
    return actions


async def join(app: Any, member: str, at: datetime,
               community_id: str = COMMUNITY) -> list[Any]:
    actions = list(await app.pipeline.process(
        MemberJoined(community_id, member, at, member_name=member.split(":", 1)[1])))
    await app.pipeline.flush()
    return actions


async def start(app: Any, at: datetime) -> None:
    """What ``hearth run`` does at start: schedule the recurring items (scan, digest,
    config announcements) as of ``at``."""
    await app.services["time_ensure"](at)


async def sweep(app: Any, at: datetime) -> list[Any]:
    return list(await app.services["sweep"](at))


async def items(app: Any, kind: str | None = None) -> list[ScheduledItem]:
    async with app.sessions() as session:
        stmt = select(ScheduledItem).order_by(ScheduledItem.id)
        if kind is not None:
            stmt = stmt.where(ScheduledItem.kind == kind)
        return list((await session.execute(stmt)).scalars())


async def nudges(app: Any) -> list[Nudge]:
    async with app.sessions() as session:
        return list((await session.execute(select(Nudge).order_by(Nudge.id))).scalars())


def texts(actions: list[Any]) -> list[str]:
    return [getattr(a, "text", "") for a in actions]


def only_text(actions: list[Any]) -> str:
    assert len(actions) == 1, actions
    return str(actions[0].text)
