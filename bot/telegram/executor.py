"""Carrying out domain actions with the Telegram Bot API.

Retries: PTB raises ``RetryAfter`` on a 429 and does not retry by itself (without the
optional AIORateLimiter), so this executor waits the time Telegram asks for and retries, up
to ``send_retries`` times — the request was rejected, so retrying cannot duplicate it. A
``TimedOut``/network error is retried only for idempotent actions (delete, ban, unban,
restrict): a timed-out sendMessage may have been delivered, and a duplicate reply is worse
than a missing one. Everything else is logged and dropped; nothing raises out of here.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
    User,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.platform.config import TelegramSettings
from bot.platform.failures import ActionFailures
from bot.platform.text import TELEGRAM_LIMIT, split_text
from bot.telegram.convert import raw_id
from domain.actions import (
    Action,
    AddRole,
    Ban,
    Button,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    RemoveRole,
    Reply,
    SetSlowMode,
    Timeout,
    Unban,
)
from domain.events import Event
from domain.i18n import t

log = logging.getLogger("hearth.telegram")
T = TypeVar("T")

MAX_TIMEOUT_SECONDS = 28 * 24 * 3600
# Telegram treats restrictions shorter than 30 s as permanent: never go near that.
MIN_TIMEOUT_SECONDS = 40
CALLBACK_DATA_LIMIT = 64  # bytes
BUTTONS_PER_ROW = 3
IDEMPOTENT = (DeleteMessage, Ban, Unban, Timeout)

PERMISSION_FOR: dict[type[Action], str] = {
    Reply: "can_send_messages",
    PostToChannel: "can_send_messages",
    DeleteMessage: "can_delete_messages",
    Timeout: "can_restrict_members",
    Ban: "can_restrict_members",
    Unban: "can_restrict_members",
}
_RIGHTS_MARKERS = (
    "not enough rights", "chat_admin_required", "need administrator rights",
    "message can't be deleted", "have no rights", "not an administrator",
)
_CANNOT_DM_MARKERS = (
    "bot can't initiate conversation", "bot was blocked by the user", "chat not found",
    "user is deactivated", "bot can't send messages to bots",
)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait from a RetryAfter, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    for button in buttons:
        if len(button.custom_id.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(
                f"button {button.label!r}: custom_id is {len(button.custom_id.encode())} bytes; "
                f"Telegram callback data allows {CALLBACK_DATA_LIMIT}"
            )
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.custom_id)
         for b in buttons[i : i + BUTTONS_PER_ROW]]
        for i in range(0, len(buttons), BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(rows)


def _lower(exc: TelegramError) -> str:
    return exc.message.lower()


class TelegramExecutor:
    """:class:`bot.platform.runtime.ActionExecutor` for Telegram."""

    platform = "telegram"

    def __init__(
        self,
        bot: Bot,
        failures: ActionFailures,
        settings: TelegramSettings,
        lang_for: Callable[[str], str] | None = None,
        clock: Callable[[], dtm.datetime] = lambda: dtm.datetime.now(dtm.UTC),
    ) -> None:
        self.bot = bot
        self.failures = failures
        self.settings = settings
        self.lang_for = lang_for or (lambda _community: "en")
        self.clock = clock
        self.retries = 0  # RetryAfter waits performed (observable in tests and metrics)

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None:
        for action in actions:
            await self.perform(action, origin=origin)

    async def perform(self, action: Action, *, origin: Event | None = None) -> bool:
        """Carry out one action; True if it was done. Never raises."""
        community = action.community_id
        try:
            await self._perform(action, origin)
        except RetryAfter as exc:
            self.failures.failed(
                community, action,
                f"rate limited (retry after {retry_after_seconds(exc):g}s); dropped",
            )
        except (Forbidden, BadRequest) as exc:
            permission = PERMISSION_FOR.get(type(action))
            text = _lower(exc)
            if permission and any(m in text for m in _RIGHTS_MARKERS):
                self.failures.missing_permission(community, permission, action)
            else:
                self.failures.failed(community, action, f"{type(exc).__name__}: {exc.message}")
        except TelegramError as exc:
            self.failures.failed(community, action, f"{type(exc).__name__}: {exc.message}")
        except ValueError as exc:
            self.failures.failed(community, action, str(exc))
        except Exception as exc:  # a bug must not kill the remaining actions
            log.exception("telegram: unexpected error executing %s", type(action).__name__)
            self.failures.failed(community, action, f"unexpected {type(exc).__name__}: {exc}")
        else:
            return True
        return False

    async def call(self, action: Action, make: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call with the retry policy described in the module docstring."""
        attempt = 0
        while True:
            try:
                return await make()
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt >= self.settings.send_retries or wait > self.settings.max_retry_after:
                    raise
                attempt += 1
                self.retries += 1
                log.info("telegram: 429 on %s in %s, retrying in %gs (attempt %d)",
                         type(action).__name__, action.community_id, wait, attempt)
                await asyncio.sleep(wait)
            except (BadRequest, Forbidden):
                raise
            except NetworkError:
                if not isinstance(action, IDEMPOTENT) or attempt >= self.settings.send_retries:
                    raise
                attempt += 1
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))

    async def _perform(self, action: Action, origin: Event | None) -> None:
        match action:
            case Reply():
                await self.send(action, action.channel_id, action.text, action.buttons,
                                reply_to=action.reply_to_message_id, origin=origin)
            case PostToChannel():
                await self.send(action, action.channel_id, action.text, action.buttons)
            case DirectMessage():
                await self._direct_message(action)
            case DeleteMessage():
                chat, message = raw_id(action.channel_id), raw_id(action.message_id)
                await self.call(action, lambda: self.bot.delete_message(chat, message))
            case Timeout():
                await self._timeout(action)
            case Ban():
                chat, user = raw_id(action.community_id), raw_id(action.member_id)
                await self.call(action, lambda: self.bot.ban_chat_member(chat, user))
            case Unban():
                chat, user = raw_id(action.community_id), raw_id(action.member_id)
                await self.call(
                    action, lambda: self.bot.unban_chat_member(chat, user, only_if_banned=True)
                )
            case AddRole() | RemoveRole() | SetSlowMode():
                self.failures.warn_once(
                    action.community_id, f"unsupported:{type(action).__name__}",
                    "telegram: %s is not available in the Bot API; skipped in %s (logged once)",
                    type(action).__name__, action.community_id,
                )
            case _:
                raise ValueError(f"the Telegram adapter cannot execute {type(action).__name__}")

    async def send(
        self,
        action: Action,
        chat: str,
        text: str,
        buttons: Sequence[Button] = (),
        *,
        reply_to: str | None = None,
        origin: Event | None = None,
        entities: Sequence[MessageEntity] | None = None,
    ) -> None:
        chat_id = raw_id(chat)
        markup = keyboard(buttons)
        thread: int | None = None
        origin_thread = getattr(origin, "thread_id", None)
        if origin_thread and getattr(origin, "channel_id", None) == chat and not reply_to:
            thread = raw_id(origin_thread)
        chunks = [text] if entities else split_text(text, TELEGRAM_LIMIT)
        for index, chunk in enumerate(chunks):
            kwargs: dict[str, Any] = {}
            if index == 0 and reply_to:
                kwargs["reply_parameters"] = ReplyParameters(
                    raw_id(reply_to), allow_sending_without_reply=True
                )
            if index == len(chunks) - 1 and markup is not None:
                kwargs["reply_markup"] = markup
            if thread is not None:
                kwargs["message_thread_id"] = thread
            if entities:
                kwargs["entities"] = list(entities)
            await self.call(
                action,
                lambda chunk=chunk, kwargs=kwargs: self.bot.send_message(chat_id, chunk, **kwargs),
            )

    async def _direct_message(self, action: DirectMessage) -> None:
        user_id = raw_id(action.member_id)
        try:
            for chunk in split_text(action.text, TELEGRAM_LIMIT):
                await self.call(action, lambda c=chunk: self.bot.send_message(user_id, c))
            return
        except (Forbidden, BadRequest) as exc:
            if not any(m in _lower(exc) for m in _CANNOT_DM_MARKERS):
                raise
            reason = exc.message
        if action.fallback_channel_id is None:
            raise ValueError(
                f"member {action.member_id} has not started a chat with the bot ({reason}) "
                "and no fallback channel was given"
            )
        chat_id = raw_id(action.fallback_channel_id)
        lang = self.lang_for(action.community_id)
        name = t("platform.you", lang)
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
            name = member.user.full_name or name
        except TelegramError:
            pass
        try:
            username = self.bot.username
        except RuntimeError:  # bot not initialised (no getMe yet)
            username = ""
        template = t("platform.dm_fallback.telegram", lang, mention="\x00",
                     link=f"https://t.me/{username}")
        before = template[: template.index("\x00")]
        text = template.replace("\x00", name, 1)
        mention = MessageEntity(
            MessageEntity.TEXT_MENTION, utf16_len(before), utf16_len(name),
            user=User(user_id, name, is_bot=False),
        )
        await self.send(action, action.fallback_channel_id, text, entities=[mention])
        log.info("telegram: DM to %s impossible (%s); posted the fallback note in %s",
                 action.member_id, reason, action.fallback_channel_id)

    async def _timeout(self, action: Timeout) -> None:
        chat, user = raw_id(action.community_id), raw_id(action.member_id)
        if action.seconds <= 0:
            info = await self.call(action, lambda: self.bot.get_chat(chat))
            restored = info.permissions or ChatPermissions.all_permissions()
            await self.call(action, lambda: self.bot.restrict_chat_member(
                chat, user, restored, use_independent_chat_permissions=True))
            return
        seconds = min(max(action.seconds, MIN_TIMEOUT_SECONDS), MAX_TIMEOUT_SECONDS)
        until = self.clock() + dtm.timedelta(seconds=seconds)
        await self.call(action, lambda: self.bot.restrict_chat_member(
            chat, user, ChatPermissions.no_permissions(), until_date=until,
            use_independent_chat_permissions=True))
