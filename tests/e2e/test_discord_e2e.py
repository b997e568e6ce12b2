"""The real discord.py client, driven through the Discord adapter against a fake Discord."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.discord.adapter import DiscordAdapter
from bot.platform.runtime import PlatformStartError
from domain.actions import AddRole, DeleteMessage, Timeout
from domain.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
)

from .conftest import DISCORD_TOKEN, DiscordWorld, eventually, pipeline_for
from .fakes.discord_fake import iso, snowflake, user_payload
from .pipeline import ScriptedPipeline

EPHEMERAL = 64


class StepClock:
    """Each reading is five minutes after the previous one."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return datetime(2025, 1, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=5 * self.calls)


@asynccontextmanager
async def running(
    world: DiscordWorld, pipeline: ScriptedPipeline, **settings: object
) -> AsyncIterator[DiscordAdapter]:
    adapter = DiscordAdapter(
        token=DISCORD_TOKEN, settings=world.settings(**settings), dispatch=pipeline,
        resolver=world.resolver(), commands=pipeline.registry.commands.values(),
    )
    await adapter.start()
    try:
        await adapter.wait_ready(5)
        yield adapter
    finally:
        await adapter.stop()


def make_pipeline(world: DiscordWorld, **kwargs: object) -> ScriptedPipeline:
    return pipeline_for((world.community, f"dc:{world.mod_queue}"), **kwargs)  # type: ignore[arg-type]


async def test_message_reaches_dispatch_with_namespaced_ids(discord_world: DiscordWorld) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        payload = w.fake.message_create(w.guild, w.general, w.alice, "hello everyone")
        await w.fake.dispatch("MESSAGE_CREATE", payload)
        event = await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
    assert event.community_id == f"dc:{w.guild.guild_id}"
    assert event.member_id == "dc:1001"
    assert event.channel_id == f"dc:{w.general}"
    assert event.message_id == f"dc:{payload['id']}"
    assert event.text == "hello everyone"
    assert event.member_name == "alice"
    assert abs(event.at - datetime.fromisoformat(payload["timestamp"])) < timedelta(seconds=1)
    assert event.at.tzinfo is not None
    assert pipeline.points[(w.community, "dc:1001")] == 1


def _option_names(command: dict) -> list[str]:
    return [o["name"] for o in command.get("options", [])]


