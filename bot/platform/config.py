"""Settings for the platform adapters (the ``[discord]``, ``[telegram]`` and per-community
``permissions`` tables of ``config.toml``).

Tokens are deliberately absent: they are secrets and come from ``HEARTH_DISCORD_TOKEN`` /
``HEARTH_TELEGRAM_TOKEN`` (see :mod:`bot.platform.tokens`), so a config file can be committed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
TELEGRAM_API_BASE = "https://api.telegram.org/bot"
TELEGRAM_FILE_BASE = "https://api.telegram.org/file/bot"

# Permission flag names accepted by Discord (a subset check; discord.Permissions has them all).
# Validation imports discord lazily so reading config stays cheap.

NeutralRole = Literal["member", "moderator", "admin", "expert"]


def _check_url(value: str | None, schemes: tuple[str, ...], field: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text.startswith(tuple(s + "://" for s in schemes)):
        raise ValueError(
            f"{field} must start with {' or '.join(s + '://' for s in schemes)}, got {value!r}"
        )
    return text


class DiscordSettings(BaseModel):
    """How the Discord adapter connects and what it asks Discord for."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        True, description="Run the Discord adapter when HEARTH_DISCORD_TOKEN is set."
    )
    api_base_url: str | None = Field(
        None,
        description=(
            "REST base URL including the API version, e.g. a nirn-proxy "
            "'http://127.0.0.1:8080/api/v10'. Empty means Discord itself "
            f"({DISCORD_API_BASE})."
        ),
    )
    gateway_url: str | None = Field(
        None,
        description=(
            "Gateway websocket URL (ws:// or wss://). Empty means Discord's own "
            f"({DISCORD_GATEWAY})."
        ),
    )
    shard_ids: list[int] | None = Field(
        None,
        description=(
            "Shards this process runs, e.g. [0, 1]. Needs shard_count. Empty means one "
            "unsharded connection (or all shards when shard_count is set)."
        ),
    )
    shard_count: int | None = Field(
        None, ge=1, description="Total shards across every process of this bot."
    )
    message_content: bool = Field(
        True,
        description=(
            "Request the privileged Message Content intent (enable it in the Developer Portal). "
            "Without it message text is empty and keyword filters cannot work."
        ),
    )
    members_intent: bool = Field(
        True,
        description=(
            "Request the privileged Server Members intent, needed for member join/leave events."
        ),
    )
    voice_states: bool = Field(True, description="Track voice sessions (minutes in voice).")
    sync_commands_on_start: bool = Field(
        True, description="Sync slash commands to every guild when the bot starts."
    )
    defer_after_seconds: float = Field(
        2.0,
        gt=0,
        lt=3,
        description=(
            "Discord allows 3 s to answer an interaction; if handling takes longer than "
            "this the adapter defers first and answers with a follow-up."
        ),
    )
    guild_ready_timeout: float = Field(
        2.0, gt=0, description="Seconds to wait for guild data at start before going ready."
    )

    @field_validator("api_base_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        checked = _check_url(value, ("http", "https"), "discord.api_base_url")
        return checked.rstrip("/") if checked else checked

    @field_validator("gateway_url")
    @classmethod
    def _gateway_url(cls, value: str | None) -> str | None:
        return _check_url(value, ("ws", "wss"), "discord.gateway_url")

    @model_validator(mode="after")
    def _shards(self) -> DiscordSettings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("discord.shard_ids needs discord.shard_count (the total)")
            bad = [s for s in self.shard_ids if not 0 <= s < self.shard_count]
            if bad:
                raise ValueError(
                    f"discord.shard_ids {bad} are outside 0..{self.shard_count - 1} "
                    f"(shard_count = {self.shard_count})"
                )
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("discord.shard_ids lists a shard twice")
        return self


class TelegramSettings(BaseModel):
    """How the Telegram adapter reaches the Bot API."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        True, description="Run the Telegram adapter when HEARTH_TELEGRAM_TOKEN is set."
    )
    api_base_url: str = Field(
        TELEGRAM_API_BASE,
        description=(
            "Bot API base; the token is appended. Point it at a self-hosted "
            "telegram-bot-api server, e.g. 'http://127.0.0.1:8081/bot'."
        ),
    )
    base_file_url: str = Field(
        TELEGRAM_FILE_BASE, description="File download base; the token is appended."
    )
    poll_timeout: int = Field(
        30, ge=0, le=50, description="getUpdates long-poll timeout in seconds."
    )
    set_commands_on_start: bool = Field(
        True, description="Publish the command list (en, zh) with setMyCommands at start."
    )
    drop_pending_updates: bool = Field(
        False, description="Skip updates that queued up while the bot was offline."
    )
    admin_cache_seconds: float = Field(
        60.0, ge=0, description="How long a getChatMember answer (admin or not) is trusted."
    )
    send_retries: int = Field(
        3, ge=0, le=10, description="Retries after a 429 (RetryAfter) before an action is dropped."
    )
    max_retry_after: float = Field(
        30.0,
        gt=0,
        description="A 429 asking to wait longer than this drops the action instead of waiting.",
    )

    @field_validator("api_base_url", "base_file_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        checked = _check_url(value, ("http", "https"), "telegram base URL")
        assert checked is not None
        return checked


_DEFAULT_ADMIN_PERMISSIONS = ["administrator", "manage_guild"]
_DEFAULT_MOD_PERMISSIONS = ["moderate_members", "manage_messages", "ban_members", "kick_members"]


class PermissionSettings(BaseModel):
    """Which platform members hold Hearth's platform-neutral roles in one community.

    Everyone is a ``member``. Discord: role ids or channel permissions grant ``moderator`` /
    ``admin``; the guild owner is always ``admin``. Telegram: chat administrators count as
    moderators and the chat creator as admin; user ids add people explicitly.
    """

    model_config = ConfigDict(extra="forbid")

    discord_admin_role_ids: list[int] = Field(
        default_factory=list, description="Discord role ids whose holders are Hearth admins."
    )
    discord_moderator_role_ids: list[int] = Field(
        default_factory=list, description="Discord role ids whose holders are moderators."
    )
    discord_expert_role_ids: list[int] = Field(
        default_factory=list, description="Discord role ids whose holders are experts."
    )
    discord_admin_permissions: list[str] = Field(
        default_factory=lambda: list(_DEFAULT_ADMIN_PERMISSIONS),
        description="Any of these Discord permissions makes a member an admin.",
    )
    discord_moderator_permissions: list[str] = Field(
        default_factory=lambda: list(_DEFAULT_MOD_PERMISSIONS),
        description="Any of these Discord permissions makes a member a moderator.",
    )
    telegram_admin_user_ids: list[int] = Field(
        default_factory=list, description="Telegram user ids that are Hearth admins."
    )
    telegram_moderator_user_ids: list[int] = Field(
        default_factory=list, description="Telegram user ids that are moderators."
    )
    telegram_expert_user_ids: list[int] = Field(
        default_factory=list, description="Telegram user ids that are experts."
    )
    telegram_chat_admin_role: NeutralRole = Field(
        "moderator", description="Role given to Telegram chat administrators."
    )
    telegram_chat_creator_role: NeutralRole = Field(
        "admin", description="Role given to the Telegram chat's creator (owner)."
    )

    @field_validator("discord_admin_permissions", "discord_moderator_permissions")
    @classmethod
    def _known_permissions(cls, value: list[str]) -> list[str]:
        import discord  # lazy: only when someone configures Discord permissions

        valid = set(discord.Permissions.VALID_FLAGS)
        unknown = [name for name in value if name not in valid]
        if unknown:
            raise ValueError(
                f"unknown Discord permission name(s) {unknown}; use names like "
                "'administrator', 'manage_guild', 'manage_messages', 'moderate_members'"
            )
        return value
