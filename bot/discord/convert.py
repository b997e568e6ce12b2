"""discord.py objects → platform-neutral domain events.

Only what the domain needs crosses over: namespaced ids, text, timestamps from Discord's own
snowflakes/timestamps (not the time we happened to receive them), and reply/mention links.
Bot and webhook authors and system messages are dropped here: they are not member activity.
"""

from __future__ import annotations

from datetime import datetime

import discord

from domain.events import (
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

MEMBER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def dc(raw_id: int | str) -> str:
    return f"dc:{raw_id}"


def raw_id(namespaced_id: str) -> int:
    """``dc:123`` (or plain ``123``) → 123; raises ValueError naming the bad id."""
    text = namespaced_id.removeprefix("dc:")
    if not text.isdigit():
        raise ValueError(f"{namespaced_id!r} is not a Discord id (expected dc:<digits>)")
    return int(text)


def message_posted(message: discord.Message) -> MessagePosted | None:
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return None
    if message.type not in MEMBER_MESSAGE_TYPES:
        return None
    channel = message.channel
    in_thread = isinstance(channel, discord.Thread)
    reply_to = reply_author = None
    ref = message.reference
    is_reply = message.type is discord.MessageType.reply
    if ref is not None and ref.message_id is not None and is_reply:
        reply_to = dc(ref.message_id)
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reply_author = dc(resolved.author.id)
    return MessagePosted(
        community_id=dc(message.guild.id),
        member_id=dc(message.author.id),
        at=message.created_at,
        channel_id=dc(channel.id),
        message_id=dc(message.id),
        text=message.content,
        member_name=message.author.display_name,
        reply_to_message_id=reply_to,
        reply_to_member_id=reply_author,
        thread_id=dc(channel.id) if in_thread else None,
        starts_thread=in_thread and channel.id == message.id,
        mentions=tuple(dc(u.id) for u in message.mentions),
        attachments=len(message.attachments),
    )


def message_edited(payload: discord.RawMessageUpdateEvent) -> MessageEdited | None:
    message = payload.message
    if payload.guild_id is None or "content" not in payload.data:
        return None
    if message.author.bot or message.webhook_id is not None:
        return None
    return MessageEdited(
        community_id=dc(payload.guild_id),
        member_id=dc(message.author.id),
        at=message.edited_at or message.created_at,
        channel_id=dc(payload.channel_id),
        message_id=dc(payload.message_id),
        text=message.content,
    )


def messages_deleted(
    guild_id: int | None,
    channel_id: int,
    message_ids: list[tuple[int, discord.Message | None]],
    now: datetime,
) -> list[MessageDeleted]:
    """Deletes carry no author unless the message was cached; unknown authors are ``""``."""
    if guild_id is None:
        return []
    events = []
    for message_id, cached in message_ids:
        if cached is not None and cached.author.bot:
            continue
        events.append(
            MessageDeleted(
                community_id=dc(guild_id),
                member_id=dc(cached.author.id) if cached is not None else "",
                at=now,
                channel_id=dc(channel_id),
                message_id=dc(message_id),
            )
        )
    return events


def reaction(
    payload: discord.RawReactionActionEvent, now: datetime, self_id: int | None
) -> ReactionAdded | ReactionRemoved | None:
    if payload.guild_id is None or payload.user_id == self_id:
        return None
    if payload.member is not None and payload.member.bot:
        return None
    fields = {
        "community_id": dc(payload.guild_id),
        "member_id": dc(payload.user_id),
        "at": now,
        "channel_id": dc(payload.channel_id),
        "message_id": dc(payload.message_id),
        "emoji": str(payload.emoji),
        "target_member_id": (
            dc(payload.message_author_id) if payload.message_author_id is not None else None
        ),
    }
    if payload.event_type == "REACTION_ADD":
        return ReactionAdded(**fields)
    return ReactionRemoved(**fields)


def member_joined(member: discord.Member, now: datetime) -> MemberJoined | None:
    if member.bot:
        return None
    return MemberJoined(
        community_id=dc(member.guild.id),
        member_id=dc(member.id),
        at=member.joined_at or now,
        member_name=member.display_name,
    )


def member_left(payload: discord.RawMemberRemoveEvent, now: datetime) -> MemberLeft | None:
    if payload.user.bot:
        return None
    return MemberLeft(community_id=dc(payload.guild_id), member_id=dc(payload.user.id), at=now)
