"""Units of work.

Events (high volume) get an ``EventUnitOfWork`` that stages writes for the batch writer: the
handler's writes land atomically with the event's activity row, or not at all. Commands (rare,
need read-your-writes and race safety such as purchases) get a ``CommandUnitOfWork`` with a
real transaction; the pipeline flushes pending batches first so commands see every event.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.batch import StagedEvent
from bot.storage.cache import StateCache
from bot.storage.repositories import Repositories


def evidence_hash(evidence: Any) -> str | None:
    if evidence is None:
        return None
    payload = json.dumps(evidence, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Staging:
    """Write methods shared by both units of work (they differ in where writes go)."""

    community_id: str
    now: datetime
    staged: StagedEvent

    def record_activity(self, **row: Any) -> None:
        row.setdefault("community_id", self.community_id)
        row.setdefault("event_key", self.staged.event_key)
        row.setdefault("length", len(row.get("text") or ""))
        for name, default in (("points", 0), ("amount", 0.0), ("deleted", False),
                              ("channel_id", None), ("message_id", None), ("text", None),
                              ("target_member_id", None), ("thread_id", None)):
            row.setdefault(name, default)
        self.staged.activity = row

    def add_ledger(self, member_id: str, delta: int, *, reason: str, category: str = "activity",
                   source_key: str | None = None, lifetime_delta: int | None = None,
                   actor_id: str | None = None, note: str | None = None,
                   at: datetime | None = None) -> None:
        """One ledger row plus the matching counter deltas (balance, lifetime)."""
        lifetime = delta if lifetime_delta is None else lifetime_delta
        self.staged.ledger.append({
            "community_id": self.community_id, "member_id": member_id, "delta": delta,
            "lifetime_delta": lifetime, "category": category, "reason": reason,
            "source_key": source_key or self.staged.event_key, "actor_id": actor_id,
            "note": note, "at": at or self.now,
        })
        self.staged.add_stats(member_id, balance=delta, lifetime=lifetime)

    def add_stats(self, member_id: str, **changes: Any) -> None:
        self.staged.add_stats(member_id, **changes)

    def set_activity_points(self, points: int) -> None:
        """Record on this event's own activity row (staged by the activity handler) the
        points it earned, so reports can read them without joining the ledger."""
        if self.staged.activity is not None:
            self.staged.activity["points"] = points

    def saw_member(self, member_id: str, at: datetime, *, name: str = "",
                   joined: bool = False, left: bool = False,
                   counters: dict[str, Any] | None = None) -> None:
        """Record a sighting (first/last seen, name) plus optional counter increments."""
        self.staged.members.append({
            "community_id": self.community_id, "member_id": member_id, "display_name": name,
            "first_seen": None if left else at, "last_seen": None if left else at,
            "joined_at": at if joined else None, "left_at": at if left else None,
        })
        if not left:
            self.staged.add_stats(member_id, first_seen=at, last_seen=at, **(counters or {}))
        elif counters:
            self.staged.add_stats(member_id, **counters)

    def award_badge(self, member_id: str, badge_id: str, at: datetime | None = None) -> None:
        self.staged.badges.append({"community_id": self.community_id, "member_id": member_id,
                                   "badge_id": badge_id, "awarded_at": at or self.now})

    def schedule(self, kind: str, due_at: datetime, payload: dict[str, Any] | None = None, *,
                 idempotency_key: str | None = None, recurrence: str | None = None,
                 timezone: str | None = None, missed_policy: str = "once",
                 owner_id: str | None = None) -> None:
        """Stage a due item (timer, reminder, SLA) written atomically with this unit of work.

        With an ``idempotency_key`` scheduling the same thing twice keeps the first row.
        """
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        self.staged.scheduled.append({
            "community_id": self.community_id, "kind": kind, "due_at": due_at,
            "payload": payload or {}, "status": "pending", "attempts": 0, "last_error": None,
            "idempotency_key": idempotency_key, "recurrence": recurrence,
            "timezone": timezone, "missed_policy": missed_policy, "owner_id": owner_id,
            "claimed_by": None, "claimed_at": None, "created_at": self.now,
            "updated_at": self.now,
        })

    def audit(self, actor_id: str, action: str, *, target_id: str | None = None,
              reason: str = "", evidence: Any = None, details: dict | None = None) -> None:
        self.staged.audit.append({
            "community_id": self.community_id, "at": self.now, "actor_id": actor_id,
            "action": action, "target_id": target_id, "reason": reason[:500],
            "evidence_hash": evidence_hash(evidence), "details": details,
        })


class EventUnitOfWork(_Staging):
    def __init__(self, community_id: str, now: datetime, staged: StagedEvent,
                 cache: StateCache, sessions: async_sessionmaker, writer: Any):
        self.community_id = community_id
        self.now = now
        self.staged = staged
        self.cache = cache
        self._sessions = sessions
        self._writer = writer
        self._session: AsyncSession | None = None
        self.repos: Repositories | None = None

    async def state(self, member_id: str) -> Any:
        """Cached per-member state (growth), loaded from member_stats on a miss."""
        return await self.cache.get(self.community_id, member_id)

    def mark_dirty(self, member_id: str) -> None:
        """Persist the member's cached state (absolute fields) with this event."""
        fields = self.cache.persisted_fields(self.community_id, member_id)
        if fields:
            self.staged.add_stats(member_id, **fields)

    async def read(self) -> Repositories:
        """Read access for the rare event handler that must query (after a flush)."""
        if self.repos is None:
            if len(self._writer):
                await self._writer.flush()
            self._session = self._sessions()
            self.repos = Repositories(self._session, self.community_id)
        return self.repos

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class CommandUnitOfWork(_Staging):
    """A transaction for one command; staged rows are written in it at commit."""

    def __init__(self, community_id: str, now: datetime, session: AsyncSession,
                 cache: StateCache, event_key: str):
        self.community_id = community_id
        self.now = now
        self.session = session
        self.cache = cache
        self.staged = StagedEvent(community_id, event_key)
        self.repos = Repositories(session, community_id)
        self.touched: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        from bot.storage.repos import feature_repositories

        cls = feature_repositories().get(name)
        if cls is not None:
            repo = cls(self.session, self.community_id)
            setattr(self, name, repo)
            return repo
        return getattr(self.repos, name)

    async def state(self, member_id: str) -> Any:
        return await self.cache.get(self.community_id, member_id)

    def mark_dirty(self, member_id: str) -> None:
        fields = self.cache.persisted_fields(self.community_id, member_id)
        if fields:
            self.staged.add_stats(member_id, **fields)

    async def read(self) -> Repositories:
        return self.repos

    async def commit(self) -> None:
        from bot.storage.direct import write_staged

        await write_staged(self.session, self.staged)
        await self.session.commit()
        # Counters changed under the cache: drop affected members so they reload.
        for community_id, member_id in self.staged.stats:
            self.cache.invalidate(community_id, member_id)

    async def rollback(self) -> None:
        await self.session.rollback()
