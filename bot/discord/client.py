"""discord.py client classes that forward gateway events to the :class:`DiscordAdapter`.

Two classes because sharding is a different base class in discord.py: a plain ``Client``
for one connection, ``AutoShardedClient`` when ``shard_ids``/``shard_count`` are configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.platform.config import DiscordSettings

if TYPE_CHECKING:
    from bot.discord.adapter import DiscordAdapter


def intents_for(settings: DiscordSettings) -> discord.Intents:
    """The minimal intents: guild structure, guild messages and reactions, plus the
    privileged ones only when configured (message content, members) and voice if tracked."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.message_content = settings.message_content
    intents.members = settings.members_intent
    intents.voice_states = settings.voice_states
    return intents


class _ForwardEvents:
    """Event methods discord.py looks up by name; each hands over to the adapter."""

    adapter: DiscordAdapter

    async def setup_hook(self) -> None:
        await self.adapter.setup_hook()

    async def on_ready(self) -> None:
        await self.adapter.on_ready()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.adapter.on_guild_available(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.adapter.on_guild_join(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.adapter.voice.forget_guild(guild.id)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.adapter.on_raw_message_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.adapter.on_raw_message_delete(payload)

    async def on_raw_bulk_message_delete(
        self, payload: discord.RawBulkMessageDeleteEvent
    ) -> None:
        await self.adapter.on_raw_bulk_message_delete(payload)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_raw_reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_raw_reaction(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.adapter.on_member_join(member)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.adapter.on_raw_member_remove(payload)

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        await self.adapter.on_voice_state_update(member, before, after)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        self.adapter.on_error(event_method)


class HearthClient(_ForwardEvents, discord.Client):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        self.adapter = adapter
        self.hearth_buttons = adapter
        super().__init__(**options)


class HearthShardedClient(_ForwardEvents, discord.AutoShardedClient):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        self.adapter = adapter
        self.hearth_buttons = adapter
        super().__init__(**options)


def make_client(adapter: DiscordAdapter, settings: DiscordSettings) -> discord.Client:
    options: dict[str, Any] = {
        "intents": intents_for(settings),
        "chunk_guilds_at_startup": False,  # no member lists needed; saves memory and time
        "guild_ready_timeout": settings.guild_ready_timeout,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
        return HearthShardedClient(adapter, **options)
    return HearthClient(adapter, **options)
