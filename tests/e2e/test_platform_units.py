"""Unit and property tests for the platform layer's pure parts (tokens, text splitting,
roles, settings, voice sessions, status cache, command layout).

They live next to the E2E tests because tests/e2e is this work's directory; they need no
server and run in milliseconds.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.discord.voice import VoiceSessions
from bot.platform.commands import discord_layout, telegram_name
from bot.platform.config import DiscordSettings, PermissionSettings, TelegramSettings
from bot.platform.runtime import RoleResolver
from bot.platform.text import split_text
from bot.platform.tokens import TokenError, token_from_env
from bot.telegram.admins import ChatStatusCache
from handlers.registry import CommandSpec

from .conftest import DISCORD_TOKEN, TELEGRAM_TOKEN

# -- tokens --------------------------------------------------------------------------------


def test_valid_tokens_are_returned_stripped() -> None:
    env = {"HEARTH_DISCORD_TOKEN": f" {DISCORD_TOKEN}\n", "HEARTH_TELEGRAM_TOKEN": TELEGRAM_TOKEN}
    assert token_from_env("HEARTH_DISCORD_TOKEN", env) == DISCORD_TOKEN
    assert token_from_env("HEARTH_TELEGRAM_TOKEN", env) == TELEGRAM_TOKEN


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("HEARTH_DISCORD_TOKEN", None, "is not set"),
        ("HEARTH_DISCORD_TOKEN", "", "is empty"),
        ("HEARTH_DISCORD_TOKEN", f"Bot {DISCORD_TOKEN}", "starts with 'Bot '"),
        ("HEARTH_DISCORD_TOKEN", f'"{DISCORD_TOKEN}"', "quotes"),
        ("HEARTH_DISCORD_TOKEN", TELEGRAM_TOKEN, "does not look like a Discord bot token"),
        ("HEARTH_DISCORD_TOKEN", "aGVsbG8gd29ybGQh.GhJkLm.abcdefghijklmnopqrstuvwxyz",
         "encode the bot's user id"),
        ("HEARTH_TELEGRAM_TOKEN", DISCORD_TOKEN, "does not look like a Telegram bot token"),
        ("HEARTH_TELEGRAM_TOKEN", "123456789:short", "does not look like a Telegram"),
    ],
)
def test_bad_tokens_name_the_variable_and_the_fix(
    name: str, value: str | None, problem: str
) -> None:
    env = {} if value is None else {name: value}
    with pytest.raises(TokenError) as caught:
        token_from_env(name, env)
    message = str(caught.value)
    assert message.startswith(name) and problem in message
    if value:
        assert value.strip().strip('"') not in message  # never echo the secret


@given(st.integers(min_value=10**16, max_value=10**20),
       st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=6,
               max_size=8),
       st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=27,
               max_size=40))
def test_any_well_formed_discord_token_is_accepted(user_id: int, stamp: str, mac: str) -> None:
    first = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    token = f"{first}.{stamp}.{mac}"
    assert token_from_env("HEARTH_DISCORD_TOKEN", {"HEARTH_DISCORD_TOKEN": token}) == token


@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes_the_token_check(value: str) -> None:
    for name in ("HEARTH_DISCORD_TOKEN", "HEARTH_TELEGRAM_TOKEN"):
        try:
            token_from_env(name, {name: value})
        except TokenError as exc:
            assert str(exc).startswith(name)


# -- text splitting ------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000),
       st.integers(min_value=1, max_value=500))
def test_split_text_respects_the_limit_and_keeps_every_visible_character(
    text: str, limit: int
) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert "".join("".join(c.split()) for c in chunks) == "".join(text.split())


def test_split_text_prefers_line_breaks() -> None:
    text = "line one\nline two\nline three"
    assert split_text(text, 18) == ["line one\nline two", "line three"]


# -- roles ---------------------------------------------------------------------------------


def test_discord_roles_from_role_ids_permissions_and_ownership() -> None:
    cfg = PermissionSettings(discord_admin_role_ids=[1], discord_moderator_role_ids=[2],
                             discord_expert_role_ids=[3])
    resolver = RoleResolver({"dc:9": cfg})
    roles = resolver.discord_roles
    assert roles("dc:9", role_ids=[], permission_names=["send_messages"]) == {"member"}
    assert roles("dc:9", role_ids=[2, 3], permission_names=[]) == {"member", "moderator", "expert"}
    assert roles("dc:9", role_ids=[1], permission_names=[]) == {"member", "admin"}
    assert roles("dc:9", role_ids=[], permission_names=["manage_messages"]) == {
        "member", "moderator"}
    assert roles("dc:9", role_ids=[], permission_names=["administrator"]) == {"member", "admin"}
    assert roles("dc:9", role_ids=[], permission_names=[], is_owner=True) == {"member", "admin"}
    # Another community does not inherit dc:9's role ids.
    assert roles("dc:8", role_ids=[1, 2, 3], permission_names=[]) == {"member"}


def test_telegram_roles_from_chat_status_and_configured_ids() -> None:
    cfg = PermissionSettings(telegram_expert_user_ids=[7], telegram_moderator_user_ids=[8])
    resolver = RoleResolver(lambda community: cfg)
    roles = resolver.telegram_roles
    assert roles("tg:-1", user_id=5, chat_status="member") == {"member"}
    assert roles("tg:-1", user_id=5, chat_status="administrator") == {"member", "moderator"}
    assert roles("tg:-1", user_id=5, chat_status="creator") == {"member", "admin"}
    assert roles("tg:-1", user_id=7, chat_status=None) == {"member", "expert"}
    assert roles("tg:-1", user_id=8, chat_status="left") == {"member", "moderator"}


# -- settings ------------------------------------------------------------------------------


def test_settings_reject_unknown_keys_and_bad_values_with_clear_messages() -> None:
    with pytest.raises(ValidationError, match="extra_forbidden"):
        DiscordSettings(api_url="http://x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match=r"needs discord\.shard_count"):
        DiscordSettings(shard_ids=[0])
    with pytest.raises(ValidationError, match=r"outside 0\.\.1"):
        DiscordSettings(shard_ids=[2], shard_count=2)
    with pytest.raises(ValidationError, match="must start with ws:// or wss://"):
        DiscordSettings(gateway_url="http://127.0.0.1/gw")
    with pytest.raises(ValidationError, match="unknown Discord permission"):
        PermissionSettings(discord_admin_permissions=["be_the_boss"])
    with pytest.raises(ValidationError, match="extra_forbidden"):
        TelegramSettings(token="x")  # type: ignore[call-arg]
    assert DiscordSettings(api_base_url="http://127.0.0.1:1/api/v10/").api_base_url == (
        "http://127.0.0.1:1/api/v10")
    assert TelegramSettings().api_base_url == "https://api.telegram.org/bot"


def test_every_setting_is_described() -> None:
    for model in (DiscordSettings, TelegramSettings, PermissionSettings):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"


# -- voice sessions ------------------------------------------------------------------------


def test_voice_sessions_count_minutes_per_channel() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    sessions = VoiceSessions()
    assert sessions.update(1, 2, 10, t0) is None
    assert sessions.update(1, 2, 10, t0 + timedelta(minutes=3)) is None  # mute: same channel
    moved = sessions.update(1, 2, 11, t0 + timedelta(minutes=7))
    assert moved is not None and moved.channel_id == 10 and moved.minutes == pytest.approx(7)
    left = sessions.update(1, 2, None, t0 + timedelta(minutes=8))
    assert left is not None and left.channel_id == 11 and left.minutes == pytest.approx(1)
    assert sessions.update(1, 2, None, t0 + timedelta(minutes=9)) is None
    assert len(sessions) == 0


@given(st.lists(st.one_of(st.none(), st.integers(1, 3)), max_size=30))
def test_voice_minutes_add_up_to_time_spent_in_channels(channels: list[int | None]) -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    sessions = VoiceSessions()
    total = 0.0
    expected = 0.0
    current = None
    for step, channel in enumerate([*channels, None]):
        now = t0 + timedelta(minutes=step)
        if current is not None:
            expected += 1
        span = sessions.update(1, 1, channel, now)
        if span is not None:
            total += span.minutes
        current = channel
    assert total == pytest.approx(expected)


# -- chat status cache ---------------------------------------------------------------------


def test_chat_status_cache_expires_after_ttl() -> None:
    now = [0.0]
    cache = ChatStatusCache(60, clock=lambda: now[0])
    cache.put(-1, 5, "administrator")
    now[0] = 59.9
    assert cache.get(-1, 5) == "administrator"
    now[0] = 60.0
    assert cache.get(-1, 5) is None


# -- command layout ------------------------------------------------------------------------


async def _noop(event: object, ctx: object) -> list[object]:
    return []


def test_discord_layout_groups_by_role_and_skips_bad_names() -> None:
    specs = [CommandSpec("rank", _noop), CommandSpec("claim", _noop, role="moderator"),
             CommandSpec("setup", _noop, role="admin"), CommandSpec("Bad Name", _noop),
             CommandSpec("escalations", _noop, role="expert")]
    layout = discord_layout(specs)
    assert [s.name for s in layout.top_level] == ["rank"]
    assert {g: [s.name for s in m] for g, m in layout.groups.items()} == {
        "mod": ["claim"], "admin": ["setup"], "expert": ["escalations"]}
    assert [name for name, _ in layout.skipped] == ["Bad Name"]
    assert telegram_name("link-account") == "link_account"
    assert telegram_name("Bad Name") is None


# -- telegram command parsing --------------------------------------------------------------


def _tg_message(text: str, chat_type: str = "supergroup") -> object:
    from telegram import Message

    entities = []
    if text.startswith("/"):
        length = len(text.split()[0])
        entities = [{"type": "bot_command", "offset": 0, "length": length}]
    return Message.de_json({
        "message_id": 1, "date": 1735689600, "text": text, "entities": entities,
        "chat": {"id": -100 if chat_type != "private" else 5, "type": chat_type},
        "from": {"id": 5, "is_bot": False, "first_name": "A"},
    }, None)


@pytest.mark.parametrize(
    ("text", "chat_type", "expected"),
    [
        ("/rank", "supergroup", ("rank", "")),
        ("/RANK@HearthBot  this week ", "supergroup", ("rank", "this week")),
        ("/rank@OtherBot", "supergroup", None),
        ("/mod claim 42", "supergroup", ("claim", "42")),
        ("/link-me", "supergroup", None),  # not a command entity match → plain text
        ("/weather", "supergroup", None),  # unknown, unaddressed: another bot's command
        ("/weather@HearthBot", "supergroup", ("weather", "")),  # ours: registry says unknown
        ("/start abc", "private", ("start", "abc")),
        ("hello /rank", "supergroup", None),
    ],
)
def test_parse_command(text: str, chat_type: str, expected: tuple[str, str] | None) -> None:
    from bot.telegram.convert import parse_command

    known = {"rank": "rank", "claim": "claim", "link_me": "link-me"}
    parsed = parse_command(_tg_message(text, chat_type), "HearthBot", known)  # type: ignore[arg-type]
    assert (None if parsed is None else (parsed.name, parsed.args)) == expected
