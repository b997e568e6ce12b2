"""Bookkeeping for actions that could not be carried out.

A bot without "Manage Messages" fails every delete; logging that once per community (with the
permission's name) tells the operator what to fix without flooding the log, and the collected
set is what ``hearth doctor`` reports. Other failures are logged every time with the
community, the action type and the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from domain.actions import Action

log = logging.getLogger("hearth.platform")


class ActionFailures:
    """Per-adapter record of failed actions and missing platform permissions."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._missing: dict[str, set[str]] = {}
        self._warned: set[tuple[str, str]] = set()
        self.failed_count = 0

    def missing_permission(self, community_id: str, permission: str, action: Action) -> None:
        """Log once per (community, permission) that the bot lacks ``permission``."""
        self.failed_count += 1
        self._missing.setdefault(community_id, set()).add(permission)
        key = (community_id, permission)
        if key in self._warned:
            log.debug(
                "%s: %s in %s skipped, still missing permission %s",
                self.platform, type(action).__name__, community_id, permission,
            )
            return
        self._warned.add(key)
        log.warning(
            "%s: bot lacks the %r permission in community %s, so %s cannot be done; grant it "
            "to the bot's role and keep that role above the members it acts on (logged once "
            "per community)",
            self.platform, permission, community_id, type(action).__name__,
        )

    def warn_once(self, community_id: str, key: str, message: str, *args: object) -> None:
        """Log a configuration problem (role above the bot, unsupported action) once."""
        marker = (community_id, key)
        if marker in self._warned:
            return
        self._warned.add(marker)
        log.warning(message, *args)

    def failed(self, community_id: str, action: Action, reason: str) -> None:
        """Log one failed action with where, what and why."""
        self.failed_count += 1
        log.warning(
            "%s: %s in community %s failed: %s",
            self.platform, type(action).__name__, community_id, reason,
        )

    @property
    def missing(self) -> Mapping[str, frozenset[str]]:
        """Community id → platform permissions the bot was found to lack."""
        return {community: frozenset(perms) for community, perms in self._missing.items()}


class BackgroundTasks:
    """Fire-and-forget tasks that are still awaited at shutdown.

    Actions run here so a slow or rate-limited API call never holds up the next incoming
    event; keeping references stops the loop from garbage-collecting running tasks.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: background task failed", self.name, exc_info=task.exception())

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for running tasks (up to ``timeout``), then cancel what is left."""
        if not self._tasks:
            return
        pending = set(self._tasks)
        _, still = await asyncio.wait(pending, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            log.warning("%s: cancelled %d unfinished action task(s) at shutdown",
                        self.name, len(still))
            await asyncio.gather(*still, return_exceptions=True)
