"""Carrying out domain actions with the Discord API.

Every send uses ``AllowedMentions.none()`` unless the action needs to reach a person (the DM
fallback pings only that member), so text a member wrote can never mass-ping a server through
the bot. Role changes, timeouts and bans are checked against the role hierarchy first so the
log says *why* (role above the bot, target outranks the bot) instead of a bare 403.
Rate limits (429) are retried by discord.py itself; failures are logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import discord

from bot.discord.buttons import make_view
from bot.discord.convert import raw_id
from bot.platform.failures import ActionFailures
from bot.platform.text import DISCORD_LIMIT, split_text
from domain.actions import (
    Action,
    AddRole,
    Ban,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    RemoveRole,
    Reply,
    SetSlowMode,
    Timeout,
    Unban,
)
from domain.events import Event
from domain.i18n import t

log = logging.getLogger("hearth.discord")

MAX_TIMEOUT_SECONDS = 28 * 24 * 3600  # Discord's limit for communication_disabled_until
_SKEW_MARGIN = 30  # keep clear of the limit despite clock skew between us and Discord
MAX_SLOWMODE_SECONDS = 21600

PERMISSION_FOR: dict[type[Action], str] = {
    Reply: "send_messages",
    PostToChannel: "send_messages",
    DeleteMessage: "manage_messages",
    Ban: "ban_members",
    Unban: "ban_members",
    Timeout: "moderate_members",
    AddRole: "manage_roles",
    RemoveRole: "manage_roles",
    SetSlowMode: "manage_channels",
}
MISSING_PERMISSIONS = 50013
MISSING_ACCESS = 50001
CANNOT_DM = 50007


class ActionRefused(Exception):
    """A pre-check found the action impossible; the message says why (already logged)."""


class DiscordExecutor:
    """:class:`bot.platform.runtime.ActionExecutor` for Discord."""

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        failures: ActionFailures,
        lang_for: Callable[[str], str] | None = None,
    ) -> None:
        self.client = client
        self.failures = failures
        self.lang_for = lang_for or (lambda _community: "en")

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None:
        for action in actions:
            await self.perform(action)

    async def perform(self, action: Action) -> bool:
        """Carry out one action; True if it was done. Never raises."""
        community = action.community_id
        try:
            await self._perform(action)
        except ActionRefused:
            return False
        except discord.Forbidden as exc:
            permission = PERMISSION_FOR.get(type(action))
            if exc.code == MISSING_PERMISSIONS and permission:
                self.failures.missing_permission(community, permission, action)
            elif exc.code == MISSING_ACCESS:
                self.failures.missing_permission(community, "view_channel", action)
            else:
                self.failures.failed(community, action, f"403 Forbidden: {exc.text or exc}")
            return False
        except discord.NotFound as exc:
            self.failures.failed(community, action, f"not found ({exc.text or exc})")
            return False
        except discord.HTTPException as exc:
            self.failures.failed(community, action, f"HTTP {exc.status}: {exc.text or exc}")
            return False
        except ValueError as exc:
            self.failures.failed(community, action, str(exc))
            return False
        except Exception as exc:  # a bug must not kill the remaining actions
            log.exception("discord: unexpected error executing %s", type(action).__name__)
            self.failures.failed(community, action, f"unexpected {type(exc).__name__}: {exc}")
            return False
        return True

    async def _perform(self, action: Action) -> None:
        match action:
            case Reply():
                await self._send(
                    action.community_id, action.channel_id, action.text, action.buttons,
                    reply_to=action.reply_to_message_id,
                )
            case PostToChannel():
                await self._send(
                    action.community_id, action.channel_id, action.text, action.buttons
                )
            case DirectMessage():
                await self._direct_message(action)
            case AddRole() | RemoveRole():
                await self._change_role(action)
            case Timeout():
                await self._timeout(action)
            case DeleteMessage():
                await self.client.http.delete_message(
                    raw_id(action.channel_id), raw_id(action.message_id),
                    reason=action.reason or None,
                )
            case Ban():
                guild = await self._guild(action.community_id)
                await self._check_moderation(guild, action, raw_id(action.member_id),
                                             "ban_members", fetch=False)
                await guild.ban(discord.Object(raw_id(action.member_id)),
                                reason=action.reason or None, delete_message_seconds=0)
            case Unban():
                guild = await self._guild(action.community_id)
                await guild.unban(discord.Object(raw_id(action.member_id)),
                                  reason=action.reason or None)
            case SetSlowMode():
                seconds = min(max(action.seconds, 0), MAX_SLOWMODE_SECONDS)
                await self.client.http.edit_channel(
                    raw_id(action.channel_id), rate_limit_per_user=seconds
                )
            case _:
                raise ValueError(f"the Discord adapter cannot execute {type(action).__name__}")

    # -- sending ---------------------------------------------------------------------------

    async def _send(
        self,
        community_id: str,
        channel_id: str,
        text: str,
        buttons: Sequence[Any] = (),
        *,
        reply_to: str | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> list[discord.Message]:
        channel = self.client.get_partial_messageable(
            raw_id(channel_id), guild_id=raw_id(community_id)
        )
        view = make_view(buttons)
        chunks = split_text(text, DISCORD_LIMIT) or ([""] if view else [])
        sent = []
        for index, chunk in enumerate(chunks):
            kwargs: dict[str, Any] = {
                "allowed_mentions": allowed_mentions or discord.AllowedMentions.none()
            }
            if index == 0 and reply_to:
                kwargs["reference"] = discord.MessageReference(
                    message_id=raw_id(reply_to), channel_id=raw_id(channel_id),
                    guild_id=raw_id(community_id), fail_if_not_exists=False,
                )
            if index == len(chunks) - 1 and view is not None:
                kwargs["view"] = view
            sent.append(await channel.send(chunk or None, **kwargs))
        return sent

    async def _direct_message(self, action: DirectMessage) -> None:
        user_id = raw_id(action.member_id)
        try:
            dm = await self.client.create_dm(discord.Object(user_id))
            for chunk in split_text(action.text, DISCORD_LIMIT):
                await dm.send(chunk, allowed_mentions=discord.AllowedMentions.none())
            return
        except discord.Forbidden as exc:
            if exc.code not in (CANNOT_DM, MISSING_PERMISSIONS, MISSING_ACCESS):
                raise
            reason = exc.text or str(exc)
        if action.fallback_channel_id is None:
            raise ValueError(f"member {action.member_id} does not accept DMs ({reason}) "
                             "and no fallback channel was given")
        lang = self.lang_for(action.community_id)
        text = t("platform.dm_fallback.discord", lang, mention=f"<@{user_id}>")
        await self._send(
            action.community_id, action.fallback_channel_id, text,
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(user_id)]
            ),
        )
        log.info("discord: DM to %s refused (%s); posted the fallback note in %s",
                 action.member_id, reason, action.fallback_channel_id)

    # -- moderation ------------------------------------------------------------------------

    async def _guild(self, community_id: str) -> discord.Guild:
        guild_id = raw_id(community_id)
        guild = self.client.get_guild(guild_id)
        if guild is None:
            guild = await self.client.fetch_guild(guild_id)
        return guild

    async def _me(self, guild: discord.Guild) -> discord.Member:
        if guild.me is not None:
            return guild.me
        assert self.client.user is not None
        return await guild.fetch_member(self.client.user.id)

    async def _check_moderation(
        self, guild: discord.Guild, action: Action, target_id: int, permission: str, *,
        fetch: bool,
    ) -> discord.Member | None:
        """Refuse (with a logged reason) what Discord would refuse: missing permission, a
        target who owns the server or outranks the bot."""
        me = await self._me(guild)
        community = action.community_id
        if not getattr(me.guild_permissions, permission):
            self.failures.missing_permission(community, permission, action)
            raise ActionRefused(permission)
        member = guild.get_member(target_id)
        if member is None and fetch:
            member = await guild.fetch_member(target_id)
        if member is None:
            return None
        if member.id == guild.owner_id:
            self.failures.failed(community, action, "the target owns the server")
            raise ActionRefused("owner")
        if member.top_role >= me.top_role:
            self.failures.failed(
                community, action,
                f"the target's highest role {member.top_role.name!r} is not below the bot's "
                f"highest role {me.top_role.name!r}; move the bot's role up",
            )
            raise ActionRefused("hierarchy")
        return member

    def _find_role(self, guild: discord.Guild, wanted: str) -> discord.Role | None:
        text = wanted.removeprefix("dc:")
        if text.isdigit():
            return guild.get_role(int(text))
        exact = discord.utils.get(guild.roles, name=wanted)
        if exact is not None:
            return exact
        folded = wanted.casefold()
        return next((r for r in guild.roles if r.name.casefold() == folded), None)

    async def _change_role(self, action: AddRole | RemoveRole) -> None:
        guild = await self._guild(action.community_id)
        if not guild.roles:
            guild = await self.client.fetch_guild(guild.id)
        role = self._find_role(guild, action.role)
        if role is None:
            raise ValueError(f"no role {action.role!r} in guild {guild.id} (use dc:<role id>)")
        me = await self._me(guild)
        community = action.community_id
        if not me.guild_permissions.manage_roles:
            self.failures.missing_permission(community, "manage_roles", action)
            raise ActionRefused("manage_roles")
        if role.is_default() or role.managed:
            raise ValueError(f"role {role.name!r} is managed by Discord/an integration")
        if role >= me.top_role:
            self.failures.warn_once(
                community, f"hierarchy:{role.id}",
                "discord: cannot assign role %r in %s: it is not below the bot's highest role "
                "%r; drag the bot's role above it in Server Settings > Roles (logged once)",
                role.name, community, me.top_role.name,
            )
            raise ActionRefused("hierarchy")
        user_id = raw_id(action.member_id)
        if isinstance(action, AddRole):
            await self.client.http.add_role(guild.id, user_id, role.id, reason="Hearth")
        else:
            await self.client.http.remove_role(guild.id, user_id, role.id, reason="Hearth")

    async def _timeout(self, action: Timeout) -> None:
        guild = await self._guild(action.community_id)
        member = await self._check_moderation(
            guild, action, raw_id(action.member_id), "moderate_members", fetch=True
        )
        assert member is not None
        if action.seconds <= 0:
            await member.timeout(None, reason=action.reason or None)
            return
        seconds = action.seconds
        if seconds > MAX_TIMEOUT_SECONDS - _SKEW_MARGIN:
            log.info("discord: timeout of %ss capped to Discord's 28-day maximum", seconds)
            seconds = MAX_TIMEOUT_SECONDS - _SKEW_MARGIN
        if member.guild_permissions.administrator:
            raise ValueError("administrators cannot be timed out")
        await member.timeout(timedelta(seconds=seconds), reason=action.reason or None)

    # -- interactions ----------------------------------------------------------------------

    async def answer_interaction(
        self,
        interaction: discord.Interaction,
        replies: Sequence[Reply],
        *,
        deferred: bool,
        component: bool,
        community_id: str,
    ) -> None:
        """Answer an interaction with ``replies`` (ephemeral where asked).

        Not deferred: the first reply is the interaction response. Deferred command: the
        public "thinking" message is edited into the first public reply, or deleted and
        replaced by an ephemeral follow-up. Every other reply is a follow-up. An interaction
        with nothing to say is still acknowledged, or Discord shows an error to the member.
        """
        none = discord.AllowedMentions.none()
        lang = str(interaction.locale)
        try:
            if not replies:
                if component and not deferred:
                    await interaction.response.defer()
                elif not component and not deferred:
                    await interaction.response.send_message(
                        t("platform.done", lang), ephemeral=True, allowed_mentions=none
                    )
                elif not component:
                    await interaction.edit_original_response(content=t("platform.done", lang))
                return
            first = True
            for reply in replies:
                view = make_view(reply.buttons)
                chunks = split_text(reply.text, DISCORD_LIMIT) or [t("platform.done", lang)]
                for index, chunk in enumerate(chunks):
                    kwargs: dict[str, Any] = {"allowed_mentions": none}
                    if view is not None and index == len(chunks) - 1:
                        kwargs["view"] = view
                    if first and not deferred:
                        await interaction.response.send_message(
                            chunk, ephemeral=reply.ephemeral, **kwargs
                        )
                    elif first and not component and not reply.ephemeral:
                        await interaction.edit_original_response(content=chunk, **kwargs)
                    else:
                        if first and not component:
                            await interaction.delete_original_response()
                        await interaction.followup.send(
                            chunk, ephemeral=reply.ephemeral, **kwargs
                        )
                    first = False
        except discord.HTTPException as exc:
            action = replies[0] if replies else Reply(community_id, "", "")
            self.failures.failed(
                community_id, action, f"answering interaction failed: HTTP {exc.status} {exc}"
            )
        except ValueError as exc:
            action = replies[0] if replies else Reply(community_id, "", "")
            self.failures.failed(community_id, action, str(exc))
