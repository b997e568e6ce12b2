"""Slash commands built from the handler registry, and syncing them to guilds.

Every registry command becomes an application command taking one optional free-text option
``args`` (the same line a Telegram user types after ``/name``), so handlers parse arguments
once for both platforms. Member commands sit at top level, role-restricted ones under
``/mod``, ``/admin`` and ``/expert``. Descriptions are localised (en, zh) from the message
catalogue through a discord.py ``Translator``. Commands are synced per guild: guild commands
update instantly, global ones can take an hour.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.discord.convert import dc
from bot.discord.endpoints import apply_endpoints
from bot.platform.commands import (
    command_description,
    description_key,
    discord_layout,
    render_key,
)
from bot.platform.config import DiscordSettings
from bot.platform.failures import ActionFailures
from bot.platform.runtime import PlatformStartError
from domain.i18n import t
from handlers.registry import CommandSpec

log = logging.getLogger("hearth.discord")

DESCRIPTION_LIMIT = 100


class CommandSink(Protocol):
    async def on_command(self, interaction: discord.Interaction, name: str, args: str) -> None: ...


class CatalogueTranslator(app_commands.Translator):
    """Fills Discord's zh-CN/zh-TW localisations from the message catalogue."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        if not key or not locale.value.startswith("zh"):
            return None
        text = render_key(key, "zh", string.extras.get("fields", {}).get("name", ""))
        text = " ".join(text.split())
        return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


class HearthCommandTree(app_commands.CommandTree):
    """Answers interactions for commands Discord still shows but this build doesn't have."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.name if interaction.command else "?"
        if isinstance(error, app_commands.CommandNotFound):
            text = t("core.unknown_command", str(interaction.locale), name=error.name)
        else:
            log.error("slash command /%s failed", name, exc_info=error)
            text = t("core.error", str(interaction.locale), name=name)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not report a command error to the user: %s", exc)


def _described(spec: CommandSpec) -> locale_str:
    key = description_key(spec)
    text = command_description(spec, "en", DESCRIPTION_LIMIT)
    if key is not None:
        return locale_str(text, key=key)
    return locale_str(
        text, key="platform.command.fallback_description", fields={"name": spec.name}
    )


def _command(spec: CommandSpec, sink: CommandSink | None) -> app_commands.Command[Any, ..., Any]:
    name = spec.name

    @app_commands.describe(args=locale_str(t("platform.command.args", "en"),
                                           key="platform.command.args"))
    async def callback(interaction: discord.Interaction, args: str | None = None) -> None:
        if sink is not None:
            await sink.on_command(interaction, name, args or "")

    return app_commands.Command(
        name=name,
        description=_described(spec),
        callback=callback,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )


def build_tree(
    client: discord.Client, specs: Iterable[CommandSpec], sink: CommandSink | None
) -> HearthCommandTree:
    """A command tree holding every registry command (as global commands, copied per guild
    when syncing)."""
    tree = HearthCommandTree(client, fallback_to_global=True)
    layout = discord_layout(specs)
    for name, why in layout.skipped:
        log.warning("command /%s is not published on Discord: %s", name, why)
    for spec in layout.top_level:
        tree.add_command(_command(spec, sink))
    for group_name, members in layout.groups.items():
        key = f"platform.group.{group_name}"
        group = app_commands.Group(
            name=group_name,
            description=locale_str(t(key, "en"), key=key),
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )
        for spec in members:
            group.add_command(_command(spec, sink))
        tree.add_command(group)
    return tree


async def sync_guilds(
    tree: app_commands.CommandTree,
    guild_ids: Iterable[int],
    failures: ActionFailures | None = None,
) -> dict[int, int]:
    """Copy the commands to each guild and sync; returns guild id → commands synced.

    A guild the bot may not register commands in is logged (once) and skipped.
    """
    results: dict[int, int] = {}
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        try:
            synced = await tree.sync(guild=guild)
        except discord.Forbidden as exc:
            message = (
                "discord: cannot register slash commands in guild %s (%s); re-invite the bot "
                "with the applications.commands scope"
            )
            if failures is not None:
                failures.warn_once(dc(guild_id), "applications.commands", message, guild_id, exc)
            else:
                log.warning(message, guild_id, exc)
            continue
        except discord.HTTPException as exc:
            log.warning("discord: syncing commands to guild %s failed: %s", guild_id, exc)
            continue
        results[guild_id] = len(synced)
        log.info("discord: synced %d command(s) to guild %s", len(synced), guild_id)
    return results


async def sync_commands(
    token: str,
    settings: DiscordSettings,
    specs: Iterable[CommandSpec],
    guild_ids: Sequence[int] | None = None,
) -> dict[int, int]:
    """``hearth discord sync``: publish the registry's commands to guilds over REST only.

    With no ``guild_ids`` every guild the bot is in is synced. Raises PlatformStartError
    for a rejected token.
    """
    apply_endpoints(settings)
    client = discord.Client(intents=discord.Intents.none())
    tree = build_tree(client, specs, sink=None)
    async with client:
        try:
            await client.login(token)
        except discord.LoginFailure as exc:
            raise PlatformStartError(
                "Discord rejected HEARTH_DISCORD_TOKEN (401 Unauthorized); reset the token in "
                "Developer Portal > Bot and set it again."
            ) from exc
        await tree.set_translator(CatalogueTranslator())
        if guild_ids is None:
            ids = [guild.id async for guild in client.fetch_guilds(limit=None)]
        else:
            ids = list(guild_ids)
        return await sync_guilds(tree, ids)