async def test_commands_are_synced_per_guild_grouped_and_localised(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    async with running(w, make_pipeline(w)):
        put = await w.fake.wait_request(
            "PUT", rf"/applications/\d+/guilds/{w.guild.guild_id}/commands"
        )
    by_name = {c["name"]: c for c in put.json}
    assert {"rank", "remindme", "slow", "admin"} <= set(by_name)
    assert "purge" not in by_name  # admin-only: grouped under /admin
    admin = by_name["admin"]
    assert _option_names(admin) == ["purge"]
    assert admin["description_localizations"]["zh-CN"] == "管理员命令"
    args = by_name["rank"]["options"][0]
    assert args["name"] == "args" and args["type"] == 3 and args["required"] is False
    assert args["description_localizations"]["zh-CN"] == "命令参数（可选）"
    assert not w.fake.requests_to("PUT", r"/applications/\d+/commands")  # no global sync


async def test_slash_rank_is_answered_through_the_interaction_callback(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        await w.fake.wait_request("PUT", rf"/applications/\d+/guilds/{w.guild.guild_id}/commands")
        await w.fake.dispatch("MESSAGE_CREATE",
                              w.fake.message_create(w.guild, w.general, w.alice, "hi"))
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
        interaction = w.fake.command_interaction(w.guild, w.general, w.alice, "rank", "me")
        await w.fake.dispatch("INTERACTION_CREATE", interaction)
        callback = await w.fake.wait_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback"
        )
        event = await pipeline.wait_event(lambda e: isinstance(e, CommandInvoked))
    assert callback.json["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE, not deferred
    data = callback.json["data"]
    assert data["content"] == "alice: 1 points @everyone"
    assert data["allowed_mentions"] == {"parse": []}  # the @everyone cannot ping
    assert not int(data.get("flags") or 0) & EPHEMERAL
    assert callback.authorized is False  # interaction callbacks carry no bot token
    assert event.name == "rank" and event.args == "me"
    assert event.interaction_id == f"dc:{interaction['id']}"
    assert event.roles == frozenset({"member"})
    assert event.locale == "en-US"


async def test_spam_is_deleted_and_review_button_press_decides_it(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        spam = w.fake.message_create(w.guild, w.general, w.alice, "cheap SPAM here")
        await w.fake.dispatch("MESSAGE_CREATE", spam)
        await w.fake.wait_request("DELETE", rf"/channels/{w.general}/messages/{spam['id']}")
        post = await w.fake.wait_request("POST", rf"/channels/{w.mod_queue}/messages")
        buttons = post.json["components"][0]["components"]
        custom_ids = [b["custom_id"] for b in buttons]
        assert custom_ids == [f"review:confirm:dc:{spam['id']}", f"review:restore:dc:{spam['id']}"]
        queued = next(m for m in w.fake.messages.values()
                      if m["channel_id"] == str(w.mod_queue))

        # A plain member's press is refused by the handler (roles resolved from config) ...
        press = w.fake.button_interaction(w.guild, w.alice, queued, custom_ids[0])
        await w.fake.dispatch("INTERACTION_CREATE", press)
        refused = await w.fake.wait_request("POST", rf"/interactions/{press['id']}/[^/]+/callback")
        # ... a moderator's press decides the item.
        press = w.fake.button_interaction(w.guild, w.mo, queued, custom_ids[0])
        await w.fake.dispatch("INTERACTION_CREATE", press)
        decided = await w.fake.wait_request("POST", rf"/interactions/{press['id']}/[^/]+/callback")
        event = await pipeline.wait_event(lambda e: isinstance(e, ButtonPressed), count=2)
    assert refused.json["data"]["content"] == "moderators only"
    assert decided.json["data"]["content"] == "Decision recorded: confirm"
    assert int(decided.json["data"]["flags"]) & EPHEMERAL
    assert event.custom_id == custom_ids[0]
    assert event.member_id == "dc:1002" and "moderator" in event.roles
    assert event.channel_id == f"dc:{w.mod_queue}"
    assert pipeline.decisions == [(w.community, "dc:1002", custom_ids[0])]
    assert pipeline.points[(w.community, "dc:1001")] == 0  # the spam earned nothing


async def test_admin_only_command_is_refused_to_a_member(discord_world: DiscordWorld) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        as_member = w.fake.command_interaction(w.guild, w.general, w.alice, "purge", "10",
                                               group="admin")
        await w.fake.dispatch("INTERACTION_CREATE", as_member)
        refused = await w.fake.wait_request(
            "POST", rf"/interactions/{as_member['id']}/[^/]+/callback")
        as_admin = w.fake.command_interaction(w.guild, w.general, w.ada, "purge", "10",
                                              group="admin")
        await w.fake.dispatch("INTERACTION_CREATE", as_admin)
        allowed = await w.fake.wait_request(
            "POST", rf"/interactions/{as_admin['id']}/[^/]+/callback")
        as_mod = w.fake.command_interaction(w.guild, w.general, w.mo, "purge", "10",
                                            group="admin", locale="zh-CN")
        await w.fake.dispatch("INTERACTION_CREATE", as_mod)
        refused_zh = await w.fake.wait_request(
            "POST", rf"/interactions/{as_mod['id']}/[^/]+/callback")
    assert refused.json["data"]["content"] == "/purge is for admins only."
    assert int(refused.json["data"]["flags"]) & EPHEMERAL
    assert allowed.json["data"]["content"] == "purged 10"
    assert refused_zh.json["data"]["content"] == "/purge 仅限管理员使用。"


async def test_guild_owner_is_admin_without_any_role(discord_world: DiscordWorld) -> None:
    w = discord_world
    owner = w.guild.add_member(w.guild.owner_id, "owner")
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        interaction = w.fake.command_interaction(w.guild, w.general, owner, "purge", None,
                                                 group="admin")
        await w.fake.dispatch("INTERACTION_CREATE", interaction)
        answer = await w.fake.wait_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback")
    assert answer.json["data"]["content"] == "purged all"


async def test_slow_command_is_deferred_then_answered_by_follow_up(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    pipeline = make_pipeline(w, slow_seconds=0.4)
    async with running(w, pipeline, defer_after_seconds=0.05):
        interaction = w.fake.command_interaction(w.guild, w.general, w.alice, "slow")
        await w.fake.dispatch("INTERACTION_CREATE", interaction)
        callback = await w.fake.wait_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback")
        edit = await w.fake.wait_request(
            "PATCH", rf"/webhooks/\d+/{interaction['token']}/messages/@original")
    assert callback.json["type"] == 5  # DEFERRED_CHANNEL_MESSAGE ("thinking")
    assert edit.json["content"] == "slow report ready"


async def test_429_on_send_is_retried_by_discord_py(discord_world: DiscordWorld) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    w.fake.fail_next("POST", rf"/channels/{w.mod_queue}/messages", status=429)
    async with running(w, pipeline):
        spam = w.fake.message_create(w.guild, w.general, w.alice, "spam spam")
        await w.fake.dispatch("MESSAGE_CREATE", spam)
        await w.fake.wait_request("POST", rf"/channels/{w.mod_queue}/messages", count=2)
        await w.fake.wait_for(lambda: any(m["channel_id"] == str(w.mod_queue)
                                          for m in w.fake.messages.values()))
    assert len(w.fake.requests_to("POST", rf"/channels/{w.mod_queue}/messages")) == 2
    assert w.fake.requests_to("DELETE", rf"/channels/{w.general}/messages/{spam['id']}")


async def test_dropped_gateway_resumes_without_losing_events(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        first = w.fake.message_create(w.guild, w.general, w.alice, "before the drop")
        await w.fake.dispatch("MESSAGE_CREATE", first)
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
        await w.fake.drop_connection()
        # Sent while the socket is down: Discord keeps it in the session and replays it.
        missed = w.fake.message_create(w.guild, w.general, w.mo, "while you were away")
        await w.fake.dispatch("MESSAGE_CREATE", missed)
        resume = await w.fake.wait_for(
            lambda: next((f for f in w.fake.gateway_frames if f["op"] == 6), None))
        after = await pipeline.wait_event(lambda e: isinstance(e, MessagePosted), count=2)
        later = w.fake.message_create(w.guild, w.general, w.ada, "after the resume")
        await w.fake.dispatch("MESSAGE_CREATE", later)
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted), count=3)
    session = next(iter(w.fake.sessions.values()))
    assert resume["d"]["session_id"] == session.session_id
    assert resume["d"]["seq"] < session.log[-1]["s"]
    assert after.text == "while you were away"
    texts = [e.text for e in pipeline.events if isinstance(e, MessagePosted)]
    assert texts == ["before the drop", "while you were away", "after the resume"]
    assert sum(1 for f in w.fake.gateway_frames if f["op"] == 2) == 1  # never re-IDENTIFYed
    assert w.fake.connections == 2


async def test_other_gateway_events_become_domain_events(discord_world: DiscordWorld) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    clock = StepClock()
    async with running(w, pipeline) as adapter:
        adapter.clock = clock
        gid = str(w.guild.guild_id)
        msg = w.fake.message_create(w.guild, w.general, w.alice, "original")
        await w.fake.dispatch("MESSAGE_CREATE", msg)
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
        await w.fake.dispatch("MESSAGE_UPDATE", {**msg, "content": "edited",
                                                 "edited_timestamp": iso()})
        await w.fake.dispatch("MESSAGE_REACTION_ADD", {
            "user_id": str(w.mo.user_id), "channel_id": str(w.general), "message_id": msg["id"],
            "guild_id": gid, "emoji": {"id": None, "name": "👍"}, "type": 0,
            "member": w.mo.payload(), "message_author_id": str(w.alice.user_id), "burst": False,
        })
        await w.fake.dispatch("MESSAGE_REACTION_REMOVE", {
            "user_id": str(w.mo.user_id), "channel_id": str(w.general), "message_id": msg["id"],
            "guild_id": gid, "emoji": {"id": None, "name": "👍"}, "type": 0, "burst": False,
        })
        await w.fake.dispatch("MESSAGE_DELETE", {"id": msg["id"], "channel_id": str(w.general),
                                                 "guild_id": gid})
        newcomer = {"user": user_payload(2001, "newbie"), "roles": [], "joined_at": iso(),
                    "deaf": False, "mute": False, "flags": 0, "guild_id": gid}
        await w.fake.dispatch("GUILD_MEMBER_ADD", newcomer)
        await w.fake.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": gid,
                                                      "user": user_payload(2001, "newbie")})
        voice = {"guild_id": gid, "channel_id": str(w.voice), "user_id": str(w.alice.user_id),
                 "member": w.alice.payload(), "session_id": "v1", "deaf": False, "mute": False,
                 "self_deaf": False, "self_mute": False, "self_video": False,
                 "suppress": False, "request_to_speak_timestamp": None}
        # Each update waits for the previous handler (it reads the clock once), as minutes
        # apart in real life.
        for update in (voice, {**voice, "self_mute": True}, {**voice, "channel_id": None}):
            calls = clock.calls
            await w.fake.dispatch("VOICE_STATE_UPDATE", update)
            await eventually(lambda calls=calls: clock.calls > calls)
        ended = await pipeline.wait_event(lambda e: isinstance(e, VoiceSessionEnded))
        edited = await pipeline.wait_event(lambda e: isinstance(e, MessageEdited))
        added = await pipeline.wait_event(lambda e: isinstance(e, ReactionAdded))
        removed = await pipeline.wait_event(lambda e: isinstance(e, ReactionRemoved))
        deleted = await pipeline.wait_event(lambda e: isinstance(e, MessageDeleted))
        joined = await pipeline.wait_event(lambda e: isinstance(e, MemberJoined))
        left = await pipeline.wait_event(lambda e: isinstance(e, MemberLeft))
    assert edited.text == "edited" and edited.member_id == "dc:1001"
    assert (added.emoji, added.member_id, added.target_member_id) == ("👍", "dc:1002", "dc:1001")
    assert removed.message_id == f"dc:{msg['id']}"
    assert deleted.member_id == "dc:1001"  # author known from the message cache
    assert joined.member_id == "dc:2001" and joined.member_name == "newbie"
    assert left.member_id == "dc:2001"
    assert ended.member_id == "dc:1001" and ended.channel_id == f"dc:{w.voice}"
    assert ended.minutes == pytest.approx(10.0)  # joined at +5k min, muted +5, left +5 more
    assert sum(isinstance(e, VoiceSessionEnded) for e in pipeline.events) == 1


async def test_role_hierarchy_and_missing_permissions_are_checked_and_logged_once(
    discord_world: DiscordWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    w = discord_world
    w.guild.add_member(w.guild.owner_id, "owner")
    pipeline = make_pipeline(w)
    caplog.set_level(logging.WARNING, logger="hearth")
    async with running(w, pipeline) as adapter:
        c = w.community
        await adapter.executor.execute([
            AddRole(c, "dc:1001", f"dc:{w.high_role}"),  # above the bot: refused locally
            AddRole(c, "dc:1001", "Regular"),  # by name, below the bot: done
            Timeout(c, "dc:1001", 90 * 24 * 3600, "flooding"),  # capped at 28 days
            Timeout(c, f"dc:{w.guild.owner_id}", 60),  # the owner: refused
        ])
        w.fake.fail_next("DELETE", rf"/channels/{w.general}/messages/\d+", status=403, times=2,
                         body={"message": "Missing Permissions", "code": 50013})
        await adapter.executor.execute([
            DeleteMessage(c, f"dc:{w.general}", f"dc:{snowflake()}"),
            DeleteMessage(c, f"dc:{w.general}", f"dc:{snowflake()}"),
        ])
    assert not w.fake.requests_to("PUT", rf"/guilds/\d+/members/1001/roles/{w.high_role}")
    assert w.fake.requests_to("PUT", rf"/guilds/\d+/members/1001/roles/{w.low_role}")
    patch = w.fake.requests_to("PATCH", r"/guilds/\d+/members/1001")[0]
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert timedelta(days=27.9) < until - datetime.now(UTC) <= timedelta(days=28)
    assert not w.fake.requests_to("PATCH", rf"/guilds/\d+/members/{w.guild.owner_id}")
    warnings = [r.getMessage() for r in caplog.records]
    assert sum("'manage_messages'" in m for m in warnings) == 1  # once per community
    assert any("Council" in m and "AddRole" not in m for m in warnings)
    assert any("owns the server" in m for m in warnings)
    assert adapter.missing_permissions == {c: frozenset({"manage_messages"})}


async def test_dm_refused_falls_back_to_a_mention_in_the_channel(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    w.fake.dm_refused.add(w.alice.user_id)
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        interaction = w.fake.command_interaction(w.guild, w.general, w.alice, "remindme", "tea")
        await w.fake.dispatch("INTERACTION_CREATE", interaction)
        answer = await w.fake.wait_request(
            "POST", rf"/interactions/{interaction['id']}/[^/]+/callback")
        dm_try = await w.fake.wait_request("POST", r"/users/@me/channels")
        fallback = await w.fake.wait_request("POST", rf"/channels/{w.general}/messages")
    assert int(answer.json["data"]["flags"]) & EPHEMERAL
    assert dm_try.json == {"recipient_id": w.alice.user_id}
    assert fallback.json["content"].startswith(f"<@{w.alice.user_id}>, I couldn't message you")
    assert "tea" not in fallback.json["content"]  # the private text never goes public
    assert fallback.json["allowed_mentions"] == {"parse": [], "users": [w.alice.user_id]}


async def test_a_process_runs_only_its_configured_shard(discord_world: DiscordWorld) -> None:
    # Two processes split a bot with shard_count = 2; this one runs the guild's shard.
    # (Several shards in one process identify 5 s apart — Discord's identify rate limit.)
    w = discord_world
    mine = (w.guild.guild_id >> 22) % 2
    pipeline = make_pipeline(w)
    async with running(w, pipeline, shard_count=2, shard_ids=[mine]) as adapter:
        msg = w.fake.message_create(w.guild, w.general, w.alice, "through my shard")
        await w.fake.dispatch("MESSAGE_CREATE", msg)
        event = await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
        assert [g.id for g in adapter.client.guilds] == [w.guild.guild_id]
    identifies = [f["d"]["shard"] for f in w.fake.gateway_frames if f["op"] == 2]
    assert identifies == [[mine, 2]]
    assert event.text == "through my shard"


async def test_rejected_token_is_a_clear_start_error(discord_world: DiscordWorld) -> None:
    w = discord_world
    other = DISCORD_TOKEN.replace("abcdef", "zzzzzz")
    adapter = DiscordAdapter(token=other, settings=w.settings(), dispatch=make_pipeline(w),
                             resolver=w.resolver())
    with pytest.raises(PlatformStartError, match="HEARTH_DISCORD_TOKEN"):
        await adapter.start()


async def test_refused_privileged_intents_stop_the_adapter_with_a_clear_error(
    discord_world: DiscordWorld,
) -> None:
    w = discord_world
    w.fake.close_on_identify = 4014
    adapter = DiscordAdapter(token=DISCORD_TOKEN, settings=w.settings(),
                             dispatch=make_pipeline(w), resolver=w.resolver())
    await adapter.start()
    try:
        with pytest.raises(PlatformStartError, match="Message Content Intent"):
            await asyncio.wait_for(adapter.wait_stopped(), 3)
        identify = next(f for f in w.fake.gateway_frames if f["op"] == 2)
        intents = identify["d"]["intents"]
        assert intents & (1 << 15) and intents & (1 << 1)  # message content, members
        assert not intents & (1 << 8)  # no presences: not needed, never asked for
    finally:
        await adapter.stop()


async def test_sync_commands_for_the_cli(discord_world: DiscordWorld) -> None:
    from bot.discord.commands import sync_commands

    w = discord_world
    pipeline = make_pipeline(w)
    result = await sync_commands(DISCORD_TOKEN, w.settings(), pipeline.registry.commands.values())
    assert result == {w.guild.guild_id: 4}  # rank, remindme, slow, /admin group
    assert not w.fake.gateway_frames  # REST only


async def test_review_buttons_keep_working_after_a_restart(discord_world: DiscordWorld) -> None:
    w = discord_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        spam = w.fake.message_create(w.guild, w.general, w.alice, "spam!")
        await w.fake.dispatch("MESSAGE_CREATE", spam)
        await w.fake.wait_request("POST", rf"/channels/{w.mod_queue}/messages")
    queued = next(m for m in w.fake.messages.values() if m["channel_id"] == str(w.mod_queue))
    restored = queued["components"][0]["components"][1]["custom_id"]
    fresh = make_pipeline(w)  # a new process: nothing in memory about that message
    async with running(w, fresh):
        press = w.fake.button_interaction(w.guild, w.mo, queued, restored)
        await w.fake.dispatch("INTERACTION_CREATE", press)
        answer = await w.fake.wait_request(
            "POST", rf"/interactions/{press['id']}/[^/]+/callback")
    assert answer.json["data"]["content"] == "Decision recorded: restore"
    assert fresh.decisions == [(w.community, "dc:1002", restored)]
