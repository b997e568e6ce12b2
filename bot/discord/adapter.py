"""The Discord adapter: one discord.py client feeding the pipeline and executing its actions.

Usage (what ``hearth run`` does)::

    adapter = DiscordAdapter(token=token, settings=cfg.discord, dispatch=pipeline,
                             resolver=RoleResolver(permissions_for), commands=specs)
    await adapter.start()      # logs in (clear error for a bad token), connects the gateway
    ...
    await adapter.stop()       # finishes in-flight actions, closes the gateway (resumable)

Gateway events are dispatched inline (each already runs in its own task in discord.py);
the resulting actions run as background tasks so a slow or rate-limited API call never
delays the next event. Interactions are answered within Discord's 3 s window: when the
pipeline is slower than ``defer_after_seconds`` the interaction is deferred first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import aiohttp
import discord

from bot.discord import convert
from bot.discord.buttons import HearthButton
from bot.discord.client import make_client
from bot.discord.commands import CatalogueTranslator, build_tree, sync_guilds
from bot.discord.convert import dc
from bot.discord.endpoints import apply_endpoints
from bot.discord.executor import DiscordExecutor
from bot.discord.voice import VoiceSessions
from bot.platform.config import DISCORD_API_BASE, DiscordSettings
from bot.platform.failures import ActionFailures, BackgroundTasks
from bot.platform.runtime import Dispatch, PlatformStartError, RoleResolver
from domain.actions import Action, Reply
from domain.events import ButtonPressed, CommandInvoked, Event, VoiceSessionEnded
from domain.i18n import t
from handlers.registry import CommandSpec

log = logging.getLogger("hearth.discord")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DiscordAdapter:
    """Runs the Discord side of Hearth; implements ``bot.platform.runtime.PlatformAdapter``."""

    platform = "discord"

    def __init__(
        self,
        *,
        token: str,
        settings: DiscordSettings,
        dispatch: Dispatch,
        resolver: RoleResolver,
        commands: Iterable[CommandSpec] = (),
        lang_for: Callable[[str], str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.dispatch = dispatch
        self.resolver = resolver
        self.clock = clock
        self._token = token
        self.failures = ActionFailures("discord")
        self.tasks = BackgroundTasks("discord actions")
        self.voice = VoiceSessions()
        self.client = make_client(self, settings)
        self.tree = build_tree(self.client, commands, sink=self)
        self.executor = DiscordExecutor(self.client, self.failures, lang_for)
        self.synced_guilds: dict[int, int] = {}
        self._run_task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in and connect the gateway in the background; returns once logged in."""
        apply_endpoints(self.settings)
        try:
            await self.client.login(self._token)
        except discord.LoginFailure as exc:
            await self.client.close()
            raise PlatformStartError(
                "Discord rejected HEARTH_DISCORD_TOKEN (401 Unauthorized); reset the token "
                "in Developer Portal > Bot and set the variable again."
            ) from exc
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            await self.client.close()
            base = self.settings.api_base_url or DISCORD_API_BASE
            raise PlatformStartError(f"cannot log in to Discord at {base}: {exc}") from exc
        self._run_task = asyncio.create_task(self._connect(), name="hearth-discord-gateway")

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired as exc:
            raise PlatformStartError(
                "Discord refused the privileged intents this bot asked for. Enable 'Message "
                "Content Intent' and 'Server Members Intent' in Developer Portal > Bot, or set "
                "[discord] message_content = false / members_intent = false."
            ) from exc

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the gateway session is ready (guilds cached)."""
        waiter = asyncio.ensure_future(self.client.wait_until_ready())
        assert self._run_task is not None, "start() first"
        done, _ = await asyncio.wait(
            {waiter, self._run_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            if self._run_task in done:
                self._run_task.result()
            raise TimeoutError("Discord gateway did not become ready")

    async def wait_stopped(self) -> None:
        assert self._run_task is not None, "start() first"
        await asyncio.shield(self._run_task)

    async def stop(self) -> None:
        """Finish in-flight actions, then close the client (the session stays resumable)."""
        if self._stopping:
            return
        self._stopping = True
        await self.tasks.drain()
        await self.client.close()
        if self._run_task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._run_task, timeout=5)

    # -- intake ----------------------------------------------------------------------------

    async def _dispatch(self, event: Event) -> list[Action] | None:
        try:
            return list(await self.dispatch(event))
        except Exception:
            log.exception(
                "discord: dispatching %s in %s failed; event skipped",
                type(event).__name__, event.community_id,
            )
            return None

    async def intake(self, event: Event | None) -> None:
        """Dispatch one event and schedule its actions without waiting for them."""
        if event is None or self._stopping:
            return
        actions = await self._dispatch(event)
        if actions:
            self.tasks.spawn(self.executor.execute(actions, origin=event))

    async def setup_hook(self) -> None:
        # Route presses on buttons sent by earlier runs (the custom_id carries the binding).
        self.client.add_dynamic_items(HearthButton)
        await self.tree.set_translator(CatalogueTranslator())

    async def on_ready(self) -> None:
        log.info("discord: ready as %s in %d guild(s)", self.client.user, len(self.client.guilds))
        if self.settings.sync_commands_on_start:
            pending = [g.id for g in self.client.guilds if g.id not in self.synced_guilds]
            if pending:
                self.tasks.spawn(self._sync(pending))

    async def _sync(self, guild_ids: list[int]) -> None:
        self.synced_guilds.update(await sync_guilds(self.tree, guild_ids, self.failures))

    def on_guild_available(self, guild: discord.Guild) -> None:
        now = self.clock()
        afk = guild.afk_channel.id if guild.afk_channel else None
        for channel in [*guild.voice_channels, *guild.stage_channels]:
            if channel.id == afk:
                continue
            for user_id in channel.voice_states:
                self.voice.seed(guild.id, user_id, channel.id, now)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.on_guild_available(guild)
        if self.settings.sync_commands_on_start:
            self.tasks.spawn(self._sync([guild.id]))

    async def on_message(self, message: discord.Message) -> None:
        await self.intake(convert.message_posted(message))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.intake(convert.message_edited(payload))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        for event in convert.messages_deleted(
            payload.guild_id, payload.channel_id,
            [(payload.message_id, payload.cached_message)], self.clock(),
        ):
            await self.intake(event)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        cached = {m.id: m for m in payload.cached_messages}
        pairs = [(mid, cached.get(mid)) for mid in sorted(payload.message_ids)]
        for event in convert.messages_deleted(
            payload.guild_id, payload.channel_id, pairs, self.clock()
        ):
            await self.intake(event)

    async def on_raw_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        self_id = self.client.user.id if self.client.user else None
        await self.intake(convert.reaction(payload, self.clock(), self_id))

    async def on_member_join(self, member: discord.Member) -> None:
        await self.intake(convert.member_joined(member, self.clock()))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.intake(convert.member_left(payload, self.clock()))

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        if member.bot:
            return
        afk = member.guild.afk_channel.id if member.guild.afk_channel else None

        def counted(state: discord.VoiceState) -> int | None:
            channel = state.channel
            return None if channel is None or channel.id == afk else channel.id

        span = self.voice.update(member.guild.id, member.id, counted(after), self.clock())
        if span is not None:
            await self.intake(
                VoiceSessionEnded(
                    community_id=dc(span.guild_id),
                    member_id=dc(span.member_id),
                    at=span.ended,
                    channel_id=dc(span.channel_id),
                    minutes=span.minutes,
                    session_id=span.session_id,
                )
            )

    def on_error(self, event_method: str) -> None:
        log.exception("discord: error in %s; event skipped", event_method)

    # -- interactions ----------------------------------------------------------------------

    def _roles(self, interaction: discord.Interaction) -> frozenset[str]:
        assert interaction.guild_id is not None
        user = interaction.user
        role_ids: set[int] = set()
        if isinstance(user, discord.Member):
            role_ids = {role.id for role in user.roles}
            # Roles of a guild missing from the cache are not resolvable to Role objects;
            # the raw ids from the interaction payload still are.
            role_ids.update(getattr(user, "_roles", ()))
        guild = interaction.guild
        return self.resolver.discord_roles(
            dc(interaction.guild_id),
            role_ids=role_ids,
            permission_names=[name for name, value in interaction.permissions if value],
            is_owner=guild is not None and guild.owner_id == user.id,
        )

    async def on_command(self, interaction: discord.Interaction, name: str, args: str) -> None:
        """A slash command (called by the command tree)."""
        if interaction.guild_id is None or interaction.channel_id is None:
            return
        event = CommandInvoked(
            community_id=dc(interaction.guild_id),
            member_id=dc(interaction.user.id),
            at=interaction.created_at,
            name=name,
            args=args.strip(),
            channel_id=dc(interaction.channel_id),
            roles=self._roles(interaction),
            locale=interaction.locale.value,
            member_name=interaction.user.display_name,
            interaction_id=dc(interaction.id),
        )
        await self._interact(interaction, event, component=False)

    async def on_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A press on a Hearth button (called by :class:`bot.discord.buttons.HearthButton`)."""
        if interaction.guild_id is None:
            await interaction.response.send_message(
                t("platform.button_expired", interaction.locale.value), ephemeral=True
            )
            return
        event = ButtonPressed(
            community_id=dc(interaction.guild_id),
            member_id=dc(interaction.user.id),
            at=interaction.created_at,
            custom_id=custom_id,
            channel_id=dc(interaction.channel_id) if interaction.channel_id else "",
            roles=self._roles(interaction),
            locale=interaction.locale.value,
        )
        await self._interact(interaction, event, component=True)

    async def _interact(
        self, interaction: discord.Interaction, event: Event, *, component: bool
    ) -> None:
        work = asyncio.ensure_future(self._dispatch(event))
        deferred = False
        done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after_seconds)
        if not done:
            deferred = True
            try:
                await interaction.response.defer(thinking=not component)
            except discord.HTTPException as exc:
                log.warning("discord: could not defer interaction %s: %s", interaction.id, exc)
        actions = await work
        channel_id = getattr(event, "channel_id", "")
        if actions is None:
            name = getattr(event, "name", "button")
            actions = [
                Reply(event.community_id, channel_id,
                      t("core.error", interaction.locale.value, name=name), ephemeral=True)
            ]
        replies = [
            a for a in actions
            if isinstance(a, Reply) and a.channel_id == channel_id and not a.reply_to_message_id
        ]
        rest = [a for a in actions if not any(a is r for r in replies)]
        await self.executor.answer_interaction(
            interaction, replies, deferred=deferred, component=component,
            community_id=event.community_id,
        )
        if rest:
            self.tasks.spawn(self.executor.execute(rest, origin=event))

    # -- reporting -------------------------------------------------------------------------

    @property
    def missing_permissions(self) -> dict[str, frozenset[str]]:
        """Community → Discord permissions found missing while acting (for ``hearth doctor``)."""
        return dict(self.failures.missing)
