"""The handler registry: permissions, order, and one owner per command.

Why: the registry is the one permission check for both platforms; a member running a
moderator command, or a command silently replaced by another feature, is a real incident.
Also exercises ``tests.fakes.FakeUnitOfWork`` so that fake stays faithful.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from domain.actions import Action, Reply
from domain.events import CommandInvoked, MemberJoined, MessagePosted
from handlers import activity, core
from handlers.ports import Context
from handlers.registry import ROLE_RANK, Registry, has_role, registry
from tests.fakes import FakeUnitOfWork, make_context

T = datetime(2026, 3, 1, 12, tzinfo=UTC)
C = "console:demo"


def command(name: str, *roles: str, locale: str | None = None) -> CommandInvoked:
    return CommandInvoked(C, "console:alice", T, name=name, channel_id="general",
                          roles=frozenset(roles or {"member"}), locale=locale)


def ok(text: str):
    async def handler(event: Any, ctx: Context) -> Sequence[Action]:
        return [Reply(ctx.community_id, "general", text)]

    return handler


@pytest.mark.parametrize(("roles", "needed", "allowed"), [
    ({"member"}, "member", True),
    ({"member"}, "moderator", False),
    ({"member"}, "admin", False),
    ({"member"}, "expert", False),
    ({"moderator"}, "moderator", True),
    ({"moderator"}, "admin", False),
    ({"moderator"}, "expert", False),       # a moderator is not an expert
    ({"expert"}, "expert", True),
    ({"expert"}, "moderator", False),       # nor an expert a moderator
    ({"admin"}, "moderator", True),
    ({"admin"}, "expert", True),            # an admin is everything
    ({"admin"}, "admin", True),
    ({"moderator", "expert"}, "expert", True),
    (set(), "member", True),
    ({"owner"}, "moderator", False),        # unknown role names grant nothing
])
def test_has_role(roles: set[str], needed: str, allowed: bool) -> None:
    assert has_role(frozenset(roles), needed) is allowed


@pytest.fixture
def reg() -> Registry:
    private = Registry()
    private.command("ban", role="moderator")(ok("banned"))
    private.command("config", role="admin")(ok("configured"))
    private.command("escalate", role="expert")(ok("taken"))
    private.command("rank")(ok("rank 1"))
    return private


async def run(reg: Registry, event: Any, lang: str = "en",
              settings: Any = None) -> list[Action]:
    return await reg.dispatch(event, make_context(FakeUnitOfWork(C, T), lang=lang,
                                                  settings=settings))


async def test_member_is_refused_a_moderator_command(reg: Registry) -> None:
    actions = await run(reg, command("ban", "member"))
    assert actions == [Reply(C, "general", "/ban is for moderators only.", ephemeral=True)]
    actions = await run(reg, command("ban", "member"), lang="zh")
    assert actions[0].text == "/ban 仅限版主使用。"


async def test_admin_may_do_everything(reg: Registry) -> None:
    for name, text in (("ban", "banned"), ("config", "configured"), ("escalate", "taken"),
                       ("rank", "rank 1")):
        assert await run(reg, command(name, "admin")) == [Reply(C, "general", text)]


async def test_moderator_is_not_an_expert(reg: Registry) -> None:
    assert await run(reg, command("ban", "moderator")) == [Reply(C, "general", "banned")]
    refused = await run(reg, command("escalate", "moderator"))
    assert refused[0].ephemeral and "experts only" in refused[0].text
    refused = await run(reg, command("config", "moderator"))
    assert refused[0].ephemeral and "admins only" in refused[0].text


async def test_unknown_command_is_answered(reg: Registry) -> None:
    actions = await run(reg, command("nope"))
    assert actions == [Reply(C, "general", "I don't know the command /nope. Try /help.",
                             ephemeral=True)]


async def test_disabled_feature_commands_are_refused() -> None:
    private = Registry()
    private.command("rank", feature="growth")(ok("rank 1"))
    off = SimpleNamespace(growth=SimpleNamespace(enabled=False))
    on = SimpleNamespace(growth=SimpleNamespace(enabled=True))
    refused = await run(private, command("rank"), settings=off)
    assert refused[0].ephemeral and "growth" in refused[0].text
    assert await run(private, command("rank"), settings=on) == [Reply(C, "general", "rank 1")]


def test_duplicate_command_registration_is_refused(reg: Registry) -> None:
    with pytest.raises(ValueError, match="/ban registered twice"):
        reg.command("ban")(ok("another ban"))
    handler = reg.commands["rank"].fn
    reg.command("rank")(handler)  # re-importing the same module is harmless
    assert reg.commands["rank"].fn is handler


def test_unknown_role_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        Registry().command("x", role="owner")
    assert set(ROLE_RANK) == {"member", "expert", "moderator", "admin"}


async def test_handlers_run_in_order_and_can_stop_the_chain() -> None:
    private = Registry()
    calls: list[str] = []

    def named(name: str, stop: bool = False):
        async def handler(event: Any, ctx: Context) -> Sequence[Action]:
            calls.append(name)
            if stop and event.text == "stop":
                ctx.flags["stop"] = True
            return [Reply(ctx.community_id, "general", name)]

        return handler

    private.on(MessagePosted, order=90)(named("growth"))
    private.on(MessagePosted, order=10)(named("safety", stop=True))
    private.on(MessagePosted, order=40)(named("activity"))
    same = named("twice")
    private.on(MessagePosted, order=50)(same)
    private.on(MessagePosted, order=50)(same)  # registering the same function again: no-op
    message = MessagePosted(C, "console:alice", T, channel_id="general", message_id="1",
                            text="hello")
    actions = await run(private, message)
    assert calls == ["safety", "activity", "twice", "growth"]
    assert [a.text for a in actions] == calls
    calls.clear()
    stopped = MessagePosted(C, "console:alice", T, channel_id="general", message_id="2",
                            text="stop")
    assert [a.text for a in await run(private, stopped)] == ["safety"]
    assert private.handlers_for(MemberJoined(C, "console:a", T)) == []


async def test_command_handler_then_event_handlers() -> None:
    private = Registry()
    private.command("rank")(ok("command"))
    private.on(CommandInvoked)(ok("observer"))
    assert [a.text for a in await run(private, command("rank"))] == ["command", "observer"]


# -- the real handlers on the fake unit of work --------------------------------------------
async def test_help_lists_only_what_the_caller_may_use() -> None:
    uow = FakeUnitOfWork(C, T)
    actions = await core.help_command(command("help"), make_context(uow))
    assert len(actions) == 1 and actions[0].ephemeral
    listed = {w.strip(",") for w in actions[0].text.split() if w.startswith("/")}
    allowed = {f"/{n}" for n, spec in registry.commands.items() if has_role(
        frozenset({"member"}), spec.role)}
    assert listed == allowed and "/help" in listed


async def test_message_tracking_on_the_fake() -> None:
    uow = FakeUnitOfWork(C, T)
    event = MessagePosted(C, "console:bob", T, channel_id="general", message_id="9",
                          text="thanks!", member_name="bob", reply_to_message_id="8",
                          reply_to_member_id="console:alice")
    assert await activity.track_message(event, make_context(uow)) == []
    assert uow.activity is not None and uow.activity["event_key"] == "test:1"
    assert uow.activity["text"] == "thanks!" and uow.activity["length"] == 7
    assert uow.stats_of("console:bob")["messages"] == 1
    assert uow.stats_of("console:bob")["replies_sent"] == 1
    assert uow.stats_of("console:alice") == {"replies_received": 1}
    assert uow.seen[0]["display_name"] == "bob"
    assert (await uow.stats("console:bob"))["messages"] == 1
    assert (await uow.member("console:bob"))["display_name"] == "bob"


async def test_blocked_messages_are_recorded_but_not_counted() -> None:
    uow = FakeUnitOfWork(C, T)
    ctx = make_context(uow)
    ctx.flags["blocked"] = True
    event = MessagePosted(C, "console:bob", T, channel_id="general", message_id="9",
                          text="spam")
    await activity.track_message(event, ctx)
    assert uow.activity is not None and uow.activity["deleted"] is True
    assert "messages" not in uow.stats_of("console:bob")


async def test_fake_ledger_state_and_rollback() -> None:
    uow = FakeUnitOfWork(C, T, stats={"console:alice": {"lifetime": 10, "balance": 4}},
                         members={"console:alice": {"display_name": "Alice"}})
    uow.add_ledger("console:alice", 5, reason="gift", category="social")
    assert uow.points("console:alice") == 5
    assert await uow.ledger_sum("console:alice") == (5, 5)
    assert (await uow.stats("console:alice"))["lifetime"] == 15
    assert await uow.top(5) == [("console:alice", "Alice", 15)]
    assert await uow.find_member("@alice") == await uow.member("console:alice")
    state = await uow.state("console:alice")
    assert state["lifetime"] == 10 and state is await uow.state("console:alice")
    uow.audit("console:mod", "warn", target_id="console:alice", reason="test",
              evidence={"text": "x"})
    assert uow.recorded()["audit"][0]["evidence_hash"] is not None
    await uow.rollback()
    assert uow.recorded()["ledger"] == [] and uow.rolled_back == 1
