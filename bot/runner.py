"""``hearth run``: the long-running bot process (platform adapters + scheduler).

Discord and Telegram share one asyncio loop with the pipeline; either may be absent. SIGTERM
and SIGINT stop intake, flush the batch writer and close both clients cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

from bot.config import Config
from bot.storage.engine import DatabaseError

log = logging.getLogger("hearth.run")
SHUTDOWN_WAIT_SECONDS = 10.0  # longest wait for in-flight events before the final flush


class StartupError(DatabaseError):
    """A start-up problem with a clear, actionable message (printed without a traceback)."""


def platform_tokens(config: Config) -> tuple[str | None, str | None]:
    """Validated tokens of the enabled platforms (checked before touching the database).

    A platform switched off in config is not started, so its variable is not read at all: a
    stale value left in an environment file must not stop the other platform.
    """
    from bot.platform.tokens import TokenError, optional_token_from_env

    try:
        dc_token = (optional_token_from_env("HEARTH_DISCORD_TOKEN")
                    if config.discord.enabled else None)
        tg_token = (optional_token_from_env("HEARTH_TELEGRAM_TOKEN")
                    if config.telegram.enabled else None)
    except TokenError as exc:
        raise StartupError(str(exc)) from None
    if not dc_token and not tg_token:
        raise StartupError(
            "no platform to run: set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN in the "
            "environment (and keep [discord]/[telegram] enabled = true); see README, Deploy")
    return dc_token, tg_token


def build_adapters(config: Config, app: Any, dc_token: str | None,
                   tg_token: str | None, dispatch: Any = None) -> list[Any]:
    """Adapters for every platform with a token in the environment and enabled in config.

    ``dispatch`` defaults to the pipeline; ``run_bot`` passes an :class:`InFlight` wrapper.
    """
    from bot.platform.runtime import RoleResolver
    from handlers.registry import registry

    def permissions(community_id: str) -> Any:
        community = config.community(community_id)
        return community.permissions if community else config.permissions

    def lang_for(community_id: str) -> str:
        community = config.community(community_id)
        return community.language if community else "en"

    resolver = RoleResolver(permissions)
    dispatch = dispatch or app.pipeline.process
    specs = list(registry.commands.values())
    adapters: list[Any] = []
    if dc_token:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(token=dc_token, settings=config.discord,
                                       dispatch=dispatch, resolver=resolver,
                                       commands=specs, lang_for=lang_for))
    if tg_token:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(token=tg_token, settings=config.telegram,
                                        dispatch=dispatch, resolver=resolver,
                                        commands=specs, lang_for=lang_for))
    return adapters


class PlatformStopped(DatabaseError):
    """A platform connection ended with an error after start-up (logged with its traceback;
    the CLI prints this one line and exits 1 so a supervisor restarts the process)."""


class InFlight:
    """Counts dispatches still running, so shutdown can wait for them before the final flush.

    discord.py runs every gateway event in its own task; an event that arrived just before
    SIGTERM may still be inside the pipeline when the adapters have stopped. Flushing before
    it finishes would lose it although the gateway already counted it as delivered.
    """

    def __init__(self, dispatch: Any) -> None:
        self._dispatch = dispatch
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    async def __call__(self, event: Any) -> Any:
        self._running += 1
        self._idle.clear()
        try:
            return await self._dispatch(event)
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def wait_idle(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> None:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("shutdown: %d event(s) still in the pipeline after %.0f s; flushing "
                        "what is done", self._running, timeout)


async def run_bot(config: Config) -> None:
    """Run until SIGTERM/SIGINT: build the app, start the platforms, flush on the way out.

    Signals are caught from the very start, so a stop requested while migrations run lets
    them finish and then exits cleanly (status 0) instead of dying half-way.
    """
    from bot.bootstrap import build_app
    from bot.platform.runtime import ActionRouter, PlatformStartError, run_platforms

    dc_token, tg_token = platform_tokens(config)
    stop = asyncio.Event()
    remove_signals = _install_stop_signals(stop)
    try:
        app = await build_app(config)
        try:
            inflight = InFlight(app.pipeline.process)
            adapters = build_adapters(config, app, dc_token, tg_token, inflight)
            app.services["actions"] = ActionRouter([a.executor for a in adapters])
            background = await start_background(app)
            reload_handler = _install_reload(config, app)
            try:
                if stop.is_set():
                    log.warning("stop requested during start-up; exiting before connecting")
                    return
                await run_platforms(adapters, stop=stop, handle_signals=False,
                                    on_shutdown=[inflight.wait_idle, app.pipeline.flush])
            except PlatformStartError as exc:
                raise StartupError(str(exc)) from None
            except Exception as exc:
                log.error("a platform connection failed", exc_info=exc)
                raise PlatformStopped(f"stopped after a platform error: {_one_line(exc)} "
                                      "(details in the log above)") from None
            finally:
                for stop_background in background:
                    await stop_background()
                if reload_handler:
                    reload_handler()
        finally:
            await app.close()
    finally:
        remove_signals()
    log.info("stopped cleanly")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _install_stop_signals(stop: asyncio.Event) -> Any:
    """SIGTERM and SIGINT set ``stop``; returns a function removing the handlers again."""
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            continue
        installed.append(sig)

    def remove() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return remove


async def start_background(app: Any) -> list[Any]:
    """Background workers (scheduler sweeper, scorer warm-up); returns their stop functions.

    Features register starters with ``services.setdefault("background", []).append(fn)``
    where ``fn(app)`` is async and returns an async stop function (or None).
    """
    stops: list[Any] = []
    for start in app.services.get("background", []):
        stop = await start(app)
        if stop is not None:
            stops.append(stop)
    return stops


def _install_reload(config: Config, app: Any) -> Any:
    """SIGHUP re-reads the config file; an invalid file leaves the running config untouched."""
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
