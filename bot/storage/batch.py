"""Batch writer: many events, one transaction.

Why: a levelling bot that commits once per message tops out at a few hundred messages per
second; Hearth buffers what each event wants written (activity row, ledger rows, counter
deltas, member sightings, badge awards, audit rows) and flushes by size or time in a single
transaction with executemany/upserts.

Idempotency lives in the database, not in memory: activity rows are inserted with
ON CONFLICT DO NOTHING … RETURNING, and only the ledger rows and counter deltas of events
whose activity row was really new are applied. Replaying an input, or two processes seeing
the same event, therefore never double-counts. Counters are applied as increments
(``lifetime = lifetime + Δ``), so concurrent processes on PostgreSQL do not lose updates.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, bindparam, case, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage import sqlite_fast
from bot.storage.models import (
    Activity,
    AuditEntry,
    BadgeAward,
    Community,
    LedgerEntry,
    Member,
    MemberStats,
    ScheduledItem,
)

log = logging.getLogger(__name__)


class _Conflict(Exception):
    """Some events of a batch were already stored: the fast path must not apply them."""

from bot.storage.batch_columns import COUNTERS, SETTABLE, SETTABLE_DEFAULTS  # noqa: E402


@dataclass(slots=True)
class StagedEvent:
    """What one event wants written. Applied only if its activity row is new."""

    community_id: str
    event_key: str
    activity: dict[str, Any] | None = None
    ledger: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    badges: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    after_flush: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def add_stats(self, member_id: str, **changes: Any) -> None:
        """Counter increments (COUNTERS) and absolute values (SETTABLE, seen times)."""
        row = self.stats.setdefault((self.community_id, member_id), {})
        for key, value in changes.items():
            if key in COUNTERS:
                row[key] = row.get(key, 0) + value
            else:
                row[key] = value


@dataclass(slots=True)
class FlushReport:
    events: int
    new_events: int
    seconds: float


class BatchWriter:
    """Buffers staged events and writes them in one transaction per flush."""

    def __init__(self, engine: AsyncEngine, *, batch_size: int = 2000,
                 flush_interval_ms: int = 50,
                 on_flush: Callable[[FlushReport], None] | None = None,
                 on_failure: Callable[[list[StagedEvent], BaseException], None] | None = None):
        self.engine = engine
        self.batch_size = batch_size
        self.interval = flush_interval_ms / 1000
        self.on_flush = on_flush
        self.on_failure = on_failure
        self._buffer: list[StagedEvent] = []
        self._keys: set[tuple[str, str]] = set()
        self._communities: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._inflight: asyncio.Task[FlushReport] | None = None
        self.sql = SqlBatch(engine.dialect.name)
        self.flushed_events = 0
        self.skipped_events = 0  # refused by the database, logged one by one
        self.retries = 0  # transactions run again after a deadlock / serialisation failure
        self.last_error: BaseException | None = None

    # -- buffering -------------------------------------------------------------------------
    def ensure_community(self, row: dict[str, Any]) -> None:
        self._communities.setdefault(row["id"], row)

    def is_pending(self, community_id: str, event_key: str) -> bool:
        return (community_id, event_key) in self._keys

    def pending_events(self) -> Iterable[StagedEvent]:
        return iter(self._buffer)

    def __len__(self) -> int:
        return len(self._buffer)

    async def add(self, staged: StagedEvent) -> None:
        self._buffer.append(staged)
        self._keys.add((staged.community_id, staged.event_key))
        if len(self._buffer) >= self.batch_size:
            await self._flush_in_background()
        elif self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later())

    async def _flush_in_background(self) -> None:
        """Start a flush and keep accepting events while the database works.

        At most one flush is in flight: if the previous one is still running we wait for it
        (back-pressure), so memory stays bounded at about two batches.
        """
        await self._wait_inflight()
        self._inflight = asyncio.create_task(self.flush())

    async def _wait_inflight(self) -> None:
        task, self._inflight = self._inflight, None
        if task is None:
            return
        try:
            await task
        except Exception:  # already reported through on_failure / the log
            log.debug("background flush failed", exc_info=True)

    async def _flush_later(self) -> None:
        # Loop: events added while a flush is writing find this timer still alive and are
        # flushed within one more interval instead of waiting for the next event.
        while True:
            await asyncio.sleep(self.interval)
            try:
                # Shielded: close() cancels this timer, and a cancel in the middle of a flush
                # would roll back and drop the batch being written.
                await asyncio.shield(self.flush())
            except Exception:  # reported through on_failure; the timer must not die noisily
                log.exception("timed flush failed")
            if not self._buffer:
                return

    async def close(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        await self._wait_inflight()
        await self.flush()

    # -- flushing --------------------------------------------------------------------------
    async def flush(self) -> FlushReport:
        async with self._lock:
            if not self._buffer and not self._communities:
                return FlushReport(0, 0, 0.0)
            batch, self._buffer = self._buffer, []
            communities, self._communities = self._communities, {}
            self._keys = set()
            started = time.perf_counter()
            try:
                new = await self._write_isolating(batch, communities)
            except BaseException as exc:
                self.last_error = exc
                # The community rows were not written either; keep them for the next flush,
                # otherwise every later member row fails its foreign key.
                for key, row in communities.items():
                    self._communities.setdefault(key, row)
                if self.on_failure is not None:
                    self.on_failure(batch, exc)
                raise
            report = FlushReport(len(batch), new, time.perf_counter() - started)
            self.flushed_events += len(batch)
        for staged in batch:
            for callback in staged.after_flush:
                try:
                    await callback()
                except Exception:
                    log.exception("after-flush callback failed for %s", staged.event_key)
        if self.on_flush is not None:
            self.on_flush(report)
        return report

    async def _write(self, batch: list[StagedEvent],
                     communities: dict[str, dict[str, Any]]) -> int:
        """One transaction; retried when the database aborted it for a deadlock or a
        serialisation failure (two processes on PostgreSQL), which is safe because the
        write is idempotent by the activity key."""
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                try:
                    async with self.engine.begin() as conn:
                        return await self.sql.write(conn, batch, communities)
                except _Conflict:
                    # Another writer stored some of these events meanwhile: redo exactly.
                    async with self.engine.begin() as conn:
                        return await self.sql.write(conn, batch, communities, exact=True)
            except Exception as exc:
                if attempt >= TRANSIENT_RETRIES or not is_transient(exc):
                    raise
                self.retries += 1
                delay = 0.02 * (2 ** attempt) * (0.5 + random.random())
                log.warning("flush of %d event(s) aborted by the database (%s); retry %d/%d "
                            "in %.0f ms", len(batch), type(_root(exc)).__name__, attempt + 1,
                            TRANSIENT_RETRIES, delay * 1000)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _write_isolating(self, batch: list[StagedEvent],
                               communities: dict[str, dict[str, Any]]) -> int:
        """Write ``batch``; when the database refuses the data of some event (a value it
        cannot store), split the batch in halves until the bad event is alone, write the
        rest, and log and skip that one. A connection or server failure is raised as before:
        skipping events because the database is down would lose all of them."""
        try:
            return await self._write(batch, communities)
        except Exception as exc:
            if not is_data_error(exc):
                raise
            if len(batch) == 1:
                self.skipped_events += 1
                log.error("event %s skipped: the database refused its data (%s: %s)",
                          batch[0].event_key, type(_root(exc)).__name__,
                          str(_root(exc)).splitlines()[0][:200] if str(_root(exc)) else "",
                          extra={"community_id": batch[0].community_id,
                                 "event_key": batch[0].event_key})
                if self.on_failure is not None:
                    self.on_failure(batch, exc)
                return 0
        middle = len(batch) // 2
        # Community rows go with both halves (they are insert-or-ignore): a half that fails
        # must not leave the other's member rows without them.
        new = await self._write_isolating(batch[:middle], communities)
        return new + await self._write_isolating(batch[middle:], communities)


TRANSIENT_RETRIES = 5
# PostgreSQL: serialization_failure, deadlock_detected; SQLite: "database is locked" after the
# busy timeout.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def _root(exc: BaseException) -> BaseException:
    """The driver's own exception under SQLAlchemy's (and asyncpg's) wrappers."""
    seen = 0
    while seen < 5:
        inner = getattr(exc, "orig", None) or exc.__cause__
        if inner is None or inner is exc:
            break
        exc, seen = inner, seen + 1
    return exc


def is_transient(exc: BaseException) -> bool:
    """Would the same transaction likely succeed if simply run again?"""
    probe: BaseException | None = exc
    for _ in range(5):
        if probe is None:
            break
        code = getattr(probe, "sqlstate", None) or getattr(probe, "pgcode", None)
        if code in _TRANSIENT_SQLSTATES:
            return True
        if "database is locked" in str(probe):
            return True
        probe = getattr(probe, "orig", None) or probe.__cause__
    return False


def is_data_error(exc: BaseException) -> bool:
    """Did the database (or driver) refuse a value, as opposed to failing as a whole?"""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, (sa_exc.DataError, sa_exc.IntegrityError)):
        return True
    if isinstance(exc, (UnicodeError, ValueError, TypeError, OverflowError)):
        return True
    if isinstance(exc, sa_exc.StatementError) and not isinstance(
            exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.InternalError)):
        return isinstance(_root(exc), (UnicodeError, ValueError, TypeError, OverflowError))
    return False


