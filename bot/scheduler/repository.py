"""Scheduling, cancelling and listing due items (rows of ``scheduled_items``).

These functions run inside the caller's session and never commit: scheduling a reminder is
part of the same unit of work as the command that asked for it, so a failed command leaves no
orphan timer. After the commit, tell the sweeper (``Sweeper.wake(due_at)``) so an item due
sooner than its next sweep is not late; :class:`ScheduledItems` remembers the earliest due time
scheduled through it for exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler import recurrence as cron_rules
from bot.storage.models import ScheduledItem
from domain.schedule import MISSED_POLICIES

TABLE = ScheduledItem.__table__
ACTIVE = ("pending", "running")
RESERVED_PAYLOAD_PREFIX = "_hearth_"


@dataclass(frozen=True, slots=True)
class PendingItem:
    """A scheduled item as shown to members and admins (``/reminders``, announcement list)."""

    id: int
    kind: str
    community_id: str | None
    owner_id: str | None
    due_at: datetime
    payload: Mapping[str, Any]
    recurrence: str | None
    timezone: str | None
    status: str


def _check(kind: str, due_at: datetime | None, missed_policy: str, payload: Any) -> None:
    if not kind or len(kind) > 32:
        raise ValueError(f"scheduled item kind must be 1-32 characters, got {kind!r}")
    if due_at is not None and (due_at.tzinfo is None or due_at.utcoffset() is None):
        raise ValueError(f"due_at {due_at!r} is naive; pass an aware datetime")
    if missed_policy not in MISSED_POLICIES:
        raise ValueError(f"missed_policy {missed_policy!r} is not one of {MISSED_POLICIES}")
    if payload is not None and not isinstance(payload, Mapping):
        raise ValueError(f"payload must be a mapping (JSON object), got {type(payload).__name__}")
    if payload and any(str(k).startswith(RESERVED_PAYLOAD_PREFIX) for k in payload):
        raise ValueError(f"payload keys starting with {RESERVED_PAYLOAD_PREFIX!r} are reserved")


async def schedule(session: AsyncSession, *, kind: str, due_at: datetime | None,
                   payload: Mapping[str, Any] | None, community_id: str | None,
                   idempotency_key: str | None = None, recurrence: str | None = None,
                   timezone: str | None = None, missed_policy: str = "once",
                   owner_id: str | None = None, now: datetime | None = None) -> int:
    """Insert a due item and return its id; does not commit.

    A second call with the same ``idempotency_key`` returns the first row's id and inserts
    nothing (``INSERT … ON CONFLICT DO NOTHING``, so concurrent callers agree too). With a
    ``recurrence`` (cron) and no ``due_at`` the first occurrence after ``now`` is used; the
    cron expression is stored normalised (weekday names, see ``recurrence.normalise``).
    Raises ``ValueError`` (``recurrence.RecurrenceError`` for schedules) on bad arguments.
    """
    _check(kind, due_at, missed_policy, payload)
    now = now or datetime.now(UTC)
    cron = None
    if recurrence is not None:
        cron = cron_rules.normalise(recurrence)
        cron_rules.zone(timezone)
        if due_at is None:
            due_at = cron_rules.next_fire(cron, timezone, now)
            if due_at is None:
                raise cron_rules.RecurrenceError(f"cron expression {recurrence!r} never fires")
    elif timezone is not None:
        cron_rules.zone(timezone)
    if due_at is None:
        raise ValueError("due_at is required for an item without a recurrence")
    values = {
        "community_id": community_id, "kind": kind, "due_at": due_at.astimezone(UTC),
        "payload": dict(payload) if payload is not None else None, "status": "pending",
        "attempts": 0, "idempotency_key": idempotency_key, "recurrence": cron,
        "timezone": timezone, "missed_policy": missed_policy, "owner_id": owner_id,
        "created_at": now, "updated_at": now,
    }
    if idempotency_key is None:
        result = await session.execute(insert(TABLE).values(**values).returning(TABLE.c.id))
        return int(result.scalar_one())
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = builder(TABLE).values(**values).on_conflict_do_nothing(
        index_elements=[TABLE.c.idempotency_key]).returning(TABLE.c.id)
    inserted = (await session.execute(stmt)).scalar_one_or_none()
    if inserted is not None:
        return int(inserted)
    existing = await session.execute(
        select(TABLE.c.id).where(TABLE.c.idempotency_key == idempotency_key))
    return int(existing.scalar_one())


async def cancel(session: AsyncSession, id: int, owner_id: str | None = None, *,
                 community_id: str | None = None, now: datetime | None = None) -> bool:
    """Cancel a pending (or running) item; ``False`` if it does not exist, is finished, or
    belongs to someone else (``owner_id``/``community_id`` given). Does not commit.

    Cancelling a running item stops a recurring series after the current run: the sweeper
    settles only rows still ``running`` under its own claim.
    """
    conditions = [TABLE.c.id == id, TABLE.c.status.in_(ACTIVE)]
    if owner_id is not None:
        conditions.append(TABLE.c.owner_id == owner_id)
    if community_id is not None:
        conditions.append(TABLE.c.community_id == community_id)
    result = await session.execute(
        update(TABLE).where(*conditions).values(status="cancelled",
                                                updated_at=now or datetime.now(UTC)))
    return bool(result.rowcount)


async def cancel_by_key(session: AsyncSession, idempotency_key: str, *,
                        now: datetime | None = None) -> bool:
    """Cancel by scheduling key (an SLA timer when the review is done, a wake-up step when
    the member came back). Does not commit."""
    result = await session.execute(
        update(TABLE).where(TABLE.c.idempotency_key == idempotency_key,
                            TABLE.c.status.in_(ACTIVE))
        .values(status="cancelled", updated_at=now or datetime.now(UTC)))
    return bool(result.rowcount)


async def list_pending(session: AsyncSession, *, owner_id: str | None = None,
                       community_id: str | None = None, kind: str | Sequence[str] | None = None,
                       limit: int = 100) -> list[PendingItem]:
    """Active items (pending or running), soonest first, filtered by owner/community/kind."""
    conditions = [TABLE.c.status.in_(ACTIVE)]
    if owner_id is not None:
        conditions.append(TABLE.c.owner_id == owner_id)
    if community_id is not None:
        conditions.append(TABLE.c.community_id == community_id)
    if isinstance(kind, str):
        conditions.append(TABLE.c.kind == kind)
    elif kind is not None:
        conditions.append(TABLE.c.kind.in_(list(kind)))
    rows = await session.execute(
        select(TABLE).where(*conditions).order_by(TABLE.c.due_at, TABLE.c.id).limit(limit))
    return [_pending(row) for row in rows.mappings()]


async def get(session: AsyncSession, id: int) -> PendingItem | None:
    row = (await session.execute(select(TABLE).where(TABLE.c.id == id))).mappings().first()
    return _pending(row) if row else None


async def count_active(session: AsyncSession, *, owner_id: str | None = None,
                       community_id: str | None = None, kind: str | None = None) -> int:
    """How many active items match (for per-member reminder limits)."""
    conditions = [TABLE.c.status.in_(ACTIVE)]
    if owner_id is not None:
        conditions.append(TABLE.c.owner_id == owner_id)
    if community_id is not None:
        conditions.append(TABLE.c.community_id == community_id)
    if kind is not None:
        conditions.append(TABLE.c.kind == kind)
    result = await session.execute(select(func.count()).select_from(TABLE).where(*conditions))
    return int(result.scalar_one())


async def nearest_due(session: AsyncSession, kinds: Sequence[str] | None = None,
                      community_prefixes: Sequence[str] | None = None) -> datetime | None:
    """Earliest ``due_at`` among pending items (of ``kinds``, of communities whose id starts
    with one of ``community_prefixes`` + ``:``), for the sweeper's sleep."""
    from sqlalchemy import or_

    conditions = [TABLE.c.status == "pending"]
    if kinds is not None:
        conditions.append(TABLE.c.kind.in_(list(kinds)))
    if community_prefixes is not None:
        conditions.append(or_(TABLE.c.community_id.is_(None),
                              *(TABLE.c.community_id.startswith(f"{p}:", autoescape=True)
                                for p in community_prefixes)))
    result = await session.execute(select(func.min(TABLE.c.due_at)).where(*conditions))
    return result.scalar_one_or_none()


