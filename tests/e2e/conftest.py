"""Fixtures: fake platform servers, a scripted pipeline, and adapters wired to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.discord.endpoints import apply_endpoints
from bot.platform.config import DiscordSettings, PermissionSettings, TelegramSettings
from bot.platform.runtime import RoleResolver

from .fakes.discord_fake import (
    BAN_MEMBERS,
    MANAGE_CHANNELS,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    MODERATE_MEMBERS,
    FakeDiscord,
    FakeGuild,
    FakeMember,
)
from .fakes.telegram_fake import FakeTelegram, TgChat, TgUser
from .pipeline import ScriptedPipeline

# Well-formed but fake tokens (the first Discord part is base64 of a user id).
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"
TELEGRAM_TOKEN = "123456789:AAHfakeTokenForTestsOnly0123456789abcd"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@dataclass
class DiscordWorld:
    fake: FakeDiscord
    guild: FakeGuild
    general: int
    mod_queue: int
    voice: int
    alice: FakeMember  # plain member
    mo: FakeMember  # moderator by configured role id
    ada: FakeMember  # admin by configured role id
    high_role: int  # a role above the bot's
    low_role: int  # a role below the bot's
    community: str
    permissions: PermissionSettings

    def settings(self, **overrides: object) -> DiscordSettings:
        values: dict[str, object] = {
            "api_base_url": self.fake.api_base_url, "gateway_url": self.fake.gateway_url,
            "guild_ready_timeout": 0.05, "defer_after_seconds": 1.0,
        }
        values.update(overrides)
        return DiscordSettings(**values)

    def resolver(self) -> RoleResolver:
        return RoleResolver({self.community: self.permissions})


@pytest.fixture
async def discord_world() -> AsyncIterator[DiscordWorld]:
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        owner = 4242
        guild = fake.add_guild("Hearth test guild", owner)
        bot_perms = (MANAGE_MESSAGES | MANAGE_ROLES | MODERATE_MEMBERS | BAN_MEMBERS
                     | MANAGE_CHANNELS)
        high = guild.add_role("Council", 0, position=20)
        bot_role = guild.add_role("Hearth", bot_perms, position=10)
        admins = guild.add_role("Admins", 0, position=6)
        mods = guild.add_role("Moderators", 0, position=5)
        low = guild.add_role("Regular", 0, position=1)
        general = guild.add_text_channel("general")
        mod_queue = guild.add_text_channel("mod-queue")
        voice = guild.add_voice_channel("Lounge")
        guild.add_member(fake.bot_id, "HearthBot", [bot_role], bot=True)
        alice = guild.add_member(1001, "alice")
        mo = guild.add_member(1002, "mo", [mods])
        ada = guild.add_member(1003, "ada", [admins])
        community = f"dc:{guild.guild_id}"
        permissions = PermissionSettings(discord_admin_role_ids=[admins],
                                         discord_moderator_role_ids=[mods])
        yield DiscordWorld(fake, guild, general, mod_queue, voice, alice, mo, ada, high, low,
                           community, permissions)
    apply_endpoints(DiscordSettings())  # discord.py keeps endpoints process-wide: reset


@dataclass
class TelegramWorld:
    fake: FakeTelegram
    group: TgChat
    mod_chat: TgChat
    alice: TgUser  # plain member
    carl: TgUser  # chat administrator -> moderator
    cleo: TgUser  # chat creator -> admin
    zed: TgUser  # admin by configured user id, Chinese client
    community: str
    permissions: PermissionSettings

    def settings(self, **overrides: object) -> TelegramSettings:
        values: dict[str, object] = {
            "api_base_url": self.fake.base_url, "base_file_url": self.fake.base_file_url,
            "poll_timeout": 1,
        }
        values.update(overrides)
        return TelegramSettings(**values)

    def resolver(self) -> RoleResolver:
        return RoleResolver({self.community: self.permissions})


@pytest.fixture
async def telegram_world() -> AsyncIterator[TelegramWorld]:
    async with FakeTelegram(TELEGRAM_TOKEN) as fake:
        group = fake.add_chat(-1001234567890, "Hearth test group")
        mod_chat = fake.add_chat(-1009876543210, "Hearth mods")
        alice = TgUser(501, "Alice")
        carl = TgUser(502, "Carl")
        cleo = TgUser(503, "Cleo")
        zed = TgUser(504, "Zed", language_code="zh-hans")
        group.statuses.update({carl.user_id: "administrator", cleo.user_id: "creator"})
        community = f"tg:{group.chat_id}"
        permissions = PermissionSettings(telegram_admin_user_ids=[zed.user_id])
        yield TelegramWorld(fake, group, mod_chat, alice, carl, cleo, zed, community,
                            permissions)


async def eventually(predicate: Callable[[], object], timeout: float = 3.0) -> None:
    """Poll ``predicate`` until true, for state nothing announces (e.g. a handler ran)."""
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), timeout)


def pipeline_for(*communities: tuple[str, str], slow_seconds: float = 0.3) -> ScriptedPipeline:
    return ScriptedPipeline(dict(communities), slow_seconds=slow_seconds)