class SqlBatch:
    """The SQL of one flush, per dialect; also used by command transactions."""

    def __init__(self, dialect: str):
        self._dialect = dialect

    async def write(self, conn: AsyncConnection, batch: list[StagedEvent],
                    communities: dict[str, dict[str, Any]], *, exact: bool = False) -> int:
        if communities:
            await conn.execute(self._ignore(Community.__table__, ["id"]),
                               list(communities.values()))
        fast = self._dialect == "sqlite" and not exact
        if fast:
            await self._sqlite_activity(conn, batch)
            applied = batch
        else:
            fresh = await self._insert_activity(conn, batch)
            applied = [s for s in batch if s.activity is None or
                       (s.community_id, s.event_key) in fresh]
        members: dict[tuple[str, str], dict[str, Any]] = {}
        ledger: list[dict[str, Any]] = []
        stats: dict[tuple[str, str], dict[str, Any]] = {}
        badges: list[dict[str, Any]] = []
        audit: list[dict[str, Any]] = []
        scheduled: list[dict[str, Any]] = []
        for staged in applied:
            for row in staged.members:
                key = (row["community_id"], row["member_id"])
                members[key] = _merge_member(members.get(key), row)
            ledger.extend(staged.ledger)
            for key, delta in staged.stats.items():
                stats[key] = _merge_stats(stats.get(key), delta)
            badges.extend(staged.badges)
            audit.extend(staged.audit)
            scheduled.extend(staged.scheduled)
        # One lock order for every writer: two processes upserting the same members in
        # different orders deadlock on PostgreSQL.
        members = dict(sorted(members.items()))
        stats = dict(sorted(stats.items()))
        ledger.sort(key=_ledger_order)
        if fast:
            await sqlite_fast.write_rows(conn, members, ledger, stats)
        else:
            if members:
                await conn.execute(self._member_upsert(), list(members.values()))
            if ledger:
                await conn.execute(self._ignore(LedgerEntry.__table__,
                                                ["community_id", "member_id", "source_key",
                                                 "reason"]), ledger)
            if stats:
                await conn.execute(self._stats_upsert(), [_stats_params(k, v)
                                                          for k, v in stats.items()])
        if badges:
            badges.sort(key=lambda r: (r["community_id"], r["member_id"], r["badge_id"]))
            await conn.execute(self._ignore(BadgeAward.__table__,
                                            ["community_id", "member_id", "badge_id"]), badges)
        if audit:
            await conn.execute(AuditEntry.__table__.insert(), audit)
        keyed = [row for row in scheduled if row["idempotency_key"] is not None]
        if keyed:
            await conn.execute(self._ignore(ScheduledItem.__table__, ["idempotency_key"]), keyed)
        unkeyed = [row for row in scheduled if row["idempotency_key"] is None]
        if unkeyed:
            await conn.execute(ScheduledItem.__table__.insert(), unkeyed)
        return len(applied)

    async def _sqlite_activity(self, conn: AsyncConnection, batch: list[StagedEvent]) -> None:
        rows = [s.activity for s in batch if s.activity is not None]
        if rows and await sqlite_fast.insert_activity(conn, rows) != len(rows):
            raise _Conflict()

    async def _insert_activity(self, conn: AsyncConnection,
                               batch: list[StagedEvent]) -> set[tuple[str, str]]:
        rows = [s.activity for s in batch if s.activity is not None]
        if not rows:
            return set()
        table = Activity.__table__
        stmt = self._insert(table).on_conflict_do_nothing(
            index_elements=["community_id", "event_key"]
        ).returning(table.c.community_id, table.c.event_key)
        result = await conn.execute(stmt, rows)
        return {(r[0], r[1]) for r in result.all()}

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    def _ignore(self, table: Table, keys: list[str]) -> Any:
        return self._insert(table).on_conflict_do_nothing(index_elements=keys)

    def _member_upsert(self) -> Any:
        table = Member.__table__
        stmt = self._insert(table)
        ex = stmt.excluded
        c = table.c
        return stmt.on_conflict_do_update(
            index_elements=["community_id", "member_id"],
            set_={
                "display_name": case((ex.display_name != "", ex.display_name),
                                     else_=c.display_name),
                "first_seen": _earliest(c.first_seen, ex.first_seen),
                "last_seen": _latest(c.last_seen, ex.last_seen),
                "joined_at": func.coalesce(c.joined_at, ex.joined_at),
                "left_at": case((ex.left_at.is_not(None), ex.left_at), else_=c.left_at),
            },
        )

    def _stats_upsert(self) -> Any:
        table = MemberStats.__table__
        values: dict[str, Any] = {
            "community_id": bindparam("community_id"),
            "member_id": bindparam("member_id"),
            "first_seen": bindparam("first_seen", type_=table.c.first_seen.type),
            "last_seen": bindparam("last_seen", type_=table.c.last_seen.type),
            # none_as_null: a missing state must be SQL NULL, not JSON 'null', or the
            # COALESCE below would overwrite the stored state on PostgreSQL.
            "state": bindparam("state", type_=JSON(none_as_null=True)),
            "last_active_day": bindparam("last_active_day", type_=table.c.last_active_day.type),
        }
        for name in COUNTERS:
            values[name] = bindparam(name, type_=table.c[name].type)
        for name, default in SETTABLE_DEFAULTS.items():
            values[name] = func.coalesce(bindparam(name, type_=table.c[name].type), default)
        stmt = self._insert(table).values(values)
        ex = stmt.excluded
        c = table.c
        set_: dict[str, Any] = {name: c[name] + ex[name] for name in COUNTERS}
        for name in SETTABLE:
            # the insert side coalesced NULL to a default, so compare against the raw param
            kind = JSON(none_as_null=True) if name == "state" else table.c[name].type
            set_[name] = func.coalesce(bindparam(f"set_{name}", type_=kind),
                                       c[name])
        set_["first_seen"] = _earliest(c.first_seen, ex.first_seen)
        set_["last_seen"] = _latest(c.last_seen, ex.last_seen)
        return stmt.on_conflict_do_update(index_elements=["community_id", "member_id"],
                                          set_=set_)



