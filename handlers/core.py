"""Core commands every community has: /help and the welcome on join."""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action, Reply
from domain.events import CommandInvoked, MemberJoined
from domain.i18n import t
from handlers.ports import Context
from handlers.registry import has_role, registry


@registry.command("help", summary="List the commands you can use")
async def help_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    names = sorted(name for name, spec in registry.commands.items()
                   if has_role(event.roles, spec.role))
    listing = ", ".join(f"/{n}" for n in names)
    return [Reply(ctx.community_id, event.channel_id, t("core.help", ctx.lang, commands=listing),
                  ephemeral=True)]


@registry.on(MemberJoined, order=90)
async def welcome(event: MemberJoined, ctx: Context) -> Sequence[Action]:
    channel = getattr(getattr(ctx.settings, "welcome", None), "channel_id", None)
    name = event.member_name or event.member_id
    text = t("core.welcome", ctx.lang, name=name)
    if channel:
        return [Reply(ctx.community_id, channel, text)]
    return []
