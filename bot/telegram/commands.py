"""Publishing the registry's commands in Telegram's command menu, in English and Chinese.

Members see member (and expert) commands; chat administrators additionally see moderator
and admin ones (``BotCommandScopeAllChatAdministrators``). The menu is only a hint — the
handler layer still checks roles — so moderators configured by user id can type the
commands even though their menu does not list them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.platform.commands import command_description, telegram_name
from handlers.registry import CommandSpec

log = logging.getLogger("hearth.telegram")

DESCRIPTION_LIMIT = 256
MAX_COMMANDS = 100
MENU_LANGUAGES = (None, "zh")  # None = default (English) for every other language


def telegram_names(specs: Iterable[CommandSpec]) -> dict[str, str]:
    """Telegram command name → registry name, for every command Telegram can express."""
    names: dict[str, str] = {}
    for spec in specs:
        name = telegram_name(spec.name)
        if name is None:
            log.warning("command /%s cannot be a Telegram command (a-z, 0-9, _ only)", spec.name)
            continue
        names[name] = spec.name
    return names


def _menu(specs: list[CommandSpec], lang: str) -> list[BotCommand]:
    menu = []
    for spec in sorted(specs, key=lambda s: s.name)[:MAX_COMMANDS]:
        name = telegram_name(spec.name)
        if name is not None:
            menu.append(BotCommand(name, command_description(spec, lang, DESCRIPTION_LIMIT)))
    return menu


async def publish_commands(bot: Bot, specs: Iterable[CommandSpec]) -> int:
    """setMyCommands for members and chat admins, per language; returns calls that worked."""
    all_specs = list(specs)
    everyone = [s for s in all_specs if s.role in ("member", "expert")]
    done = 0
    for language in MENU_LANGUAGES:
        lang = language or "en"
        for scope, chosen in (
            (BotCommandScopeDefault(), everyone),
            (BotCommandScopeAllChatAdministrators(), all_specs),
        ):
            try:
                await bot.set_my_commands(_menu(chosen, lang), scope=scope,
                                          language_code=language)
                done += 1
            except TelegramError as exc:
                log.warning("telegram: setMyCommands (%s, %s) failed: %s",
                            scope.type, lang, exc)
    return done
