"""The Telegram adapter: a PTB Application polling updates into the pipeline.

Usage (what ``hearth run`` does)::

    adapter = TelegramAdapter(token=token, settings=cfg.telegram, dispatch=pipeline,
                              resolver=RoleResolver(permissions_for), commands=specs)
    await adapter.start()   # getMe (clear error for a bad token), setMyCommands, polling
    ...
    await adapter.stop()    # stop polling, finish handlers and actions, shut down

PTB acknowledges updates (advances the getUpdates offset) before handlers finish, so delivery
is at-most-once: the pipeline must persist what matters before acting. Updates are handled
one at a time in arrival order (PTB's default), but the actions they produce run as
background tasks, so a rate-limited send never delays the next update.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.platform.config import TelegramSettings
from bot.platform.failures import ActionFailures, BackgroundTasks
from bot.platform.runtime import Dispatch, PlatformStartError, RoleResolver
from bot.telegram import convert
from bot.telegram.admins import ChatStatusCache
from bot.telegram.commands import publish_commands, telegram_names
from bot.telegram.convert import tg
from bot.telegram.executor import TelegramExecutor
from domain.actions import Action, Reply
from domain.events import ButtonPressed, CommandInvoked, Event
from domain.i18n import t
from handlers.registry import CommandSpec

log = logging.getLogger("hearth.telegram")

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "message_reaction"]
CALLBACK_ANSWER_LIMIT = 200


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TelegramAdapter:
    """Runs the Telegram side of Hearth; implements ``bot.platform.runtime.PlatformAdapter``."""

    platform = "telegram"

    def __init__(
        self,
        *,
        token: str,
        settings: TelegramSettings,
        dispatch: Dispatch,
        resolver: RoleResolver,
        commands: Iterable[CommandSpec] = (),
        lang_for: Callable[[str], str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.dispatch = dispatch
        self.resolver = resolver
        self.clock = clock
        self.specs = list(commands)
        self.command_names = telegram_names(self.specs)
        self.failures = ActionFailures("telegram")
        self.tasks = BackgroundTasks("telegram actions")
        self.statuses = ChatStatusCache(settings.admin_cache_seconds)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(settings.api_base_url)
            .base_file_url(settings.base_file_url)
            .job_queue(None)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.executor = TelegramExecutor(
            self.application.bot, self.failures, settings, lang_for, clock
        )
        self._stopped = asyncio.Event()
        self._stopping = False
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """getMe, publish commands, start polling. Raises PlatformStartError on a bad token."""
        try:
            await self.application.initialize()
        except TelegramError as exc:
            with contextlib.suppress(Exception):
                await self.application.bot.shutdown()  # close the HTTP pools initialize opened
            if isinstance(exc, InvalidToken):
                raise PlatformStartError(
                    "Telegram rejected HEARTH_TELEGRAM_TOKEN (getMe: Unauthorized); get the "
                    "token again from @BotFather (/token) and set the variable again."
                ) from exc
            raise PlatformStartError(
                f"cannot reach the Telegram Bot API at {self.settings.api_base_url}: {exc}"
            ) from exc
        self._started = True
        log.info("telegram: logged in as @%s", self.application.bot.username)
        if self.settings.set_commands_on_start and self.specs:
            await publish_commands(self.application.bot, self.specs)
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.settings.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=self.settings.drop_pending_updates,
            error_callback=self._polling_error,
        )

    def _polling_error(self, exc: TelegramError) -> None:
        """PTB retries polling after network errors itself; say why it is struggling."""
        if isinstance(exc, Conflict):
            log.error("telegram: another process is polling with this token (%s); run one "
                      "poller per bot token", exc)
            return
        log.warning("telegram: polling error (will retry): %s", exc)

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    async def stop(self) -> None:
        """Stop polling, let running handlers and actions finish, shut the application down."""
        if self._stopping:
            return
        self._stopping = True
        app = self.application
        with contextlib.suppress(Exception):
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()
        await self.tasks.drain()
        if self._started:
            with contextlib.suppress(Exception):
                await app.shutdown()
        self._stopped.set()

    # -- intake ----------------------------------------------------------------------------

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error handling an update; skipped", exc_info=context.error)

    async def _dispatch(self, event: Event) -> list[Action] | None:
        try:
            return list(await self.dispatch(event))
        except Exception:
            log.exception("telegram: dispatching %s in %s failed; event skipped",
                          type(event).__name__, event.community_id)
            return None

    async def intake(self, event: Event | None) -> list[Action]:
        if event is None or self._stopping:
            return []
        actions = await self._dispatch(event)
        if actions:
            self.tasks.spawn(self.executor.execute(actions, origin=event))
        return actions or []

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_callback(update.callback_query)
        elif update.message_reaction is not None:
            for event in convert.reactions(update.message_reaction):
                await self.intake(event)
        elif update.edited_message is not None:
            await self.intake(convert.message_edited(update.edited_message))
        elif update.message is not None:
            await self._on_message(update.message)

    async def _on_message(self, message: Message) -> None:
        if message.new_chat_members or message.left_chat_member is not None:
            for event in convert.member_changes(message, self.application.bot.id):
                await self.intake(event)
            return
        user = message.from_user
        if user is None or user.is_bot:
            return
        parsed = convert.parse_command(message, self.application.bot.username,
                                       self.command_names)
        if parsed is None:
            await self.intake(convert.message_posted(message))
            return
        if message.sender_chat is not None:
            log.debug("telegram: ignoring /%s sent on behalf of a chat", parsed.name)
            return
        event = CommandInvoked(
            community_id=tg(message.chat.id),
            member_id=tg(user.id),
            at=message.date,
            name=parsed.name,
            args=parsed.args,
            channel_id=tg(message.chat.id),
            roles=await self.roles(message.chat.id, message.chat.type, user.id),
            locale=user.language_code,
            member_name=user.full_name,
            interaction_id=f"{tg(message.chat.id)}:{message.message_id}",
        )
        actions = await self._dispatch(event)
        if not actions:
            return
        # Answers to a command quote the command, so they land in its topic and context.
        answered = [
            dataclasses.replace(a, reply_to_message_id=tg(message.message_id))
            if isinstance(a, Reply) and a.channel_id == event.channel_id
            and a.reply_to_message_id is None else a
            for a in actions
        ]
        self.tasks.spawn(self.executor.execute(answered, origin=event))

    async def roles(self, chat_id: int, chat_type: str, user_id: int) -> frozenset[str]:
        """Neutral roles of ``user_id`` in ``chat_id`` (chat status cached briefly)."""
        status: str | None = None
        if chat_type in convert.GROUP_CHATS:
            status = self.statuses.get(chat_id, user_id)
            if status is None:
                try:
                    member = await self.application.bot.get_chat_member(chat_id, user_id)
                    status = str(member.status)
                except TelegramError as exc:
                    log.warning("telegram: getChatMember(%s, %s) failed: %s",
                                chat_id, user_id, exc)
                    status = ChatMemberStatus.MEMBER
                self.statuses.put(chat_id, user_id, status)
        return self.resolver.telegram_roles(tg(chat_id), user_id=user_id, chat_status=status)

    async def _on_callback(self, query: CallbackQuery) -> None:
        message = query.message
        if query.data is None or message is None:
            await self._answer(query, None)
            return
        chat = message.chat
        event = ButtonPressed(
            community_id=tg(chat.id),
            member_id=tg(query.from_user.id),
            at=self.clock(),
            custom_id=query.data,
            channel_id=tg(chat.id),
            roles=await self.roles(chat.id, chat.type, query.from_user.id),
            locale=query.from_user.language_code,
        )
        actions = await self._dispatch(event)
        if actions is None:
            await self._answer(query, t("core.error", query.from_user.language_code,
                                        name="button"))
            return
        # The first short ephemeral reply becomes the button's toast; the rest are sent.
        toast = next(
            (a for a in actions if isinstance(a, Reply) and a.ephemeral
             and len(a.text) <= CALLBACK_ANSWER_LIMIT),
            None,
        )
        await self._answer(query, toast.text if toast is not None else None)
        rest = [a for a in actions if a is not toast]
        if rest:
            self.tasks.spawn(self.executor.execute(rest, origin=event))

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await query.answer(text=text)
        except TelegramError as exc:
            log.warning("telegram: answering a button press failed: %s", exc)

    # -- reporting -------------------------------------------------------------------------

    @property
    def missing_permissions(self) -> dict[str, frozenset[str]]:
        """Community → Telegram admin rights found missing (for ``hearth doctor``)."""
        return dict(self.failures.missing)
