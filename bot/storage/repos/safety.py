"""Queries behind safety: cases (review items), strikes, appeals, spam data, crises.

Exposed to handlers as ``uow.safety`` inside a command's or timer's transaction; the line-1
event handler gets one over its read session (``SafetyService.store``) for the rare message
that opens a case. Every query is scoped to ``community_id``: an id from another community
is simply "not found", which is what keeps moderators to their own community.

State changes that can race (two moderators claiming or deciding one item) are conditional
``UPDATE … WHERE status …`` statements whose row count says who won.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditEntry, Member, MemberStats
from bot.storage.models_safety import (
    Appeal,
    Crisis,
    CrisisStep,
    CrisisUpdate,
    Postmortem,
    ReviewItem,
    SpamExample,
    SpamModelRow,
    StrikeRecord,
)

OPEN_STATUSES = ("open", "claimed", "escalated")


class SafetyRepository:
    name = "safety"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    async def commit(self) -> None:
        """Commit the session (only for the event path, which owns its read session)."""
        await self.session.commit()

    # -- cases -----------------------------------------------------------------------------

    async def open_item(self, **fields: Any) -> tuple[int, bool]:
        """Insert a case; returns ``(id, created)``.

        A case about a message exists once per kind: a replayed or re-checked message gets
        the existing id back (``created`` False) instead of a second case.
        """
        table = ReviewItem.__table__
        values = {
            "community_id": self.community_id, "kind": "review", "member_name": "",
            "action_taken": "", "message_deleted": False, "private": False, "status": "open",
            "reason": "", "escalation_level": 0, **fields,
        }
        existing = await self._item_for_message(values["kind"], values.get("message_id"))
        if existing is not None:
            return existing, False
        result = await self.session.execute(insert(table).values(**values).returning(table.c.id))
        return int(result.scalar_one()), True

    async def _item_for_message(self, kind: str, message_id: str | None) -> int | None:
        if message_id is None:
            return None
        table = ReviewItem.__table__
        found = await self.session.scalar(select(table.c.id).where(
            table.c.community_id == self.community_id, table.c.kind == kind,
            table.c.message_id == message_id))
        return None if found is None else int(found)

    async def item(self, item_id: int) -> dict[str, Any] | None:
        table = ReviewItem.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.id == item_id))).mappings().first()
        return None if row is None else dict(row)

    async def open_items(self, limit: int = 10) -> list[dict[str, Any]]:
        """Items waiting for a human, oldest first."""
        table = ReviewItem.__table__
        rows = await self.session.execute(
            select(table).where(table.c.community_id == self.community_id,
                                table.c.status.in_(OPEN_STATUSES))
            .order_by(table.c.created_at, table.c.id).limit(limit))
        return [dict(r) for r in rows.mappings()]

    async def count_open(self) -> int:
        table = ReviewItem.__table__
        count = await self.session.scalar(select(func.count()).select_from(table).where(
            table.c.community_id == self.community_id, table.c.status.in_(OPEN_STATUSES)))
        return int(count or 0)

    async def claim(self, item_id: int, moderator_id: str, now: datetime) -> bool:
        """Claim an unclaimed, undecided item; False when someone else was first."""
        table = ReviewItem.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == item_id,
            table.c.status.in_(("open", "escalated")), table.c.claimed_by.is_(None),
        ).values(claimed_by=moderator_id, claimed_at=now, status="claimed"))
        return int(result.rowcount or 0) == 1

    async def decide(self, item_id: int, decision: str, moderator_id: str, reason: str,
                     now: datetime) -> bool:
        """Record a decision unless one was recorded already (first decision wins)."""
        table = ReviewItem.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == item_id,
            table.c.status.in_(OPEN_STATUSES),
        ).values(status="decided", decision=decision, decided_by=moderator_id,
                 reason=reason[:500], decided_at=now,
                 claimed_by=func.coalesce(table.c.claimed_by, moderator_id),
                 claimed_at=func.coalesce(table.c.claimed_at, now)))
        return int(result.rowcount or 0) == 1

    async def escalate(self, item_id: int, level: int, now: datetime) -> bool:
        """Raise the escalation level of an undecided item (claimed items keep their owner)."""
        table = ReviewItem.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == item_id,
            table.c.status.in_(OPEN_STATUSES),
        ).values(escalation_level=level, escalated_at=now,
                 status=func.coalesce(func.nullif(table.c.status, "open"), "escalated")))
        return int(result.rowcount or 0) == 1

    async def mark_deleted(self, item_id: int) -> None:
        table = ReviewItem.__table__
        await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == item_id,
        ).values(message_deleted=True))

    async def member_snapshot(self, member_id: str, now: datetime) -> dict[str, Any]:
        """The member's record for a case: active strikes, tenure, stage, messages."""
        members, stats = Member.__table__, MemberStats.__table__
        member = (await self.session.execute(select(
            members.c.joined_at, members.c.first_seen, members.c.display_name).where(
            members.c.community_id == self.community_id,
            members.c.member_id == member_id))).first()
        stat = (await self.session.execute(select(
            stats.c.stage, stats.c.messages, stats.c.first_seen).where(
            stats.c.community_id == self.community_id,
            stats.c.member_id == member_id))).first()
        candidates = [member[0], member[1]] if member else []
        if stat:
            candidates.append(stat[2])
        known = [c for c in candidates if c is not None]
        since = min(known) if known else None
        return {
            "strikes": await self.active_strike_count(member_id, now),
            "tenure_days": round((now - since).total_seconds() / 86400, 1) if since else None,
            "stage": stat[0] if stat else None,
            "messages": int(stat[1]) if stat else 0,
        }

    # -- strikes ---------------------------------------------------------------------------

    def _active(self, member_id: str, now: datetime) -> Any:
        table = StrikeRecord.__table__
        return and_(table.c.community_id == self.community_id, table.c.member_id == member_id,
                    table.c.pardoned.is_(False), table.c.issued_at <= now,
                    table.c.expires_at > now)

    async def active_strike_count(self, member_id: str, now: datetime) -> int:
        table = StrikeRecord.__table__
        count = await self.session.scalar(select(func.count()).select_from(table).where(
            self._active(member_id, now)))
        return int(count or 0)

    async def add_strike(self, member_id: str, *, reason: str, case_id: int | None,
                         issued_by: str, issued_at: datetime, expires_at: datetime) -> int:
        table = StrikeRecord.__table__
        result = await self.session.execute(insert(table).values(
            community_id=self.community_id, member_id=member_id, reason=reason[:500],
            case_id=case_id, issued_by=issued_by, issued_at=issued_at, expires_at=expires_at,
            pardoned=False).returning(table.c.id))
        return int(result.scalar_one())

    async def strikes_of(self, member_id: str, limit: int = 50) -> list[dict[str, Any]]:
        table = StrikeRecord.__table__
        rows = await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.member_id == member_id)
            .order_by(table.c.issued_at.desc(), table.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]

    async def strike(self, strike_id: int) -> dict[str, Any] | None:
        table = StrikeRecord.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.id == strike_id)
        )).mappings().first()
        return None if row is None else dict(row)

    async def pardon(self, strike_id: int, by: str, now: datetime) -> bool:
        table = StrikeRecord.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == strike_id,
            table.c.pardoned.is_(False)).values(pardoned=True, pardoned_by=by, pardoned_at=now))
        return int(result.rowcount or 0) == 1

    async def pardon_case(self, case_id: int, member_id: str, by: str, now: datetime) -> int:
        """Pardon every strike of ``member_id`` that came from ``case_id``; returns how many."""
        table = StrikeRecord.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.case_id == case_id,
            table.c.member_id == member_id, table.c.pardoned.is_(False),
        ).values(pardoned=True, pardoned_by=by, pardoned_at=now))
        return int(result.rowcount or 0)

    # -- appeals ---------------------------------------------------------------------------

    async def add_appeal(self, member_id: str, case_id: int, text: str,
                         now: datetime) -> int | None:
        """A new appeal, or None when this member already appealed this case."""
        table = Appeal.__table__
        taken = await self.session.scalar(select(table.c.id).where(
            table.c.community_id == self.community_id, table.c.case_id == case_id,
            table.c.member_id == member_id))
        if taken is not None:
            return None
        result = await self.session.execute(insert(table).values(
            community_id=self.community_id, member_id=member_id, case_id=case_id, text=text,
            status="open", reason="", created_at=now).returning(table.c.id))
        return int(result.scalar_one())

    async def link_appeal(self, appeal_id: int, review_item_id: int) -> None:
        table = Appeal.__table__
        await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == appeal_id,
        ).values(review_item_id=review_item_id))

    async def appeal_for_item(self, review_item_id: int) -> dict[str, Any] | None:
        table = Appeal.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id,
            table.c.review_item_id == review_item_id))).mappings().first()
        return None if row is None else dict(row)

    async def decide_appeal(self, appeal_id: int, outcome: str, by: str, reason: str,
                            now: datetime) -> bool:
        table = Appeal.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == appeal_id,
            table.c.status == "open",
        ).values(status="decided", outcome=outcome, decided_by=by, reason=reason[:500],
                 decided_at=now))
        return int(result.rowcount or 0) == 1

    # -- spam learning ---------------------------------------------------------------------

    async def add_example(self, text: str, label: str, *, source_item_id: int | None,
                          actor_id: str | None, now: datetime) -> int:
        table = SpamExample.__table__
        result = await self.session.execute(insert(table).values(
            community_id=self.community_id, text=text, label=label,
            source_item_id=source_item_id, actor_id=actor_id, at=now).returning(table.c.id))
        return int(result.scalar_one())

    async def examples(self, limit: int) -> list[tuple[str, str]]:
        """The newest ``limit`` verdicts as (text, label), oldest first."""
        table = SpamExample.__table__
        rows = (await self.session.execute(select(table.c.text, table.c.label).where(
            table.c.community_id == self.community_id).order_by(table.c.id.desc())
            .limit(limit))).all()
        return [(r[0], r[1]) for r in reversed(rows)]

    async def examples_after(self, example_id: int) -> int:
        table = SpamExample.__table__
        count = await self.session.scalar(select(func.count()).select_from(table).where(
            table.c.community_id == self.community_id, table.c.id > example_id))
        return int(count or 0)

    async def last_example_id(self) -> int:
        table = SpamExample.__table__
        found = await self.session.scalar(select(func.max(table.c.id)).where(
            table.c.community_id == self.community_id))
        return int(found or 0)

    async def newest_model_info(self) -> dict[str, Any] | None:
        """id, version, fingerprint, metrics and scope of the model this community uses:
        its own newest, else the newest global one (no blob)."""
        table = SpamModelRow.__table__
        cols = (table.c.id, table.c.community_id, table.c.version, table.c.fingerprint,
                table.c.metrics, table.c.created_at)
        row = (await self.session.execute(select(*cols).where(or_(
            table.c.community_id == self.community_id, table.c.community_id.is_(None)))
            .order_by(table.c.community_id.is_(None), table.c.version.desc()).limit(1))
        ).mappings().first()
        return None if row is None else dict(row)

    async def model_blob(self, model_id: int) -> bytes | None:
        table = SpamModelRow.__table__
        found = await self.session.scalar(select(table.c.blob).where(table.c.id == model_id,
            or_(table.c.community_id == self.community_id, table.c.community_id.is_(None))))
        return None if found is None else bytes(found)

    async def add_model(self, blob: bytes, fingerprint: str, metrics: dict[str, Any],
                        now: datetime, *, scope_global: bool = False) -> int:
        """Store a model as the next version of this community (or of the global scope)."""
        table = SpamModelRow.__table__
        scope = None if scope_global else self.community_id
        where = table.c.community_id.is_(None) if scope is None else (
            table.c.community_id == scope)
        current = await self.session.scalar(select(func.max(table.c.version)).where(where))
        version = int(current or 0) + 1
        await self.session.execute(insert(table).values(
            community_id=scope, version=version, fingerprint=fingerprint[:64], blob=blob,
            metrics=metrics, created_at=now))
        return version

    # -- crises ----------------------------------------------------------------------------

    async def open_crisis(self, title: str, opened_by: str, now: datetime,
                          steps: dict[str, datetime]) -> int:
        crises = Crisis.__table__
        result = await self.session.execute(insert(crises).values(
            community_id=self.community_id, title=title, opened_by=opened_by, status="open",
            opened_at=now).returning(crises.c.id))
        crisis_id = int(result.scalar_one())
        await self.session.execute(insert(CrisisStep.__table__), [
            {"crisis_id": crisis_id, "name": name, "due_at": due} for name, due in steps.items()
        ])
        return crisis_id

    async def crisis(self, crisis_id: int | None = None, *,
                     open_only: bool = False) -> dict[str, Any] | None:
        """A crisis of this community by id, or the newest (open) one."""
        table = Crisis.__table__
        stmt = select(table).where(table.c.community_id == self.community_id)
        if crisis_id is not None:
            stmt = stmt.where(table.c.id == crisis_id)
        if open_only:
            stmt = stmt.where(table.c.status == "open")
        stmt = stmt.order_by(table.c.id.desc()).limit(1)
        row = (await self.session.execute(stmt)).mappings().first()
        return None if row is None else dict(row)

    async def crisis_steps(self, crisis_id: int) -> list[dict[str, Any]]:
        table = CrisisStep.__table__
        rows = await self.session.execute(select(table).where(table.c.crisis_id == crisis_id)
                                          .order_by(table.c.due_at, table.c.id))
        return [dict(r) for r in rows.mappings()]

    async def finish_step(self, crisis_id: int, name: str, by: str, now: datetime) -> bool:
        table = CrisisStep.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.crisis_id == crisis_id, table.c.name == name, table.c.done_at.is_(None),
        ).values(done_at=now, done_by=by))
        return int(result.rowcount or 0) == 1

    async def add_crisis_update(self, crisis_id: int, author_id: str, text: str,
                                now: datetime) -> None:
        await self.session.execute(insert(CrisisUpdate.__table__).values(
            crisis_id=crisis_id, author_id=author_id, text=text, at=now))

    async def crisis_updates(self, crisis_id: int) -> list[dict[str, Any]]:
        table = CrisisUpdate.__table__
        rows = await self.session.execute(select(table).where(table.c.crisis_id == crisis_id)
                                          .order_by(table.c.at, table.c.id))
        return [dict(r) for r in rows.mappings()]

    async def close_crisis(self, crisis_id: int, by: str, now: datetime) -> bool:
        table = Crisis.__table__
        result: Any = await self.session.execute(update(table).where(
            table.c.community_id == self.community_id, table.c.id == crisis_id,
            table.c.status == "open").values(status="closed", closed_by=by, closed_at=now))
        return int(result.rowcount or 0) == 1

    async def add_postmortem(self, crisis_id: int, author_id: str, whys: list[str],
                             actions: list[dict[str, str]], now: datetime) -> bool:
        """Store the postmortem; False when the crisis already has one."""
        table = Postmortem.__table__
        if await self.postmortem(crisis_id) is not None:
            return False
        await self.session.execute(insert(table).values(
            crisis_id=crisis_id, author_id=author_id, whys=whys, actions=actions,
            created_at=now))
        return True

    async def postmortem(self, crisis_id: int) -> dict[str, Any] | None:
        table = Postmortem.__table__
        row = (await self.session.execute(select(table).where(
            table.c.crisis_id == crisis_id))).mappings().first()
        return None if row is None else dict(row)

    # -- audit -----------------------------------------------------------------------------

    async def audit_entries(self, limit: int = 20) -> list[dict[str, Any]]:
        table = AuditEntry.__table__
        rows = await self.session.execute(select(table).where(
            table.c.community_id == self.community_id).order_by(table.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]
