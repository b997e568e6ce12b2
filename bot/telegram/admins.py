"""A short-lived cache of chat member statuses.

Roles on Telegram come from ``getChatMember`` (creator/administrator); asking on every
command would cost a round trip each time and hit rate limits in busy groups, while caching
forever would miss a demotion. A TTL of about a minute is the compromise.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ChatStatusCache:
    """(chat id, user id) → status, each entry trusted for ``ttl`` seconds."""

    def __init__(
        self, ttl: float, clock: Callable[[], float] = time.monotonic, max_size: int = 10_000
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max = max_size
        self._entries: dict[tuple[int, int], tuple[float, str]] = {}

    def get(self, chat_id: int, user_id: int) -> str | None:
        entry = self._entries.get((chat_id, user_id))
        if entry is None:
            return None
        stored_at, status = entry
        if self._clock() - stored_at >= self.ttl:
            del self._entries[(chat_id, user_id)]
            return None
        return status

    def put(self, chat_id: int, user_id: int, status: str) -> None:
        if len(self._entries) >= self._max:
            now = self._clock()
            for key in [k for k, (at, _) in self._entries.items() if now - at >= self.ttl]:
                del self._entries[key]
            if len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
        self._entries[(chat_id, user_id)] = (self._clock(), status)

    def forget(self, chat_id: int, user_id: int) -> None:
        self._entries.pop((chat_id, user_id), None)
