"""Shared helpers of the Feelings tests (no tests here): an app with Feelings configured,
events at controlled times, and readers for what the feature stored.

Every test drives the real pipeline (``build_app`` via the ``make_app`` fixture) on SQLite;
time is controlled by the events' ``at`` and the ``now`` given to ``run_timer``.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.models import AuditEntry, ScheduledItem
from bot.storage.models_feelings import MessageScore, SupportCase
from domain.actions import Action
from domain.events import ButtonPressed, CommandInvoked, MessagePosted

T0 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
C = "console:demo"
ONCALL = "oncall"
MODS = "mods"
SUPPORT_EN = "Our volunteers are here for you: write to @care any time."
HELPLINE_EN = "988 Suicide & Crisis Lifeline (US): call or text 988"
HELPLINE_ZH = "北京心理危机研究与干预中心：010-82951332"
MOD_ROLES = frozenset({"member", "moderator"})
QUIET = {"batch_size": 10_000, "flush_interval_ms": 60_000}
_INTERACTIONS = itertools.count(1)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def sentiment_section(**over: Any) -> dict[str, Any]:
    """Inline scoring (deterministic), patterns-only distress (no model load), channels set."""
    base: dict[str, Any] = {
        "scoring_mode": "inline",
        "distress": {"embeddings": False, "oncall_channel": ONCALL, "oncall_role": "@oncall",
                     "escalation_roles": ["@leads"],
                     "support_text": {"en": SUPPORT_EN},
                     "helplines": {"en": [HELPLINE_EN], "zh": [HELPLINE_ZH]}},
        "mood": {"alert_channel": MODS},
        "questions": {"helper_role": "@helpers"},
    }
    return merge(base, over)


async def feelings_app(make_app: Any, url: str, *, sentiment: dict[str, Any] | None = None,
                       services: dict[str, Any] | None = None, language: str = "en",
                       platform: str = "console", community: str = "demo",
                       **sections: Any) -> Any:
    return await make_app(
        url, communities=[{"platform": platform, "id": community, "name": "Demo",
                           "language": language}],
        services=services, sentiment=sentiment if sentiment is not None else
        sentiment_section(), pipeline=QUIET, **sections)


def msg(n: int | str, text: str, *, member: str = "console:ana", minutes: float = 0.0,
        at: datetime | None = None, channel: str = "general", community: str = C,
        reply_to: tuple[str, str] | None = None, thread_id: str | None = None,
        mentions: tuple[str, ...] = ()) -> MessagePosted:
    """Message ``n`` at ``T0 + minutes`` (or ``at``)."""
    when = at or T0 + timedelta(minutes=minutes)
    return MessagePosted(community, member, when, channel_id=channel, message_id=str(n),
                         text=text, member_name=member.split(":", 1)[1],
                         reply_to_message_id=reply_to[0] if reply_to else None,
                         reply_to_member_id=reply_to[1] if reply_to else None,
                         thread_id=thread_id, mentions=mentions)


def command(name: str, args: str = "", *, member: str = "console:mo", at: datetime = T0,
            roles: frozenset[str] = MOD_ROLES, channel: str = ONCALL,
            community: str = C) -> CommandInvoked:
    """A command; each gets its own interaction id (commands are deduplicated by it)."""
    return CommandInvoked(community, member, at, name=name, args=args, channel_id=channel,
                          roles=roles, member_name=member.split(":", 1)[1],
                          interaction_id=f"i{next(_INTERACTIONS)}")


def button(custom_id: str, *, member: str = "console:mo", at: datetime = T0,
           roles: frozenset[str] = MOD_ROLES, channel: str = ONCALL) -> ButtonPressed:
    return ButtonPressed(C, member, at, custom_id=custom_id, channel_id=channel, roles=roles)


async def rows(app: Any, model: Any, **where: Any) -> list[dict[str, Any]]:
    await app.pipeline.flush()
    table = model.__table__
    stmt = select(table).order_by(table.c.id)
    for key, value in where.items():
        stmt = stmt.where(table.c[key] == value)
    async with app.sessions() as session:
        return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def cases(app: Any) -> list[dict[str, Any]]:
    return await rows(app, SupportCase)


async def scores(app: Any) -> list[dict[str, Any]]:
    return await rows(app, MessageScore)


async def audit(app: Any) -> list[dict[str, Any]]:
    return await rows(app, AuditEntry)


async def timers(app: Any, kind: str) -> list[dict[str, Any]]:
    return await rows(app, ScheduledItem, kind=kind)


async def fire(app: Any, item: dict[str, Any], now: datetime) -> list[Action]:
    """Run a stored scheduled item's handler at ``now``, as the scheduler would."""
    return await app.pipeline.run_timer(
        item["kind"], item["payload"], community_id=item["community_id"], now=now,
        item={"id": item["id"], "idempotency_key": item["idempotency_key"]})


def of_type(actions: list[Action], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]
