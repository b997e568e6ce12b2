"""``hearth run``: the long-running bot process (platform adapters + scheduler).

Discord and Telegram share one asyncio loop with the pipeline; either may be absent.
SIGTERM/SIGINT (caught from the very start): events already received finish while the
clients are still open, then the adapters stop (intake off, actions drained, connections
closed), anything still in the pipeline finishes, the batch writer flushes, exit status 0.
Exit 2 means the operator must change something first (config, token, intents); exit 1 is a
failure a restart may cure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from typing import Any

from bot.config import Config
from bot.storage.engine import DatabaseError

log = logging.getLogger("hearth.run")
SHUTDOWN_WAIT_SECONDS = 10.0  # longest wait for in-flight events before the final flush
SETTLE_SECONDS = 10.0  # at SIGTERM, longest wait for received events before closing clients
QUIET_SECONDS = 0.2  # ... which counts as done once the pipeline was idle this long


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
    """Counts dispatches still running, so shutdown can wait for them.

    discord.py runs every gateway event in its own task, and PTB hands queued updates over
    one after another; an event that arrived just before SIGTERM may still be inside the
    pipeline (a first message can wait seconds for a model to load) or next in line.
    Stopping the clients or flushing before it is through would lose an event the platform
    already counts as delivered.
    """

    def __init__(self, dispatch: Any, clock: Any = time.monotonic) -> None:
        self._dispatch = dispatch
        self._clock = clock
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.last_activity = clock()

    @property
    def running(self) -> int:
        return self._running

    async def __call__(self, event: Any) -> Any:
        self._running += 1
        self._idle.clear()
        self.last_activity = self._clock()
        try:
            return await self._dispatch(event)
        finally:
            self._running -= 1
            self.last_activity = self._clock()
            if not self._running:
                self._idle.set()

    async def wait_idle(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> bool:
        """Wait until nothing is running; False (and a warning) after ``timeout``."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("shutdown: %d event(s) still in the pipeline after %.0f s; going on",
                        self._running, timeout)
            return False
        return True

    async def settle(self, quiet: float = QUIET_SECONDS,
                     timeout: float = SETTLE_SECONDS) -> bool:
        """Wait until nothing has run for ``quiet`` seconds (a queue of received events is
        drained one by one, so "idle for an instant" is not enough); give up at ``timeout``."""
        deadline = self._clock() + timeout
        while True:
            left = deadline - self._clock()
            if left <= 0 or not await self.wait_idle(left):
                return False
            calm = self._clock() - self.last_activity
            if calm >= quiet and self._running == 0:
                return True
            await asyncio.sleep(min(quiet - calm, max(0.0, deadline - self._clock())) or 0.01)


async def run_bot(config: Config) -> None:
    """Run until SIGTERM/SIGINT: build the app, start the platforms, flush on the way out.

    Signals are caught from the very start, so a stop requested while migrations run lets
    them finish and then exits cleanly (status 0) instead of dying half-way.
    """
    from bot.bootstrap import build_app
    from bot.platform.runtime import ActionRouter, PlatformStartError, run_platforms

    dc_token, tg_token = platform_tokens(config)
    requested = asyncio.Event()
    remove_signals = _install_stop_signals(requested)
    try:
        app = await build_app(config)
        try:
            inflight = InFlight(app.pipeline.process)
            adapters = build_adapters(config, app, dc_token, tg_token, inflight)
            app.services["actions"] = ActionRouter([a.executor for a in adapters])
            background: list[Any] = []

            async def start_workers() -> None:
                background.extend(await start_background(app))
            reload_handler = _install_reload(config, app)
            stop = asyncio.Event()
            relay = asyncio.ensure_future(_settle_then_stop(requested, inflight, stop))
            try:
                if requested.is_set():
                    log.warning("stop requested during start-up; exiting before connecting")
                    return
                await run_platforms(adapters, stop=stop, handle_signals=False,
                                    on_started=[start_workers],
                                    on_shutdown=[inflight.wait_idle, app.pipeline.flush])
            except PlatformStartError as exc:
                raise StartupError(str(exc)) from None
            except Exception as exc:
                known = refusal_message(exc)
                if known is not None:
                    raise StartupError(known) from None
                log.error("a platform connection failed", exc_info=exc)
                raise PlatformStopped(f"stopped after a platform error: {_one_line(exc)} "
                                      "(details in the log above)") from None
            finally:
                relay.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay
                for stop_background in background:
                    await stop_background()
                if reload_handler:
                    reload_handler()
        finally:
            await app.close()
    finally:
        remove_signals()
    log.info("stopped cleanly")


# Gateway close codes that no reconnect can fix: the operator must change something.
DISCORD_CLOSE_CODES = {
    4004: "Discord rejected HEARTH_DISCORD_TOKEN at the gateway (close code 4004); reset the "
          "token in Developer Portal > Bot and set the variable again.",
    4010: "Discord refused this process's shard (close code 4010): check [discord] shard_ids "
          "and shard_count.",
    4011: "Discord requires sharding for this bot (close code 4011): set [discord] "
          "shard_count (see README, Deploy: sharding).",
    4012: "Discord refused the gateway API version (close code 4012): check [discord] "
          "gateway_url.",
    4013: "Discord refused the requested intents as invalid (close code 4013).",
    4014: "Discord refused the privileged intents (close code 4014): enable them in Developer "
          "Portal > Bot, or set [discord] message_content = false / members_intent = false.",
}


def refusal_message(exc: BaseException) -> str | None:
    """A one-line explanation for a platform refusing the bot for good, else None."""
    import sys

    discord = sys.modules.get("discord")
    if discord is not None and isinstance(exc, discord.ConnectionClosed):
        return DISCORD_CLOSE_CODES.get(exc.code)
    return None


async def _settle_then_stop(requested: asyncio.Event, inflight: InFlight,
                            stop: asyncio.Event) -> None:
    """On SIGTERM, let events already received finish while the platform clients are still
    open (their replies and DMs can still be sent), then stop the adapters."""
    await requested.wait()
    log.info("stopping: finishing the events already received (%d in the pipeline)",
             inflight.running)
    await inflight.settle()
    stop.set()


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
