"""A small fake unit of work for handler tests (no database, no event loop tricks).

Why a fake built on the real staging code: handlers write through ``record_activity``,
``add_ledger``, ``add_stats``, ``saw_member``, ``award_badge`` and ``audit``. The fake reuses
the exact staging methods of ``bot.storage.uow`` (same defaults, same counter arithmetic), so a
handler test checks what the batch writer would receive, and reads come from in-memory dicts
seeded by the test plus whatever the handler staged.

Use::

    from tests.fakes import FakeUnitOfWork, make_context

    uow = FakeUnitOfWork("console:demo", now)
    ctx = make_context(uow, settings=community_settings)   # handlers.ports.Context
    actions = await handler(event, ctx)
    assert uow.ledger == [...] and uow.stats_of("console:alice")["messages"] == 1
    assert uow.recorded()["audit"][0]["action"] == "warn"
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from bot.storage.batch import StagedEvent
from bot.storage.batch_columns import COUNTERS
from bot.storage.cache import DictCodec, StateCodec
from bot.storage.uow import _Staging
from handlers.ports import Context


class FakeRepositories:
    """The queries of ``bot.storage.repositories.Repositories``, answered from memory."""

    def __init__(self, uow: FakeUnitOfWork):
        self._uow = uow

    # -- members ---------------------------------------------------------------------------
    async def member(self, member_id: str) -> dict[str, Any] | None:
        row = self._uow.member_rows().get(member_id)
        return None if row is None else dict(row)

    async def find_member(self, needle: str) -> dict[str, Any] | None:
        needle = needle.strip().lstrip("@")
        if not needle:
            return None
        for member_id, row in self._uow.member_rows().items():
            if (member_id == needle or member_id.endswith(f":{needle}")
                    or str(row.get("display_name", "")).lower() == needle.lower()):
                return dict(row)
        return None

    async def set_member_field(self, member_id: str, **values: Any) -> None:
        seed = self._uow.seed_members
        seed.setdefault(member_id, _member_row(self._uow.community_id, member_id))
        seed[member_id].update(values)

    # -- stats and ranking -----------------------------------------------------------------
    async def stats(self, member_id: str) -> dict[str, Any] | None:
        rows = self._uow.stats_rows()
        return dict(rows[member_id]) if member_id in rows else None

    async def rank_of(self, member_id: str, lifetime: int) -> tuple[int, int]:
        rows = self._uow.stats_rows()
        higher = sum(1 for row in rows.values() if row.get("lifetime", 0) > lifetime)
        return higher + 1, len(rows)

    async def top(self, limit: int = 10,
                  since: datetime | None = None) -> list[tuple[str, str, int]]:
        names = {m: r.get("display_name") or m for m, r in self._uow.member_rows().items()}
        if since is None:
            points = {m: int(r.get("lifetime", 0)) for m, r in self._uow.stats_rows().items()}
        else:
            points = {}
            for row in self._uow.all_ledger():
                if row["at"] >= since:
                    points[row["member_id"]] = points.get(row["member_id"], 0) + row[
                        "lifetime_delta"]
        ranked = sorted(((m, p) for m, p in points.items() if p > 0),
                        key=lambda item: (-item[1], item[0]))
        return [(m, names.get(m, m), p) for m, p in ranked[:limit]]

    async def points_by_category(self, member_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self._uow.all_ledger():
            if row["member_id"] == member_id:
                out[row["category"]] = out.get(row["category"], 0) + row["lifetime_delta"]
        return out

    async def ledger_sum(self, member_id: str) -> tuple[int, int]:
        rows = [r for r in self._uow.all_ledger() if r["member_id"] == member_id]
        return sum(r["delta"] for r in rows), sum(r["lifetime_delta"] for r in rows)

    # -- activity --------------------------------------------------------------------------
    async def message(self, message_id: str) -> dict[str, Any] | None:
        for row in self._uow.all_activity():
            if row.get("event_key") == f"m:{message_id}":
                return dict(row)
        return None

    async def ledger_for_source(self, source_key: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self._uow.all_ledger() if r["source_key"] == source_key]

    # -- badges and audit ------------------------------------------------------------------
    async def badges(self, member_id: str) -> list[tuple[str, datetime]]:
        rows = [*self._uow.seed_badges, *self._uow.staged.badges]
        found = sorted((r["awarded_at"], r["badge_id"]) for r in rows
                       if r["member_id"] == member_id)
        return [(badge, at) for at, badge in found]

    async def audit_entries(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in reversed(self._uow.staged.audit)][:limit]


class FakeUnitOfWork(_Staging):
    """Records everything a handler stages; ``state()`` returns the member's cached state.

    Seed reads with ``members`` / ``stats`` (``{member_id: row}``), ``ledger_rows`` and
    ``activity_rows`` (lists of rows), ``states`` (member -> state); badges via
    ``seed_badges``. Repository queries (``uow.stats(m)``, ``uow.top()`` …) answer from the
    seed plus what was staged, as the real command unit of work would after its writes.
    """

    def __init__(self, community_id: str = "console:demo", now: datetime | None = None, *,
                 event_key: str = "test:1", codec: StateCodec | None = None,
                 members: dict[str, dict[str, Any]] | None = None,
                 stats: dict[str, dict[str, Any]] | None = None,
                 ledger_rows: list[dict[str, Any]] | None = None,
                 activity_rows: list[dict[str, Any]] | None = None,
                 states: dict[str, Any] | None = None):
        from datetime import UTC

        self.community_id = community_id
        self.now = now or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        self.staged = StagedEvent(community_id, event_key)
        self.codec: StateCodec = codec or DictCodec()
        self.seed_members: dict[str, dict[str, Any]] = {
            m: {**_member_row(community_id, m), **row} for m, row in (members or {}).items()}
        self.seed_stats: dict[str, dict[str, Any]] = {
            m: dict(r) for m, r in (stats or {}).items()}
        self.seed_ledger: list[dict[str, Any]] = list(ledger_rows or [])
        self.seed_activity: list[dict[str, Any]] = list(activity_rows or [])
        self.seed_badges: list[dict[str, Any]] = []
        self.states: dict[str, Any] = dict(states or {})
        self.dirty: list[str] = []
        self.committed = 0
        self.rolled_back = 0
        self.repos = FakeRepositories(self)

    # -- what the handler staged -----------------------------------------------------------
    @property
    def activity(self) -> dict[str, Any] | None:
        return self.staged.activity

    @property
    def ledger(self) -> list[dict[str, Any]]:
        return self.staged.ledger

    @property
    def staged_stats(self) -> dict[str, dict[str, Any]]:
        """Counter deltas and absolute fields per member, as the batch writer gets them."""
        return {member: dict(row) for (_c, member), row in self.staged.stats.items()}

    @property
    def seen(self) -> list[dict[str, Any]]:
        return self.staged.members

    @property
    def staged_badges(self) -> list[dict[str, Any]]:
        return self.staged.badges

    @property
    def audit_log(self) -> list[dict[str, Any]]:
        return self.staged.audit

    def stats_of(self, member_id: str) -> dict[str, Any]:
        """Staged changes of one member (``{}`` when none)."""
        return self.staged_stats.get(member_id, {})

    def recorded(self) -> dict[str, Any]:
        """Everything staged, as plain data (handy for ``assert uow.recorded() == {...}``)."""
        return copy.deepcopy({
            "activity": self.staged.activity, "ledger": self.staged.ledger,
            "stats": self.staged_stats, "members": self.staged.members,
            "badges": self.staged.badges, "audit": self.staged.audit, "dirty": self.dirty,
        })

    def points(self, member_id: str) -> int:
        """Sum of staged ledger deltas for ``member_id``."""
        return sum(r["delta"] for r in self.staged.ledger if r["member_id"] == member_id)

    # -- the unit-of-work port -------------------------------------------------------------
    async def state(self, member_id: str) -> Any:
        if member_id not in self.states:
            row = self.seed_stats.get(member_id)
            self.states[member_id] = self.codec.load(
                None if row is None else {"community_id": self.community_id,
                                          "member_id": member_id, **row})
        return self.states[member_id]

    def mark_dirty(self, member_id: str) -> None:
        self.dirty.append(member_id)
        state = self.states.get(member_id)
        fields = {} if state is None else self.codec.persisted_fields(state)
        if fields:
            self.staged.add_stats(member_id, **fields)

    async def read(self) -> FakeRepositories:
        return self.repos

    async def commit(self) -> None:
        self.committed += 1

    async def rollback(self) -> None:
        self.rolled_back += 1
        self.staged = StagedEvent(self.community_id, self.staged.event_key)

    async def close(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        # Command handlers call repository queries on the unit of work (``uow.stats(...)``).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__dict__["repos"], name)

    # -- reads combine the seed with what was staged ---------------------------------------
    def member_rows(self) -> dict[str, dict[str, Any]]:
        rows = {m: dict(r) for m, r in self.seed_members.items()}
        for seen in self.staged.members:
            row = rows.setdefault(seen["member_id"],
                                  _member_row(self.community_id, seen["member_id"]))
            for key, value in seen.items():
                if value not in (None, "") and not (key == "joined_at" and row.get(key)):
                    row[key] = value
        return rows

    def stats_rows(self) -> dict[str, dict[str, Any]]:
        rows = {m: dict(r) for m, r in self.seed_stats.items()}
        for member, delta in self.staged_stats.items():
            row = rows.setdefault(member, {"lifetime": 0, "balance": 0, "messages": 0})
            for key, value in delta.items():
                if key in COUNTERS:
                    row[key] = row.get(key, 0) + value
                else:
                    row[key] = value
        return rows

    def all_ledger(self) -> list[dict[str, Any]]:
        return [*self.seed_ledger, *self.staged.ledger]

    def all_activity(self) -> list[dict[str, Any]]:
        staged = [self.staged.activity] if self.staged.activity else []
        return [*self.seed_activity, *staged]


def _member_row(community_id: str, member_id: str) -> dict[str, Any]:
    return {"community_id": community_id, "member_id": member_id, "display_name": "",
            "person_id": None, "language": None, "timezone": None, "joined_at": None,
            "left_at": None, "first_seen": None, "last_seen": None, "nudges_opt_out": False,
            "anonymised": False}


def make_context(uow: FakeUnitOfWork, *, settings: Any = None, lang: str = "en",
                 services: dict[str, Any] | None = None) -> Context:
    """A handler ``Context`` around ``uow`` (``now`` and community taken from it)."""
    return Context(now=uow.now, community_id=uow.community_id, settings=settings, lang=lang,
                   uow=uow, services=services or {})
