"""Telegram updates → platform-neutral domain events.

A Telegram chat is both the community and the channel (``tg:<chat_id>``); forum topics become
``thread_id``. Message ids are only unique per chat, which is fine because the domain keys
messages by (community, message id). Commands are recognised from the ``bot_command`` entity,
so ``/rank``, ``/rank@ThisBot args`` work and ``/rank@OtherBot`` is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from telegram import (
    Message,
    MessageEntity,
    MessageReactionUpdated,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
)

from bot.platform.commands import ROLE_GROUPS
from domain.events import (
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

GROUP_CHATS = frozenset({"group", "supergroup"})


def tg(raw_id: int | str) -> str:
    return f"tg:{raw_id}"


def raw_id(namespaced_id: str) -> int:
    """``tg:-100123`` (or plain) → -100123; raises ValueError naming the bad id."""
    text = namespaced_id.removeprefix("tg:")
    if not text.lstrip("-").isdigit():
        raise ValueError(f"{namespaced_id!r} is not a Telegram id (expected tg:<integer>)")
    return int(text)


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str  # registry name
    args: str
    addressed: bool  # "/cmd@ThisBot"


def parse_command(
    message: Message, bot_username: str | None, known: Mapping[str, str]
) -> ParsedCommand | None:
    """The command in ``message`` if it is one for this bot.

    ``known`` maps Telegram command names to registry names. ``/mod claim 5`` is read as
    ``claim 5`` when ``mod`` is a role group (the Discord spelling) and ``claim`` a command.
    Unknown commands count only when addressed to this bot or sent in a private chat; in
    groups they are usually meant for another bot.
    """
    text = message.text or ""
    entities = message.entities
    if not text.startswith("/") or not entities:
        return None
    first = entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    token = text[1 : first.length]
    name, _, target = token.partition("@")
    name = name.lower()
    if target and (bot_username is None or target.lower() != bot_username.lower()):
        return None
    args = text[first.length :].strip()
    addressed = bool(target)
    if name in known:
        return ParsedCommand(known[name], args, addressed)
    if name in ROLE_GROUPS.values():
        sub, _, rest = args.partition(" ")
        if sub.lower() in known:
            return ParsedCommand(known[sub.lower()], rest.strip(), addressed)
    if addressed or message.chat.type == "private":
        return ParsedCommand(name, args, addressed)
    return None


def _attachments(message: Message) -> int:
    kinds = ("photo", "document", "video", "audio", "voice", "animation", "sticker",
             "video_note")
    return sum(1 for kind in kinds if getattr(message, kind, None))


def message_posted(message: Message) -> MessagePosted | None:
    user = message.from_user
    if message.chat.type not in GROUP_CHATS or user is None or user.is_bot:
        return None
    if message.sender_chat is not None:  # anonymous admin or linked channel: not a member
        return None
    reply = message.reply_to_message
    if reply is not None and reply.forum_topic_created is not None:
        reply = None  # in forum topics every message "replies" to the topic's first message
    mentions = tuple(
        tg(entity.user.id)
        for entity in message.entities + message.caption_entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None
    )
    return MessagePosted(
        community_id=tg(message.chat.id),
        member_id=tg(user.id),
        at=message.date,
        channel_id=tg(message.chat.id),
        message_id=tg(message.message_id),
        text=message.text or message.caption or "",
        member_name=user.full_name,
        reply_to_message_id=tg(reply.message_id) if reply is not None else None,
        reply_to_member_id=(
            tg(reply.from_user.id) if reply is not None and reply.from_user is not None else None
        ),
        thread_id=tg(message.message_thread_id) if message.is_topic_message else None,
        mentions=mentions,
        attachments=_attachments(message),
    )


def message_edited(message: Message) -> MessageEdited | None:
    user = message.from_user
    if message.chat.type not in GROUP_CHATS or user is None or user.is_bot:
        return None
    if message.sender_chat is not None:
        return None
    return MessageEdited(
        community_id=tg(message.chat.id),
        member_id=tg(user.id),
        at=message.edit_date or message.date,
        channel_id=tg(message.chat.id),
        message_id=tg(message.message_id),
        text=message.text or message.caption or "",
    )


def member_changes(message: Message, bot_id: int | None) -> list[MemberJoined | MemberLeft]:
    """Join/leave service messages; bots (including this one) are not members."""
    community = tg(message.chat.id)
    events: list[MemberJoined | MemberLeft] = []
    for user in message.new_chat_members:
        if not user.is_bot and user.id != bot_id:
            events.append(MemberJoined(community, tg(user.id), message.date,
                                       member_name=user.full_name))
    left = message.left_chat_member
    if left is not None and not left.is_bot and left.id != bot_id:
        events.append(MemberLeft(community, tg(left.id), message.date))
    return events


def _emoji(reaction: ReactionType) -> str:
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    return str(reaction.type)


def reactions(update: MessageReactionUpdated) -> list[ReactionAdded | ReactionRemoved]:
    """Telegram sends the old and new reaction sets of one user; the difference is the event.

    Anonymous reactions (``actor_chat``) have no member and are skipped.
    """
    user = update.user
    if user is None or user.is_bot:
        return []
    old = [_emoji(r) for r in update.old_reaction]
    new = [_emoji(r) for r in update.new_reaction]
    common = {
        "community_id": tg(update.chat.id),
        "member_id": tg(user.id),
        "at": update.date,
        "channel_id": tg(update.chat.id),
        "message_id": tg(update.message_id),
    }
    events: list[ReactionAdded | ReactionRemoved] = [
        ReactionRemoved(**common, emoji=e) for e in old if e not in new
    ]
    events += [ReactionAdded(**common, emoji=e) for e in new if e not in old]
    return events
