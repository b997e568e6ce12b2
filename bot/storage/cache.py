"""In-memory cache of per-member state for the hot path.

The growth rules need a little state per member (last award time, recent text fingerprints,
today's points, streak) on every message. Reading it from the database per message would cap
throughput at a few thousand messages per second, so it is cached here and persisted as
absolute fields with the member's counters when an event marks it dirty. The database stays
the source of truth: on a miss (or after a failed flush) the state is rebuilt from the
``member_stats`` row.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.models import MemberStats


class StateCodec(Protocol):
    """How a feature turns a member_stats row into state and back."""

    def load(self, row: dict[str, Any] | None) -> Any: ...

    def persisted_fields(self, state: Any) -> dict[str, Any]: ...


class DictCodec:
    """Default codec: the row itself as a dict (enough for counting and tests)."""

    def load(self, row: dict[str, Any] | None) -> Any:
        return dict(row or {})

    def persisted_fields(self, state: Any) -> dict[str, Any]:
        return {}


_COLUMNS = [c.name for c in MemberStats.__table__.columns]


class StateCache:
    def __init__(self, sessions: async_sessionmaker, *, capacity: int = 200_000,
                 codec: StateCodec | None = None):
        self._sessions = sessions
        self.capacity = capacity
        self.codec: StateCodec = codec or DictCodec()
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.pending_check: Callable[[str, str], bool] = lambda c, m: False

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, community_id: str, member_id: str) -> Any:
        key = (community_id, member_id)
        state = self._items.get(key)
        if state is not None:
            self.hits += 1
            self._items.move_to_end(key)
            return state
        self.misses += 1
        await self.prefetch([key])
        return self._items[key]

    async def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Load every missing member of ``keys`` with one query per chunk."""
        missing = list(dict.fromkeys(k for k in keys if k not in self._items))
        if not missing:
            return
        table = MemberStats.__table__
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        async with self._sessions() as session:
            for start in range(0, len(missing), 400):
                chunk = missing[start:start + 400]
                result = await session.execute(
                    select(table).where(tuple_(table.c.community_id, table.c.member_id)
                                        .in_(chunk))
                )
                for row in result.mappings():
                    rows[(row["community_id"], row["member_id"])] = dict(row)
        for key in missing:
            self._put(key, self.codec.load(rows.get(key)))

    def _put(self, key: tuple[str, str], state: Any) -> None:
        self._items[key] = state
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def persisted_fields(self, community_id: str, member_id: str) -> dict[str, Any]:
        state = self._items.get((community_id, member_id))
        return {} if state is None else self.codec.persisted_fields(state)

    def invalidate(self, community_id: str, member_id: str) -> None:
        self._items.pop((community_id, member_id), None)

    def clear(self) -> None:
        self._items.clear()
