"""The seam between the platform adapters and the pipeline, and the one-process run loop.

An adapter turns platform events into ``domain.events`` values, awaits ``dispatch(event)``
(the pipeline: registry, unit of work, handlers) and executes the returned actions through its
platform's API. Roles are resolved here from config so Discord and Telegram feed the handler
layer one permission matrix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from bot.platform.config import PermissionSettings
from domain.actions import Action
from domain.events import Event, platform_of

log = logging.getLogger("hearth.platform")

ROLES = frozenset({"member", "moderator", "admin", "expert"})


class Dispatch(Protocol):
    """The pipeline as the adapters see it: one event in, the actions to execute out."""

    async def __call__(self, event: Event) -> list[Action]: ...


@runtime_checkable
class ActionExecutor(Protocol):
    """Carries out actions on one platform.

    ``origin`` is the event that caused them, if any (a reminder has none); executors use it
    for context such as replying in the thread the event came from. Failures are logged,
    never raised: one bad action must not stop the others or event intake.
    """

    platform: str

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None: ...


class PlatformAdapter(Protocol):
    """A running platform connection (Discord or Telegram)."""

    platform: str
    executor: ActionExecutor

    async def start(self) -> None:
        """Connect and begin delivering events; raises ``PlatformStartError`` on bad setup."""

    async def stop(self) -> None:
        """Stop intake, finish in-flight actions, close connections. Safe to call twice."""

    async def wait_stopped(self) -> None:
        """Return when the adapter stopped by itself (raises its fatal error, if any)."""


class PlatformStartError(RuntimeError):
    """The adapter could not start for a reason the operator must fix (token, intents...).

    The message is complete and user-facing; the CLI prints it without a traceback.
    """


PermissionLookup = Callable[[str], PermissionSettings]


class RoleResolver:
    """Maps a platform member to Hearth's neutral roles in one community, from config.

    ``permissions`` is either a mapping of community id (``dc:<guild>``, ``tg:<chat>``) to
    :class:`PermissionSettings` (``default`` used for others) or a function doing that lookup,
    so the lead's per-community override system can be plugged in directly.
    """

    def __init__(
        self,
        permissions: Mapping[str, PermissionSettings] | PermissionLookup | None = None,
        default: PermissionSettings | None = None,
    ) -> None:
        fallback = default or PermissionSettings()
        if permissions is None:
            self._lookup: PermissionLookup = lambda _community: fallback
        elif callable(permissions):
            self._lookup = permissions
        else:
            table = dict(permissions)
            self._lookup = lambda community: table.get(community, fallback)

    def settings_for(self, community_id: str) -> PermissionSettings:
        return self._lookup(community_id)

    def discord_roles(
        self,
        community_id: str,
        *,
        role_ids: Iterable[int],
        permission_names: Iterable[str],
        is_owner: bool = False,
    ) -> frozenset[str]:
        """Roles of a Discord member from their role ids and (channel) permissions."""
        cfg = self._lookup(community_id)
        ids = {int(r) for r in role_ids}
        perms = set(permission_names)
        roles = {"member"}
        if is_owner or ids & set(cfg.discord_admin_role_ids) or perms & set(
            cfg.discord_admin_permissions
        ):
            roles.add("admin")
        if ids & set(cfg.discord_moderator_role_ids) or perms & set(
            cfg.discord_moderator_permissions
        ):
            roles.add("moderator")
        if ids & set(cfg.discord_expert_role_ids):
            roles.add("expert")
        return frozenset(roles)

    def telegram_roles(
        self, community_id: str, *, user_id: int, chat_status: str | None
    ) -> frozenset[str]:
        """Roles of a Telegram user from configured ids and their chat status.

        ``chat_status`` is the Bot API ``ChatMember.status`` (``creator``, ``administrator``,
        ``member``...) or None when unknown.
        """
        cfg = self._lookup(community_id)
        roles = {"member"}
        if chat_status == "creator":
            roles.add(cfg.telegram_chat_creator_role)
        elif chat_status == "administrator":
            roles.add(cfg.telegram_chat_admin_role)
        if user_id in cfg.telegram_admin_user_ids:
            roles.add("admin")
        if user_id in cfg.telegram_moderator_user_ids:
            roles.add("moderator")
        if user_id in cfg.telegram_expert_user_ids:
            roles.add("expert")
        return frozenset(roles)


class ActionRouter:
    """An :class:`ActionExecutor` for actions not tied to an incoming event (reminders,
    digests, SLA pages): each action goes to the executor of its community's platform."""

    platform = "any"

    def __init__(self, executors: Iterable[ActionExecutor]) -> None:
        self._by_platform = {e.platform: e for e in executors}

    @property
    def platforms(self) -> frozenset[str]:
        """Platforms with a running executor (``discord``, ``telegram``)."""
        return frozenset(self._by_platform)

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None:
        batches: dict[str, list[Action]] = {}
        for action in actions:
            try:
                platform = platform_of(action.community_id)
            except ValueError as exc:
                log.warning("dropping %s: %s", type(action).__name__, exc)
                continue
            batches.setdefault(platform, []).append(action)
        for platform, batch in batches.items():
            executor = self._by_platform.get(platform)
            if executor is None:
                log.warning(
                    "dropping %d action(s) for %s: that platform is not running",
                    len(batch), platform,
                )
                continue
            await executor.execute(batch, origin=origin)


async def run_platforms(
    adapters: Sequence[PlatformAdapter],
    *,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    on_started: Sequence[Callable[[], Awaitable[None]]] = (),
) -> None:
    """Run every adapter in this event loop until SIGTERM/SIGINT, ``stop`` or a fatal error.

    Adapters start in order (a start error stops those already running and is re-raised),
    then ``on_started`` hooks run (background workers);
    shutdown stops them in reverse order, then awaits ``on_shutdown`` hooks (e.g. flushing
    the batch writer) so nothing accepted is lost.
    """
    stop_event = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    if handle_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop_event.set)
                installed.append(sig)
    started: list[PlatformAdapter] = []
    fatal: BaseException | None = None
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter started", adapter.platform)
        # Only now (every client logged in) may work that sends messages start: a scheduled
        # item fired before that would have nobody to deliver its actions.
        for hook in on_started:
            await hook()
        waiters = {
            asyncio.ensure_future(a.wait_stopped()): a for a in started
        }
        stopper = asyncio.ensure_future(stop_event.wait())
        done, _ = await asyncio.wait({stopper, *waiters}, return_when=asyncio.FIRST_COMPLETED)
        for fut in done:
            if fut is stopper:
                continue
            adapter = waiters[fut]
            exc = fut.exception()
            if exc is not None:
                log.error("%s adapter stopped: %s", adapter.platform, exc)
                fatal = exc
            else:
                log.warning("%s adapter stopped by itself", adapter.platform)
        for fut in (stopper, *waiters):
            if not fut.done():
                fut.cancel()
        await asyncio.gather(stopper, *waiters, return_exceptions=True)
    finally:
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("error while stopping the %s adapter", adapter.platform)
        for hook in on_shutdown:
            try:
                await hook()
            except Exception:
                log.exception("error in shutdown hook %r", hook)
        for sig in installed:
            loop.remove_signal_handler(sig)
    if fatal is not None:
        raise fatal