def _ledger_order(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["community_id"], row["member_id"], str(row.get("source_key") or ""),
            str(row.get("reason") or ""))


def _earliest(current: Any, new: Any) -> Any:
    return case((current.is_(None), new), (new.is_(None), current), (new < current, new),
                else_=current)


def _latest(current: Any, new: Any) -> Any:
    return case((current.is_(None), new), (new.is_(None), current), (new > current, new),
                else_=current)


def _merge_member(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return {"display_name": "", "first_seen": None, "last_seen": None, "joined_at": None,
                "left_at": None, **new}
    merged = dict(old)
    for key, value in new.items():
        if value is None or value == "":
            continue
        if key == "first_seen" and merged.get(key) is not None:
            merged[key] = min(merged[key], value)
        elif key == "last_seen" and merged.get(key) is not None:
            merged[key] = max(merged[key], value)
        elif key == "joined_at" and merged.get(key) is not None:
            continue
        else:
            merged[key] = value
    return merged


def _merge_stats(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return dict(new)
    merged = dict(old)
    for key, value in new.items():
        if key in COUNTERS:
            merged[key] = merged.get(key, 0) + value
        elif key == "first_seen" and merged.get(key) is not None and value is not None:
            merged[key] = min(merged[key], value)
        elif key == "last_seen" and merged.get(key) is not None and value is not None:
            merged[key] = max(merged[key], value)
        else:
            merged[key] = value
    return merged


def _stats_params(key: tuple[str, str], delta: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"community_id": key[0], "member_id": key[1],
                              "first_seen": delta.get("first_seen"),
                              "last_seen": delta.get("last_seen")}
    for name in COUNTERS:
        params[name] = delta.get(name, 0)
    for name in SETTABLE:
        params[name] = delta.get(name)
        params[f"set_{name}"] = delta.get(name)
    return params


def utc_day(at: datetime) -> str:
    return at.date().isoformat()