def _pending(row: Mapping[str, Any]) -> PendingItem:
    payload = {k: v for k, v in (row["payload"] or {}).items()
               if not str(k).startswith(RESERVED_PAYLOAD_PREFIX)}
    return PendingItem(id=row["id"], kind=row["kind"], community_id=row["community_id"],
                       owner_id=row["owner_id"], due_at=row["due_at"], payload=payload,
                       recurrence=row["recurrence"], timezone=row["timezone"],
                       status=row["status"])


class ScheduledItems:
    """The repository bound to one session, to hang off a unit of work as ``uow.scheduled``.

    ``earliest`` is the soonest due time scheduled through it; after committing, pass it to
    ``Sweeper.wake`` so the new item is not waiting for the sweeper's idle timeout.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.earliest: datetime | None = None

    async def schedule(self, **kwargs: Any) -> int:
        item_id = await schedule(self.session, **kwargs)
        due = kwargs.get("due_at")
        if due is None:  # first occurrence of a recurrence, computed by schedule()
            stored = await get(self.session, item_id)
            due = stored.due_at if stored else None
        if due is not None and (self.earliest is None or due < self.earliest):
            self.earliest = due
        return item_id

    async def cancel(self, id: int, owner_id: str | None = None, **kwargs: Any) -> bool:
        return await cancel(self.session, id, owner_id, **kwargs)

    async def cancel_by_key(self, idempotency_key: str, **kwargs: Any) -> bool:
        return await cancel_by_key(self.session, idempotency_key, **kwargs)

    async def list_pending(self, **kwargs: Any) -> list[PendingItem]:
        return await list_pending(self.session, **kwargs)

    async def count_active(self, **kwargs: Any) -> int:
        return await count_active(self.session, **kwargs)

    async def get(self, id: int) -> PendingItem | None:
        return await get(self.session, id)
