"""Ports of the time features (reminders, announcements, journeys, digests, triggers).

``TimePort`` is implemented by ``bot.lifecycle.service.TimeService`` and found in
``ctx.services["time"]``; ``TimeStore`` is ``bot.storage.repos.time.TimeRepository`` (as
``ctx.uow.time`` in commands and timers) and ``ScheduledStore`` is the scheduler's repository
(``ctx.uow.scheduled``). Handlers never import the adapters, only these shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class PendingLike(Protocol):
    id: int
    kind: str
    owner_id: str | None
    due_at: datetime
    payload: Mapping[str, Any]
    recurrence: str | None
    timezone: str | None


class ScheduledStore(Protocol):
    async def schedule(self, **kwargs: Any) -> int: ...

    async def cancel(self, id: int, owner_id: str | None = None, **kwargs: Any) -> bool: ...

    async def list_pending(self, **kwargs: Any) -> list[Any]: ...

    async def count_active(self, **kwargs: Any) -> int: ...

    async def get(self, id: int) -> Any: ...


class TimeStore(Protocol):
    async def last_activity(self, member_id: str, now: datetime) -> datetime | None: ...

    async def first_activity_after(self, member_id: str, after: datetime,
                                   now: datetime) -> datetime | None: ...

    async def silent_members(self, cutoff: datetime, now: datetime,
                             limit: int) -> list[Any]: ...

    async def delivered_times(self, member_id: str, since: datetime) -> list[datetime]: ...

    async def record_nudge(self, **values: Any) -> int | None: ...

    async def mark_returns(self, now: datetime, lookback: timedelta,
                           member_id: str | None = None) -> list[Any]: ...

    async def claim_bonus(self, nudge_id: int) -> bool: ...

    async def reply_peers(self, member_id: str, since: datetime, until: datetime,
                          limit: int) -> list[tuple[str, int]]: ...

    async def recent_doings(self, member_ids: Sequence[str], since: datetime,
                            now: datetime) -> dict[str, dict[str, Any]]: ...

    async def display_names(self, member_ids: Iterable[str]) -> dict[str, str]: ...

    async def member_channels(self, member_id: str, since: datetime, until: datetime,
                              limit: int = 3) -> list[str]: ...

    async def new_members(self, since: datetime, until: datetime,
                          limit: int) -> tuple[int, list[str]]: ...

    async def top_contributors(self, since: datetime, until: datetime,
                               limit: int) -> list[tuple[str, int]]: ...

    async def stage_ups(self, since: datetime, until: datetime) -> list[tuple[str, str, str]]: ...

    async def badges_awarded(self, since: datetime, until: datetime) -> list[tuple[str, str]]: ...

    async def highlight_candidates(self, since: datetime, until: datetime,
                                   limit: int = 200) -> list[dict[str, Any]]: ...

    async def set_digest_subscription(self, member_id: str, on: bool, now: datetime) -> bool: ...

    async def is_digest_subscriber(self, member_id: str) -> bool: ...

    async def digest_subscribers(self, limit: int) -> list[tuple[str, str | None]]: ...

    async def answered(self, channel_id: str, asker: str, message_id: str,
                       asked_at: datetime, now: datetime) -> bool: ...

    async def trigger_fires(self, since: datetime
                            ) -> list[tuple[str, str, str | None, datetime]]: ...

    async def has_posted(self, member_id: str, channel_id: str, before: datetime,
                         exclude_key: str | None = None) -> bool: ...


class TimePort(Protocol):
    """Process-wide services of the time features (``ctx.services["time"]``)."""

    def next_fires(self, cron: str, timezone: str | None, after: datetime,
                   count: int) -> list[datetime]:
        """The next ``count`` fire times of a cron schedule in ``timezone`` (UTC)."""
        ...

    def check_cron(self, cron: str, timezone: str | None) -> str | None:
        """``None`` if the schedule can be used, else what is wrong (one sentence)."""
        ...

    def cached(self, owner: object, key: str, build: Callable[[], T]) -> T:
        """A value built once per ``owner`` object (a settings section) and ``key``; rebuilt
        when the owner is replaced (config reload)."""
        ...

    def memory(self, key: str, build: Callable[[], T]) -> T:
        """A process-wide object kept under ``key`` (e.g. a community's trigger caps)."""
        ...

    def reading(self, community_id: str) -> AbstractAsyncContextManager[TimeStore]:
        """A short read-only session on committed data, for the rare event that must query."""
        ...
