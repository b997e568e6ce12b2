"""Both adapters in one process and one event loop, run the way ``hearth run`` runs them."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.discord.adapter import DiscordAdapter
from bot.platform.runtime import ActionRouter, RoleResolver, run_platforms
from bot.telegram.adapter import TelegramAdapter
from domain.actions import PostToChannel
from domain.events import CommandInvoked, MessagePosted

from .conftest import DISCORD_TOKEN, TELEGRAM_TOKEN, DiscordWorld, TelegramWorld, eventually
from .pipeline import ScriptedPipeline


async def test_both_adapters_share_one_loop_and_stop_on_sigterm(
    discord_world: DiscordWorld, telegram_world: TelegramWorld,
) -> None:
    d, tw = discord_world, telegram_world
    pipeline = ScriptedPipeline({d.community: f"dc:{d.mod_queue}",
                                 tw.community: f"tg:{tw.mod_chat.chat_id}"})
    resolver = RoleResolver({d.community: d.permissions, tw.community: tw.permissions})
    specs = list(pipeline.registry.commands.values())
    discord_adapter = DiscordAdapter(token=DISCORD_TOKEN, settings=d.settings(),
                                     dispatch=pipeline, resolver=resolver, commands=specs)
    telegram_adapter = TelegramAdapter(token=TELEGRAM_TOKEN, settings=tw.settings(),
                                       dispatch=pipeline, resolver=resolver, commands=specs)
    flushed: list[str] = []

    async def flush() -> None:
        flushed.append("batch writer flushed")

    runner = asyncio.create_task(run_platforms([discord_adapter, telegram_adapter],
                                               on_shutdown=[flush]))
    await eventually(lambda: discord_adapter.client.is_ready() and tw.fake.calls_to("getUpdates"))

    await d.fake.dispatch("MESSAGE_CREATE",
                          d.fake.message_create(d.guild, d.general, d.alice, "hi from discord"))
    await tw.fake.send_message_update(tw.group, tw.alice, "hi from telegram")
    await tw.fake.send_message_update(tw.group, tw.alice, "/rank")
    interaction = d.fake.command_interaction(d.guild, d.general, d.alice, "rank")
    await d.fake.dispatch("INTERACTION_CREATE", interaction)
    posted = await pipeline.wait_event(lambda e: isinstance(e, MessagePosted), count=2)
    await pipeline.wait_event(lambda e: isinstance(e, CommandInvoked), count=2)
    discord_answer = await d.fake.wait_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback")
    telegram_answer = await tw.fake.wait_call("sendMessage")

    # Actions not caused by an event (a reminder, a digest) go to the right platform.
    router = ActionRouter([discord_adapter.executor, telegram_adapter.executor])
    await router.execute([
        PostToChannel(d.community, f"dc:{d.general}", "digest for discord"),
        PostToChannel(tw.community, tw.community, "digest for telegram"),
    ])

    os.kill(os.getpid(), signal.SIGTERM)  # handled by run_platforms: graceful stop
    await asyncio.wait_for(runner, 5)

    platforms = {e.community_id.split(":")[0] for e in pipeline.events}
    assert platforms == {"dc", "tg"}
    assert posted.community_id.startswith(("dc:", "tg:"))
    assert discord_answer.json["data"]["content"] == "alice: 1 points @everyone"
    assert telegram_answer.params["text"] == "Alice: 1 points @everyone"
    assert d.fake.requests_to("POST", rf"/channels/{d.general}/messages")[0].json["content"] \
        == "digest for discord"
    assert tw.fake.sent[-1]["text"] == "digest for telegram"
    assert flushed == ["batch writer flushed"]
    assert discord_adapter.client.is_closed()
    assert not telegram_adapter.application.running
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler removed again
