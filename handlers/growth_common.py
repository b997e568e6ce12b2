"""Helpers shared by the growth commands: setup, replies, refusals, member lookup."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from domain.actions import Action, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from handlers.growth_progress import category_name, separator
from handlers.growth_runtime import CommunityMemory, CompiledGrowth, GrowthPort
from handlers.ports import Context

_MENTION = re.compile(r"^<@!?(\d+)>$")
_AMOUNT = re.compile(r"^\+?\d{1,15}$")


async def command_setup(ctx: Context
                        ) -> tuple[GrowthPort, CompiledGrowth, CommunityMemory] | None:
    """The growth runtime for a command, or ``None`` when growth is off here.

    (The registry already refuses commands of a disabled feature; this also covers a
    process built without the growth wiring.)
    """
    runtime: GrowthPort | None = ctx.services.get("growth")
    if runtime is None:
        return None
    compiled = runtime.compiled(ctx.settings)
    if not compiled.enabled:
        return None
    return runtime, compiled, await runtime.memory(ctx)


def reply(ctx: Context, event: CommandInvoked, key: str, *, ephemeral: bool = True,
          **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, t(key, ctx.lang, **fields),
                  ephemeral=ephemeral)]


def refuse(ctx: Context, event: CommandInvoked, reason: str, **fields: object) -> list[Action]:
    """A refusal from the catalogue (``growth.refusal.<reason>``), always private."""
    return reply(ctx, event, f"growth.refusal.{reason}", **fields)


def disabled(ctx: Context, event: CommandInvoked, feature_key: str) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id,
                  t("core.feature_disabled", ctx.lang, feature=t(feature_key, ctx.lang)),
                  ephemeral=True)]


def member_needle(text: str) -> str:
    """``<@123>`` / ``<@!123>`` (a Discord mention) -> ``123``; otherwise the text trimmed."""
    text = text.strip()
    match = _MENTION.match(text)
    return match.group(1) if match else text


async def resolve_member(ctx: Context, needle: str) -> tuple[str, str] | None:
    """``(member_id, display name)`` of a member of this community, or ``None``."""
    needle = member_needle(needle)
    if not needle.lstrip("@"):
        return None
    found: dict[str, Any] | None = await ctx.uow.find_member(needle)
    if found is None:
        return None
    member_id = str(found["member_id"])
    return member_id, str(found.get("display_name") or member_id.split(":", 1)[-1])


def parse_amount(text: str) -> int | None:
    """A positive whole number as typed (``50``, ``+50``); ``None`` for anything else."""
    text = text.strip().replace(",", "")
    return int(text) if _AMOUNT.match(text) else None


def breakdown(points: dict[str, int], lang: str) -> str:
    """``activity 120, helping 50`` (categories with points, largest first)."""
    parts = [t("growth.profile.category", lang, category=category_name(c, lang), points=p)
             for c, p in sorted(points.items(), key=lambda item: (-item[1], item[0])) if p]
    return separator(lang).join(parts) if parts else "0"


def joined(items: Iterable[str], lang: str) -> str:
    return separator(lang).join(items)
