"""Core commands every community has: /help and the welcome on join."""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action, Reply
from domain.events import CommandInvoked, MemberJoined
from domain.i18n import t
from handlers.ports import Context
from handlers.registry import has_role, registry
from handlers.tone import toned


@registry.command("help", summary="List the commands you can use")
async def help_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    names = sorted(name for name, spec in registry.commands.items()
                   if has_role(event.roles, spec.role))
    listing = ", ".join(f"/{n}" for n in names)
    return [Reply(ctx.community_id, event.channel_id, t("core.help", ctx.lang, commands=listing),
                  ephemeral=True)]


@registry.on(MemberJoined, order=90)
async def welcome(event: MemberJoined, ctx: Context) -> Sequence[Action]:
    """Welcome in the member's tone: neutral for a newcomer, gentle for someone returning
    after sad posts or with an open support case (handlers/tone.py)."""
    channel = getattr(getattr(ctx.settings, "welcome", None), "channel_id", None)
    if not channel:
        return []
    name = event.member_name or event.member_id
    community = getattr(ctx.settings, "name", "") if ctx.settings is not None else ""
    text = await toned(ctx, "welcome", event.member_id, name=name, community=community)
    return [Reply(ctx.community_id, channel, text)]
