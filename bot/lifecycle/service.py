"""``TimeService``: the ``handlers.lifecycle_ports.TimePort`` in ``services["time"]``.

Holds what must live once per process: cron evaluation (APScheduler triggers, cached by
``bot.scheduler.recurrence``), per-settings compiled rules (the triggers), per-community
memories (trigger caps) and short read sessions for the rare event handler that must query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from bot.scheduler import recurrence
from bot.storage.repos.time import TimeRepository

T = TypeVar("T")


class TimeService:
    def __init__(self) -> None:
        self.sessions: Any = None
        self._cached: dict[tuple[int, str], tuple[object, Any]] = {}
        self._memories: dict[str, Any] = {}

    def bind(self, sessions: Any) -> None:
        self.sessions = sessions

    # -- cron --------------------------------------------------------------------------------
    def next_fires(self, cron: str, timezone: str | None, after: datetime,
                   count: int) -> list[datetime]:
        return recurrence.upcoming(recurrence.normalise(cron), timezone, after, count)

    def check_cron(self, cron: str, timezone: str | None) -> str | None:
        return recurrence.validate(cron, timezone)

    # -- caches --------------------------------------------------------------------------------
    def cached(self, owner: object, key: str, build: Callable[[], T]) -> T:
        slot = (id(owner), key)
        hit = self._cached.get(slot)
        if hit is not None and hit[0] is owner:
            return hit[1]  # type: ignore[no-any-return]
        value = build()
        # Keyed by identity and holding the owner, so its id cannot be reused while cached.
        self._cached[slot] = (owner, value)
        if len(self._cached) > 4096:  # config reloads leave old entries behind
            self._cached.pop(next(iter(self._cached)))
        return value

    def memory(self, key: str, build: Callable[[], T]) -> T:
        found = self._memories.get(key)
        if found is None:
            found = self._memories[key] = build()
        return found  # type: ignore[no-any-return]

    # -- reads ---------------------------------------------------------------------------------
    @asynccontextmanager
    async def reading(self, community_id: str) -> AsyncIterator[TimeRepository]:
        if self.sessions is None:
            raise RuntimeError("TimeService is not bound to a database (bind(app.sessions))")
        async with self.sessions() as session:
            yield TimeRepository(session, community_id)
