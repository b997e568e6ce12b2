"""Activity tracking: what every member did, as counters and activity rows.

Runs after line-1 safety (a removed message is still recorded, but not counted) and before
growth, which adds points on top. Counters are increments, so they stay right when several
processes share one database.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action
from domain.events import (
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
)
from handlers.ports import Context
from handlers.registry import registry

ORDER = 40


@registry.on(MessagePosted, order=ORDER)
async def track_message(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    uow = ctx.uow
    blocked = bool(ctx.flags.get("blocked"))
    uow.record_activity(
        kind="message", member_id=event.member_id, channel_id=event.channel_id,
        message_id=event.message_id, at=event.at, text=event.text,
        target_member_id=event.reply_to_member_id, thread_id=event.thread_id,
        deleted=blocked,
    )
    uow.saw_member(event.member_id, event.at, name=event.member_name,
                   counters=None if blocked else {"messages": 1})
    if blocked:
        return []
    replied = event.reply_to_member_id
    if replied and replied != event.member_id:
        uow.add_stats(event.member_id, replies_sent=1)
        uow.add_stats(replied, replies_received=1)
    if event.starts_thread:
        uow.add_stats(event.member_id, threads_started=1)
    return []


@registry.on(MessageEdited, order=ORDER)
async def track_edit(event: MessageEdited, ctx: Context) -> Sequence[Action]:
    ctx.uow.record_activity(kind="edit", member_id=event.member_id, channel_id=event.channel_id,
                            message_id=event.message_id, at=event.at, text=event.text)
    return []


@registry.on(MessageDeleted, order=ORDER)
async def track_delete(event: MessageDeleted, ctx: Context) -> Sequence[Action]:
    ctx.uow.record_activity(kind="delete", member_id=event.member_id,
                            channel_id=event.channel_id, message_id=event.message_id,
                            at=event.at)
    return []


@registry.on(ReactionAdded, order=ORDER)
async def track_reaction(event: ReactionAdded, ctx: Context) -> Sequence[Action]:
    uow = ctx.uow
    uow.record_activity(kind="reaction", member_id=event.member_id, channel_id=event.channel_id,
                        message_id=event.message_id, at=event.at, text=event.emoji,
                        target_member_id=event.target_member_id)
    uow.add_stats(event.member_id, reactions_given=1)
    if event.target_member_id and event.target_member_id != event.member_id:
        uow.add_stats(event.target_member_id, reactions_received=1)
    return []


@registry.on(ReactionRemoved, order=ORDER)
async def track_unreaction(event: ReactionRemoved, ctx: Context) -> Sequence[Action]:
    uow = ctx.uow
    uow.record_activity(kind="unreaction", member_id=event.member_id,
                        channel_id=event.channel_id, message_id=event.message_id, at=event.at,
                        text=event.emoji, target_member_id=event.target_member_id)
    uow.add_stats(event.member_id, reactions_given=-1)
    if event.target_member_id and event.target_member_id != event.member_id:
        uow.add_stats(event.target_member_id, reactions_received=-1)
    return []


@registry.on(VoiceSessionEnded, order=ORDER)
async def track_voice(event: VoiceSessionEnded, ctx: Context) -> Sequence[Action]:
    minutes = max(0.0, min(float(event.minutes), 24 * 60.0))
    ctx.uow.record_activity(kind="voice", member_id=event.member_id,
                            channel_id=event.channel_id, at=event.at, amount=minutes)
    ctx.uow.add_stats(event.member_id, voice_minutes=minutes)
    return []


@registry.on(MemberJoined, order=ORDER)
async def track_join(event: MemberJoined, ctx: Context) -> Sequence[Action]:
    ctx.uow.record_activity(kind="join", member_id=event.member_id, at=event.at)
    ctx.uow.saw_member(event.member_id, event.at, name=event.member_name, joined=True)
    return []


@registry.on(MemberLeft, order=ORDER)
async def track_leave(event: MemberLeft, ctx: Context) -> Sequence[Action]:
    ctx.uow.record_activity(kind="leave", member_id=event.member_id, at=event.at)
    ctx.uow.saw_member(event.member_id, event.at, left=True)
    return []
