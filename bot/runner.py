"""``hearth run``: the long-running bot process (platform adapters + scheduler).

Discord and Telegram share one asyncio loop with the pipeline; either may be absent. SIGTERM
and SIGINT stop intake, flush the batch writer and close both clients cleanly.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from bot.config import Config
from bot.storage.engine import DatabaseError

log = logging.getLogger("hearth.run")


class StartupError(DatabaseError):
    """A start-up problem with a clear, actionable message (printed without a traceback)."""


def platform_tokens(config: Config) -> tuple[str | None, str | None]:
    """Validated tokens of the enabled platforms (checked before touching the database)."""
    from bot.platform.tokens import TokenError, optional_token_from_env

    try:
        dc_token = optional_token_from_env("HEARTH_DISCORD_TOKEN")
        tg_token = optional_token_from_env("HEARTH_TELEGRAM_TOKEN")
    except TokenError as exc:
        raise StartupError(str(exc)) from None
    dc_token = dc_token if config.discord.enabled else None
    tg_token = tg_token if config.telegram.enabled else None
    if not dc_token and not tg_token:
        raise StartupError(
            "no platform to run: set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN in the "
            "environment (and keep [discord]/[telegram] enabled = true); see README, Deploy")
    return dc_token, tg_token


def build_adapters(config: Config, app: Any, dc_token: str | None,
                   tg_token: str | None) -> list[Any]:
    """Adapters for every platform with a token in the environment and enabled in config."""
    from bot.platform.runtime import RoleResolver
    from handlers.registry import registry

    def permissions(community_id: str) -> Any:
        community = config.community(community_id)
        return community.permissions if community else config.permissions

    def lang_for(community_id: str) -> str:
        community = config.community(community_id)
        return community.language if community else "en"

    resolver = RoleResolver(permissions)
    specs = list(registry.commands.values())
    adapters: list[Any] = []
    if dc_token:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(token=dc_token, settings=config.discord,
                                       dispatch=app.pipeline.process, resolver=resolver,
                                       commands=specs, lang_for=lang_for))
    if tg_token:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(token=tg_token, settings=config.telegram,
                                        dispatch=app.pipeline.process, resolver=resolver,
                                        commands=specs, lang_for=lang_for))
    return adapters


async def run_bot(config: Config) -> None:
    from bot.bootstrap import build_app
    from bot.platform.runtime import ActionRouter, PlatformStartError, run_platforms

    dc_token, tg_token = platform_tokens(config)
    app = await build_app(config)
    try:
        adapters = build_adapters(config, app, dc_token, tg_token)
    except BaseException:
        await app.close()
        raise
    app.services["actions"] = ActionRouter([a.executor for a in adapters])
    background = await start_background(app)
    reload_handler = _install_reload(config, app)
    try:
        await run_platforms(adapters, on_shutdown=[app.pipeline.flush])
    except PlatformStartError as exc:
        raise StartupError(str(exc)) from None
    finally:
        for stop in background:
            await stop()
        if reload_handler:
            reload_handler()
        await app.close()


async def start_background(app: Any) -> list[Any]:
    """Background workers (scheduler sweeper, scorer warm-up); returns their stop functions."""
    stops: list[Any] = []
    starter = app.services.get("start_background")
    if starter is not None:
        stops.extend(await starter(app))
    return stops


def _install_reload(config: Config, app: Any) -> Any:
    """SIGHUP re-reads the config file; an invalid file leaves the running config untouched."""
    import asyncio

    from bot.config import ConfigError, load_config

    if config.path is None or not hasattr(signal, "SIGHUP"):
        return None
    loop = asyncio.get_running_loop()

    def reload() -> None:
        try:
            fresh = load_config(config.path)
        except ConfigError as exc:
            log.error("config reload refused, still running the previous config:\n%s", exc)
            return
        app.pipeline.swap_config(fresh)
        app.config = fresh
        log.warning("config reloaded from %s", config.path)

    loop.add_signal_handler(signal.SIGHUP, reload)
    return lambda: loop.remove_signal_handler(signal.SIGHUP)


def token_status() -> dict[str, bool]:
    return {name: bool(os.environ.get(name)) for name in
            ("HEARTH_DISCORD_TOKEN", "HEARTH_TELEGRAM_TOKEN")}
