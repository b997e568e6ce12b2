"""The event pipeline on SQLite and PostgreSQL, through ``build_app`` like every entry point.

Why: one bad event must never stop the stream, the same event must never count twice (replays,
two processes), and commands must see every event that came before them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models import Activity, LedgerEntry, Member, MemberStats
from domain.actions import Action, Reply
from domain.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
)
from handlers import activity
from handlers.ports import Context
from handlers.registry import Registry

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
C = "console:demo"
QUIET = {"pipeline": {"batch_size": 10_000, "flush_interval_ms": 60_000}}


def msg(n: int, member: str = "console:alice", *, text: str = "hello there",
        reply_to: tuple[str, str] | None = None, community: str = C,
        at: datetime | None = None) -> MessagePosted:
    return MessagePosted(community, member, at or T0 + timedelta(minutes=n),
                         channel_id="general", message_id=str(n), text=text,
                         member_name=member.split(":")[1],
                         reply_to_message_id=reply_to[0] if reply_to else None,
                         reply_to_member_id=reply_to[1] if reply_to else None)


def conversation() -> list[Event]:
    """A small community: joins, messages, replies, reactions, voice, a leave."""
    events: list[Event] = [
        MemberJoined(C, "console:alice", T0, member_name="alice"),
        MemberJoined(C, "console:bob", T0 + timedelta(seconds=5), member_name="bob"),
    ]
    for n in range(1, 13):
        who = "console:alice" if n % 2 else "console:bob"
        other = "console:bob" if n % 2 else "console:alice"
        events.append(msg(n, who, reply_to=(str(n - 1), other) if n > 1 else None))
        events.append(ReactionAdded(C, other, T0 + timedelta(minutes=n, seconds=30),
                                    channel_id="general", message_id=str(n), emoji="👍",
                                    target_member_id=who))
    events.append(VoiceSessionEnded(C, "console:bob", T0 + timedelta(hours=1),
                                    channel_id="voice", minutes=12.5, session_id="s1"))
    events.append(MemberLeft(C, "console:bob", T0 + timedelta(hours=2)))
    return events


def points_registry() -> Registry:
    """Activity tracking plus a test-only handler that writes ledger rows (1 point a message,
    2 for a reply). A private registry: the global one is not touched."""
    registry = Registry()
    for event_type, fn in ((MessagePosted, activity.track_message),
                           (ReactionAdded, activity.track_reaction),
                           (VoiceSessionEnded, activity.track_voice),
                           (MemberJoined, activity.track_join),
                           (MemberLeft, activity.track_leave)):
        registry.on(event_type, order=40)(fn)

    @registry.on(MessagePosted, order=60)
    async def award(event: MessagePosted, ctx: Context) -> Sequence[Action]:
        ctx.uow.add_ledger(event.member_id, 1, reason="message")
        if event.reply_to_member_id:
            ctx.uow.add_ledger(event.reply_to_member_id, 2, reason="got_reply",
                               category="social")
        return []

    return registry


async def snapshot(app: Any) -> dict[str, Any]:
    async with app.engine.connect() as conn:
        out: dict[str, Any] = {}
        for model in (Activity, Member, MemberStats, LedgerEntry):
            out[model.__tablename__] = int(await conn.scalar(
                select(func.count()).select_from(model.__table__)))
        sums = await conn.execute(select(func.sum(LedgerEntry.delta),
                                         func.sum(LedgerEntry.lifetime_delta)))
        out["ledger_sums"] = tuple(int(v or 0) for v in sums.one())
        rows = await conn.execute(select(MemberStats.__table__).order_by(
            MemberStats.member_id))
        out["stats"] = [(r["member_id"], r["lifetime"], r["balance"], r["messages"],
                         r["replies_sent"], r["replies_received"], r["reactions_given"],
                         r["reactions_received"], r["voice_minutes"])
                        for r in rows.mappings()]
    return out


async def test_events_become_rows_and_counters(make_app: Any, db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    app.pipeline.registry = points_registry()
    actions = await app.pipeline.process_many(conversation())
    await app.pipeline.flush()
    assert actions == []
    result = await snapshot(app)
    assert result["activity"] == 2 + 12 + 12 + 1 + 1
    assert result["members"] == 2
    # 12 messages (1 point each) + 11 replies (2 points to the replied-to member)
    assert result["ledger"] == 23 and result["ledger_sums"] == (34, 34)
    stats = {row[0]: row[1:] for row in result["stats"]}
    #                      lifetime balance msgs sent recv given rcvd voice
    assert stats["console:alice"] == (6 + 2 * 6, 6 + 2 * 6, 6, 5, 6, 6, 6, 0.0)
    assert stats["console:bob"] == (6 + 2 * 5, 6 + 2 * 5, 6, 6, 5, 6, 6, 12.5)
    async with app.engine.connect() as conn:
        bob = (await conn.execute(select(Member.__table__).where(
            Member.member_id == "console:bob"))).mappings().one()
    assert bob["joined_at"] == T0 + timedelta(seconds=5)
    assert bob["left_at"] == T0 + timedelta(hours=2)
    assert bob["display_name"] == "bob"
    stats_obj = app.pipeline.stats
    assert stats_obj.processed == len(conversation()) and stats_obj.failed == 0
    assert stats_obj.by_type["MessagePosted"] == 12


async def test_global_registry_counts_messages(make_app: Any, db_url: str) -> None:
    """The real handler set (whatever features are registered) runs without failures."""
    app = await make_app(db_url)
    await app.pipeline.process_many(conversation())
    await app.pipeline.flush()
    assert app.pipeline.stats.failed == 0
    result = await snapshot(app)
    assert result["activity"] == 28 and result["members"] == 2
    stats = {row[0]: row for row in result["stats"]}
    assert stats["console:alice"][3] == 6 and stats["console:bob"][3] == 6


async def test_replaying_twice_in_one_process_changes_nothing(make_app: Any,
                                                              db_url: str) -> None:
    app = await make_app(db_url, pipeline={"batch_size": 7, "flush_interval_ms": 60_000})
    app.pipeline.registry = points_registry()
    await app.pipeline.process_many(conversation())
    await app.pipeline.flush()
    first = await snapshot(app)
    # again, in small chunks and one by one, with the same event twice in one chunk
    events = conversation()
    await app.pipeline.process_many(events[:5] + events[:5])
    for event in events[5:]:
        await app.pipeline.process(event)
    await app.pipeline.flush()
    assert await snapshot(app) == first
    assert app.pipeline.stats.duplicates == len(events) + 5
    assert app.pipeline.stats.processed == len(events)


async def test_two_apps_processing_the_same_events_count_them_once(make_app: Any,
                                                                   db_url: str) -> None:
    """Two processes on one database, both buffering the same events before either flushes."""
    one = await make_app(db_url, **QUIET)
    two = await make_app(db_url, **QUIET)
    for app in (one, two):
        app.pipeline.registry = points_registry()
        await app.pipeline.process_many(conversation())
    assert len(one.writer) == len(two.writer) == len(conversation())
    await one.pipeline.flush()
    await two.pipeline.flush()
    together = await snapshot(one)

    alone = await make_app(db_url.replace("hearth.db", "alone.db"), **QUIET) \
        if db_url.startswith("sqlite") else None
    if alone is not None:
        alone.pipeline.registry = points_registry()
        await alone.pipeline.process_many(conversation())
        await alone.pipeline.flush()
        assert await snapshot(alone) == together
    assert together["ledger_sums"] == (34, 34)
    assert sum(row[3] for row in together["stats"]) == 12


async def test_a_failing_handler_skips_only_that_event(make_app: Any, db_url: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    app = await make_app(db_url, **QUIET)
    registry = points_registry()

    @registry.on(MessagePosted, order=50)
    async def explode(event: MessagePosted, ctx: Context) -> Sequence[Action]:
        if event.text == "boom":
            raise RuntimeError("handler bug")
        return []

    app.pipeline.registry = registry
    events = [msg(1), msg(2, text="boom"), msg(3)]
    with caplog.at_level(logging.ERROR, logger="hearth.pipeline"):
        await app.pipeline.process_many(events)
    await app.pipeline.flush()
    assert app.pipeline.stats.failed == 1 and app.pipeline.stats.processed == 2
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped and "key=m:2" in skipped[0].getMessage()
    assert skipped[0].exc_info is not None, "the traceback is logged for the developer"
    async with app.engine.connect() as conn:
        keys = set((await conn.execute(select(Activity.event_key))).scalars())
        ledger = int(await conn.scalar(select(func.count()).select_from(LedgerEntry)))
    assert keys == {"m:1", "m:3"}, "the failed event wrote nothing, later events continued"
    assert ledger == 2


async def test_events_for_unknown_communities_are_skipped_and_counted(
        make_app: Any, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    app = await make_app(db_url, **QUIET)
    with caplog.at_level(logging.WARNING, logger="hearth.pipeline"):
        await app.pipeline.process_many([msg(1, community="dc:999"), msg(2),
                                         msg(3, community="dc:999")])
    await app.pipeline.flush()
    assert app.pipeline.stats.unknown_community == 2
    assert app.pipeline.stats.processed == 1 and app.pipeline.stats.failed == 0
    warnings = [r.getMessage() for r in caplog.records if "dc:999" in r.getMessage()]
    assert len(warnings) == 1 and "[[communities]]" in warnings[0], "warned once, with a fix"
    async with app.engine.connect() as conn:
        communities = set((await conn.execute(select(Activity.community_id))).scalars())
    assert communities == {C}


async def test_naive_datetimes_are_refused(make_app: Any, db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    naive = msg(1, at=datetime(2026, 3, 1, 9, 0))
    await app.pipeline.process_many([naive, msg(2)])
    await app.pipeline.flush()
    assert app.pipeline.stats.failed == 1 and app.pipeline.stats.processed == 1
    async with app.engine.connect() as conn:
        keys = set((await conn.execute(select(Activity.event_key))).scalars())
    assert keys == {"m:2"}


async def test_non_events_are_skipped(make_app: Any, db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    await app.pipeline.process_many(["not an event", msg(1)])  # type: ignore[list-item]
    assert app.pipeline.stats.failed == 1 and app.pipeline.stats.processed == 1


async def test_commands_see_every_event_before_them(make_app: Any, db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    registry = points_registry()

    @registry.command("count")
    async def count(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
        stats = await ctx.uow.stats(event.member_id)
        balance, _lifetime = await ctx.uow.ledger_sum(event.member_id)
        return [Reply(ctx.community_id, event.channel_id,
                      f"{stats['messages'] if stats else 0} messages, {balance} points")]

    app.pipeline.registry = registry
    await app.pipeline.process_many([msg(n) for n in range(1, 6)])
    assert len(app.writer) == 5, "still buffered: the command must flush them itself"
    actions = await app.pipeline.process(
        CommandInvoked(C, "console:alice", T0 + timedelta(hours=1), name="count",
                       channel_id="general"))
    assert actions == [Reply(C, "general", "5 messages, 5 points")]
    assert app.pipeline.stats.commands == 1


async def test_a_failing_command_is_rolled_back_and_answered(make_app: Any,
                                                             db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    registry = points_registry()

    @registry.command("give")
    async def give(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
        ctx.uow.add_ledger(event.member_id, 7, reason="give")
        raise RuntimeError("fails before commit")

    app.pipeline.registry = registry
    actions = await app.pipeline.process(
        CommandInvoked(C, "console:alice", T0, name="give", channel_id="general"))
    assert len(actions) == 1 and isinstance(actions[0], Reply) and actions[0].ephemeral
    assert "/give" in actions[0].text
    async with app.engine.connect() as conn:
        ledger = int(await conn.scalar(select(func.count()).select_from(LedgerEntry)))
    assert ledger == 0, "nothing of a failed command is written"


async def test_commands_in_the_members_language(make_app: Any, db_url: str) -> None:
    app = await make_app(db_url, **QUIET)
    actions = await app.pipeline.process(
        CommandInvoked(C, "console:alice", T0, name="nope", channel_id="general",
                       locale="zh-CN"))
    assert len(actions) == 1 and "/nope" in actions[0].text
    assert "命令" in actions[0].text


async def test_a_failed_flush_clears_the_cache_raises_and_recovers(
        make_app: Any, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    app = await make_app(db_url, **QUIET)
    registry = points_registry()

    @registry.on(MessagePosted, order=70)
    async def corrupt(event: MessagePosted, ctx: Context) -> Sequence[Action]:
        if event.text == "corrupt":
            ctx.uow.staged.activity["kind"] = None  # violates NOT NULL at flush time
        return []

    app.pipeline.registry = registry
    await app.cache.get(C, "console:alice")
    assert len(app.cache) == 1
    await app.pipeline.process_many([msg(1), msg(2, text="corrupt")])
    with caplog.at_level(logging.ERROR):
        await app.pipeline.flush()  # the refused event is skipped, not the batch
    assert len(app.cache) == 0, "state that ran ahead of the database is forgotten"
    assert any("m:2 skipped" in r.getMessage() for r in caplog.records)
    assert (await snapshot(app))["activity"] == 1, "the good event of the batch is stored"

    # later events (including a brand-new member) are stored normally; msg 1 only once
    await app.pipeline.process_many([msg(3, "console:carol"), msg(1)])
    await app.pipeline.flush()
    result = await snapshot(app)
    assert (result["activity"], result["members"], result["ledger"]) == (2, 2, 2)
