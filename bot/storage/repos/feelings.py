"""Queries of the Feelings feature: message scores and support cases.

Exposed as ``uow.feelings`` inside a transaction (a command, a timer, or the scorer's result
writer), so a case row, its audit entry and its SLA timer commit together or not at all.
Every query filters on the community: one community's support team never sees another's.

Inserts use ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite): a replayed score is ignored,
and a second case for a member who already has an active one is refused by the database
itself (the ``uq_support_cases_active`` constraint), even across processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Activity
from bot.storage.models_feelings import MessageScore, SupportCase
from domain.sentiment import DistressCase

ACTIVE = ("open", "acknowledged")


def _case(row: Any) -> DistressCase:
    return DistressCase(
        case_id=str(row["id"]),
        community_id=row["community_id"],
        member_id=row["member_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        opened_at=row["opened_at"],
        ack_due_at=row["ack_due_at"],
        pages=row["pages"],
        escalation_level=row["escalation_level"],
        status=row["status"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        closed_at=row["closed_at"],
        related_message_ids=tuple(row["related_message_ids"] or ()),
    )


class FeelingsRepository:
    name = "feelings"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    def _insert(self, table: Any) -> Any:
        dialect = self.session.bind.dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    # -- scores ----------------------------------------------------------------------------

    async def add_scores(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store scores (one per message; a message scored before keeps its first score)."""
        if not rows:
            return
        values = [{"community_id": self.community_id, **row} for row in rows]
        stmt = self._insert(MessageScore.__table__).on_conflict_do_nothing(
            index_elements=["community_id", "message_id"])
        await self.session.execute(stmt, values)

    async def score_of(self, message_id: str) -> dict[str, Any] | None:
        table = MessageScore.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.message_id == message_id
        ))).mappings().first()
        return None if row is None else dict(row)

    async def score_summary(self) -> dict[str, Any]:
        """Counts per label and backend, and how many were scored under back-pressure."""
        table = MessageScore.__table__
        rows = await self.session.execute(
            select(table.c.label, table.c.backend, table.c.backpressure, func.count())
            .where(table.c.community_id == self.community_id)
            .group_by(table.c.label, table.c.backend, table.c.backpressure))
        labels: dict[str, int] = {}
        backends: dict[str, int] = {}
        pressured = 0
        for label, backend, backpressure, count in rows:
            labels[label] = labels.get(label, 0) + count
            backends[backend] = backends.get(backend, 0) + count
            pressured += count if backpressure else 0
        return {"labels": labels, "backends": backends, "backpressure": pressured,
                "total": sum(labels.values())}

    # -- cases -----------------------------------------------------------------------------

    async def open_case(self, case: DistressCase, *, source: str, signals: Sequence[str],
                        confidence: float, message_at: datetime, paged_at: datetime | None,
                        dm_sent_at: datetime | None) -> int | None:
        """Insert a case; its id, or None when the member already has an active case (or
        this message already opened one) — the caller then attaches to that case."""
        table = SupportCase.__table__
        stmt = self._insert(table).values(
            community_id=self.community_id, member_id=case.member_id,
            active_member_id=case.member_id, channel_id=case.channel_id,
            message_id=case.message_id, related_message_ids=list(case.related_message_ids),
            source=source, signals=list(signals), confidence=confidence,
            message_at=message_at, opened_at=case.opened_at, paged_at=paged_at,
            dm_sent_at=dm_sent_at, ack_due_at=case.ack_due_at, pages=case.pages,
            escalation_level=case.escalation_level, status=case.status,
        ).on_conflict_do_nothing().returning(table.c.id)
        found = (await self.session.execute(stmt)).scalar()
        return None if found is None else int(found)

    async def case(self, case_id: int | str) -> DistressCase | None:
        row = await self.case_row(case_id)
        return None if row is None else _case(row)

    async def case_row(self, case_id: int | str) -> dict[str, Any] | None:
        try:
            number = int(case_id)
        except (TypeError, ValueError):
            return None
        table = SupportCase.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.id == number
        ))).mappings().first()
        return None if row is None else dict(row)

    async def active_case(self, member_id: str) -> DistressCase | None:
        """The member's open or acknowledged case, if any."""
        table = SupportCase.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.active_member_id == member_id
        ))).mappings().first()
        return None if row is None else _case(row)

    async def case_for_message(self, message_id: str) -> DistressCase | None:
        table = SupportCase.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.message_id == message_id
        ))).mappings().first()
        return None if row is None else _case(row)

    async def last_dm_at(self, member_id: str) -> datetime | None:
        """When the member last got the support DM (for the cooldown)."""
        table = SupportCase.__table__
        found: datetime | None = await self.session.scalar(select(func.max(table.c.dm_sent_at))
                                                           .where(
            table.c.community_id == self.community_id, table.c.member_id == member_id))
        return found

    async def save_case(self, case: DistressCase) -> None:
        """Write back a case changed by a domain function (pages, acknowledgement, close)."""
        table = SupportCase.__table__
        active = case.member_id if case.status in ACTIVE else None
        await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == int(case.case_id)
        ).values(
            pages=case.pages, escalation_level=case.escalation_level, status=case.status,
            ack_due_at=case.ack_due_at, acknowledged_at=case.acknowledged_at,
            acknowledged_by=case.acknowledged_by, closed_at=case.closed_at,
            related_message_ids=list(case.related_message_ids), active_member_id=active,
        ))

    async def set_closed_by(self, case_id: int | str, by: str) -> None:
        table = SupportCase.__table__
        await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == int(case_id)
        ).values(closed_by=by))

    async def active_cases(self, limit: int = 25) -> list[dict[str, Any]]:
        """Open and acknowledged cases, oldest first (the queue the support team works)."""
        table = SupportCase.__table__
        rows = await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.status.in_(ACTIVE)
        ).order_by(table.c.opened_at, table.c.id).limit(limit))
        return [dict(r) for r in rows.mappings()]

    async def all_cases(self) -> list[dict[str, Any]]:
        table = SupportCase.__table__
        rows = await self.session.execute(select(table).where(
            table.c.community_id == self.community_id).order_by(table.c.opened_at, table.c.id))
        return [dict(r) for r in rows.mappings()]

    # -- questions -------------------------------------------------------------------------

    async def answered_since(self, *, channel_id: str, message_id: str, member_id: str,
                             asked_at: datetime, thread_id: str | None) -> bool:
        """Whether someone else answered a question after ``asked_at``, as far as the
        activity rows tell: a reply to the asker in that channel, or a message in the
        question's thread (or the thread started from it). Used by the follow-up timer,
        which must decide correctly after a restart (the in-memory view is gone then)."""
        table = Activity.__table__
        threads = [t for t in (thread_id, message_id) if t]
        reply = and_(table.c.channel_id == channel_id, table.c.target_member_id == member_id)
        condition = or_(reply, table.c.thread_id.in_(threads)) if threads else reply
        found = await self.session.scalar(select(table.c.event_key).where(
            table.c.community_id == self.community_id, table.c.kind == "message",
            table.c.member_id != member_id, table.c.at > asked_at, table.c.deleted.is_(False),
            condition,
        ).limit(1))
        return found is not None
