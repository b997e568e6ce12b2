"""The real python-telegram-bot Application, driven through the Telegram adapter against a
fake Bot API server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.platform.runtime import PlatformStartError
from bot.telegram.adapter import TelegramAdapter
from domain.actions import AddRole, Ban, DeleteMessage, SetSlowMode, Timeout
from domain.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

from .conftest import TELEGRAM_TOKEN, TelegramWorld, eventually, pipeline_for
from .fakes.telegram_fake import TgUser, now_ts
from .pipeline import ScriptedPipeline

# PTB 22 warns inside RetryAfter itself about its int -> timedelta migration; the executor
# handles both types (see bot.telegram.executor.retry_after_seconds).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@asynccontextmanager
async def running(
    world: TelegramWorld, pipeline: ScriptedPipeline, **settings: object
) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(
        token=TELEGRAM_TOKEN, settings=world.settings(**settings), dispatch=pipeline,
        resolver=world.resolver(), commands=pipeline.registry.commands.values(),
    )
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def make_pipeline(world: TelegramWorld, **kwargs: object) -> ScriptedPipeline:
    return pipeline_for((world.community, f"tg:{world.mod_chat.chat_id}"), **kwargs)  # type: ignore[arg-type]


def replies_in(world: TelegramWorld, chat_id: int) -> list[dict]:
    return [m for m in world.fake.sent if m["chat"]["id"] == chat_id]


async def test_group_message_reaches_dispatch_and_rank_replies(
    telegram_world: TelegramWorld,
) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        hello = await w.fake.send_message_update(w.group, w.alice, "hello group")
        event = await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))
        rank = await w.fake.send_message_update(w.group, w.alice, "/rank")
        sent = await w.fake.wait_call("sendMessage")
        addressed = await w.fake.send_message_update(w.group, w.alice,
                                                     "/rank@HearthTestBot weekly")
        await w.fake.wait_call("sendMessage", count=2)
        await w.fake.send_message_update(w.group, w.alice, "/rank@SomeOtherBot")
        await w.fake.send_message_update(w.group, w.alice, "last words")
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted), count=2)
    assert event.community_id == f"tg:{w.group.chat_id}" == event.channel_id
    assert event.member_id == "tg:501" and event.member_name == "Alice"
    assert event.message_id == f"tg:{hello['message_id']}"
    assert event.at == datetime.fromtimestamp(hello["date"], UTC)
    assert sent.params["chat_id"] == w.group.chat_id
    assert sent.params["text"] == "Alice: 1 points @everyone"
    assert sent.params["reply_parameters"]["message_id"] == rank["message_id"]
    assert "parse_mode" not in sent.params  # member text is never parsed as markup
    commands = [e for e in pipeline.events if isinstance(e, CommandInvoked)]
    assert [(c.name, c.args) for c in commands] == [("rank", ""), ("rank", "weekly")]
    assert commands[0].roles == frozenset({"member"})
    assert w.fake.sent[1]["reply_parameters"]["message_id"] == addressed["message_id"]
    assert len(w.fake.calls_to("sendMessage")) == 2  # /rank@SomeOtherBot was not for us


async def test_admin_only_command_is_refused_to_a_member(telegram_world: TelegramWorld) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        for user in (w.alice, w.carl, w.cleo, w.zed, w.alice):
            await w.fake.send_message_update(w.group, user, "/purge 20")
        await w.fake.wait_call("sendMessage", count=5)
    texts = [m["text"] for m in replies_in(w, w.group.chat_id)]
    assert texts == [
        "/purge is for admins only.",  # member
        "/purge is for admins only.",  # chat administrator = moderator
        "purged 20",  # chat creator = admin
        "purged 20",  # admin by configured user id
        "/purge is for admins only.",
    ]
    roles = [e.roles for e in pipeline.events if isinstance(e, CommandInvoked)]
    assert roles[1] == frozenset({"member", "moderator"})
    assert roles[2] == roles[3] == frozenset({"member", "admin"})
    # getChatMember is cached: Alice's second command did not ask again.
    asked = [c.params["user_id"] for c in w.fake.calls_to("getChatMember")]
    assert sorted(asked) == [501, 502, 503, 504]


async def test_refusal_is_in_the_members_language(telegram_world: TelegramWorld) -> None:
    w = telegram_world
    w.permissions.telegram_admin_user_ids.clear()
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        await w.fake.send_message_update(w.group, w.zed, "/purge")
        sent = await w.fake.wait_call("sendMessage")
    assert sent.params["text"] == "/purge 仅限管理员使用。"


async def test_spam_is_deleted_and_the_review_button_decides_it(
    telegram_world: TelegramWorld,
) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        spam = await w.fake.send_message_update(w.group, w.alice, "free SPAM, click now")
        delete = await w.fake.wait_call("deleteMessage")
        queued = await w.fake.wait_call("sendMessage")
        keyboard = queued.params["reply_markup"]["inline_keyboard"]
        data = [b["callback_data"] for row in keyboard for b in row]
        posted = replies_in(w, w.mod_chat.chat_id)[0]
        w.mod_chat.statuses[w.carl.user_id] = "administrator"
        refused = await w.fake.press_button(w.alice, posted, data[0])
        await w.fake.wait_call("answerCallbackQuery")
        decided = await w.fake.press_button(w.carl, posted, data[0])
        await w.fake.wait_call("answerCallbackQuery", count=2)
        event = await pipeline.wait_event(lambda e: isinstance(e, ButtonPressed), count=2)
    assert delete.params == {"chat_id": w.group.chat_id, "message_id": spam["message_id"]}
    assert queued.params["chat_id"] == w.mod_chat.chat_id
    assert data == [f"review:confirm:tg:{spam['message_id']}",
                    f"review:restore:tg:{spam['message_id']}"]
    answers = {c.params["callback_query_id"]: c.params.get("text")
               for c in w.fake.calls_to("answerCallbackQuery")}
    assert answers == {refused: "moderators only", decided: "Decision recorded: confirm"}
    assert event.member_id == "tg:502" and "moderator" in event.roles
    assert event.community_id == f"tg:{w.mod_chat.chat_id}"
    assert pipeline.decisions == [(f"tg:{w.mod_chat.chat_id}", "tg:502", data[0])]
    assert pipeline.points[(w.community, "tg:501")] == 0


async def test_429_on_send_is_retried_after_the_requested_wait(
    telegram_world: TelegramWorld,
) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    w.fake.fail_next("sendMessage", status=429, retry_after=0.1)
    async with running(w, pipeline) as adapter:
        await w.fake.send_message_update(w.group, w.alice, "/rank")
        await w.fake.wait_call("sendMessage", count=2)
        await w.fake.wait_for(lambda: w.fake.sent)
    assert adapter.executor.retries == 1
    assert [m["text"] for m in w.fake.sent] == ["Alice: 0 points @everyone"]


async def test_429_beyond_the_retry_budget_drops_the_action_and_logs_it(
    telegram_world: TelegramWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    w = telegram_world
    caplog.set_level(logging.WARNING, logger="hearth")
    pipeline = make_pipeline(w)
    w.fake.fail_next("sendMessage", status=429, retry_after=0.05, times=10)
    async with running(w, pipeline, send_retries=2) as adapter:
        await w.fake.send_message_update(w.group, w.alice, "/rank")
        await w.fake.wait_call("sendMessage", count=3)
        await eventually(lambda: adapter.failures.failed_count == 1)
        await w.fake.send_message_update(w.group, w.alice, "still here")
        await pipeline.wait_event(lambda e: isinstance(e, MessagePosted))  # intake goes on
    assert len(w.fake.calls_to("sendMessage")) == 3
    assert any("Reply in community tg:-1001234567890 failed: rate limited" in r.getMessage()
               for r in caplog.records)


async def test_dm_to_a_member_who_never_started_the_bot_falls_back(
    telegram_world: TelegramWorld,
) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    w.fake.started_bot.add(w.carl.user_id)
    async with running(w, pipeline):
        await w.fake.send_message_update(w.group, w.alice, "/remindme water the plants")
        await w.fake.send_message_update(w.group, w.carl, "/remindme call mum")
        await w.fake.wait_for(lambda: len(w.fake.sent) >= 4)
    private = [m for m in w.fake.sent if m["chat"]["id"] == w.carl.user_id]
    assert [m["text"] for m in private] == ["Reminder: call mum"]
    fallback = next(m for m in replies_in(w, w.group.chat_id) if "couldn't" in m["text"])
    assert fallback["text"] == (
        "user501, I couldn't message you privately — please start a chat with me first: "
        "https://t.me/HearthTestBot"
    )
    assert "water" not in fallback["text"]
    assert fallback["entities"] == [{"type": "text_mention", "offset": 0, "length": 7,
                                     "user": {"id": 501, "is_bot": False,
                                              "first_name": "user501"}}]


async def test_moderation_actions_use_the_bot_api(telegram_world: TelegramWorld,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    w = telegram_world
    caplog.set_level(logging.WARNING, logger="hearth")
    pipeline = make_pipeline(w)
    async with running(w, pipeline) as adapter:
        c = w.community
        w.fake.fail_next("deleteMessage", status=400, times=2,
                         description="Bad Request: message can't be deleted")
        before = now_ts()
        await adapter.executor.execute([
            Timeout(c, "tg:501", 10),  # below Telegram's 30 s floor: raised, never permanent
            Timeout(c, "tg:502", 60 * 24 * 3600),  # capped at 28 days
            Ban(c, "tg:503", "spam"),
            DeleteMessage(c, c, "tg:77"),
            DeleteMessage(c, c, "tg:78"),
            AddRole(c, "tg:501", "Regular"),
            SetSlowMode(c, c, 30),
        ])
    restricts = w.fake.calls_to("restrictChatMember")
    assert restricts[0].params["permissions"]["can_send_messages"] is False
    assert 40 <= restricts[0].params["until_date"] - before <= 42
    assert restricts[1].params["until_date"] - before <= 28 * 24 * 3600 + 2
    assert w.fake.calls_to("banChatMember")[0].params["user_id"] == 503
    messages = [r.getMessage() for r in caplog.records]
    assert sum("'can_delete_messages'" in m for m in messages) == 1
    assert any("AddRole is not available" in m for m in messages)
    assert adapter.missing_permissions == {c: frozenset({"can_delete_messages"})}


async def test_other_updates_become_domain_events(telegram_world: TelegramWorld) -> None:
    w = telegram_world
    pipeline = make_pipeline(w)
    async with running(w, pipeline):
        newcomer = TgUser(777, "Nia")
        original = await w.fake.send_message_update(w.group, w.alice, "first version")
        await w.fake.push_update("edited_message", {**original, "text": "second version",
                                                    "edit_date": now_ts()})
        await w.fake.push_update("message_reaction", {
            "chat": w.group.payload(), "message_id": original["message_id"], "date": now_ts(),
            "user": w.carl.payload(), "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "🔥"}],
        })
        await w.fake.push_update("message_reaction", {
            "chat": w.group.payload(), "message_id": original["message_id"], "date": now_ts(),
            "user": w.carl.payload(), "old_reaction": [{"type": "emoji", "emoji": "🔥"}],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        })
        await w.fake.push_update("message", {
            "message_id": 5001, "date": now_ts(), "chat": w.group.payload(),
            "from": newcomer.payload(), "new_chat_members": [newcomer.payload()]})
        await w.fake.push_update("message", {
            "message_id": 5002, "date": now_ts(), "chat": w.group.payload(),
            "from": newcomer.payload(), "left_chat_member": newcomer.payload()})
        left = await pipeline.wait_event(lambda e: isinstance(e, MemberLeft))
    kinds = [type(e).__name__ for e in pipeline.events]
    assert kinds == ["MessagePosted", "MessageEdited", "ReactionAdded", "ReactionRemoved",
                     "ReactionAdded", "MemberJoined", "MemberLeft"]
    edited = next(e for e in pipeline.events if isinstance(e, MessageEdited))
    assert edited.text == "second version"
    added = [e for e in pipeline.events if isinstance(e, ReactionAdded)]
    removed = next(e for e in pipeline.events if isinstance(e, ReactionRemoved))
    assert [a.emoji for a in added] == ["🔥", "👍"] and removed.emoji == "🔥"
    joined = next(e for e in pipeline.events if isinstance(e, MemberJoined))
    assert joined.member_id == "tg:777" and joined.member_name == "Nia"
    assert left.member_id == "tg:777"


async def test_commands_are_published_per_language_and_scope(
    telegram_world: TelegramWorld,
) -> None:
    w = telegram_world
    async with running(w, make_pipeline(w)):
        pass
    menus = w.fake.commands
    assert set(menus) == {("default", None), ("all_chat_administrators", None),
                          ("default", "zh"), ("all_chat_administrators", "zh")}
    member_menu = [c["command"] for c in menus[("default", None)]]
    admin_menu = [c["command"] for c in menus[("all_chat_administrators", None)]]
    assert member_menu == ["rank", "remindme", "slow"]
    assert admin_menu == ["purge", "rank", "remindme", "slow"]


async def test_rejected_token_is_a_clear_start_error(telegram_world: TelegramWorld) -> None:
    w = telegram_world
    adapter = TelegramAdapter(
        token="987654321:AAHsomeOtherTokenThatTheServerRejects12",
        settings=w.settings(), dispatch=make_pipeline(w), resolver=w.resolver(),
    )
    with pytest.raises(PlatformStartError, match="HEARTH_TELEGRAM_TOKEN"):
        await adapter.start()
    await adapter.stop()
