"""Repositories: the queries use cases need, behind one object per unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    Activity,
    AuditEntry,
    BadgeAward,
    LedgerEntry,
    Member,
    MemberStats,
)


class Repositories:
    def __init__(self, session: AsyncSession, community_id: str):
        self.session = session
        self.community_id = community_id

    # -- members ---------------------------------------------------------------------------
    async def member(self, member_id: str) -> dict[str, Any] | None:
        row = await self.session.get(Member, (self.community_id, member_id))
        return None if row is None else _as_dict(row)

    async def find_member(self, needle: str) -> dict[str, Any] | None:
        """Resolve a member by id (``dc:1``, ``1``) or by display name (case-insensitive)."""
        needle = needle.strip().lstrip("@")
        if not needle:
            return None
        table = Member.__table__
        stmt = select(table).where(table.c.community_id == self.community_id).where(
            (table.c.member_id == needle) | (table.c.member_id.like(f"%:{needle}"))
            | (func.lower(table.c.display_name) == needle.lower())
        ).limit(1)
        row = (await self.session.execute(stmt)).mappings().first()
        return None if row is None else dict(row)

    async def set_member_field(self, member_id: str, **values: Any) -> None:
        await self.session.execute(
            update(Member).where(and_(Member.community_id == self.community_id,
                                      Member.member_id == member_id)).values(**values)
        )

    # -- stats and ranking -----------------------------------------------------------------
    async def stats(self, member_id: str) -> dict[str, Any] | None:
        row = await self.session.get(MemberStats, (self.community_id, member_id))
        return None if row is None else _as_dict(row)

    async def rank_of(self, member_id: str, lifetime: int) -> tuple[int, int]:
        """(1-based position by lifetime points, number of ranked members)."""
        table = MemberStats.__table__
        where = table.c.community_id == self.community_id
        higher = await self.session.scalar(
            select(func.count()).where(where, table.c.lifetime > lifetime))
        total = await self.session.scalar(select(func.count()).where(where))
        return int(higher or 0) + 1, int(total or 0)

    async def top(self, limit: int = 10,
                  since: datetime | None = None) -> list[tuple[str, str, int]]:
        """(member_id, display_name, points) best first; ``since`` ranks points earned since."""
        member = Member.__table__
        if since is None:
            stats = MemberStats.__table__
            stmt = (select(stats.c.member_id, member.c.display_name, stats.c.lifetime)
                    .join(member, and_(member.c.community_id == stats.c.community_id,
                                       member.c.member_id == stats.c.member_id), isouter=True)
                    .where(stats.c.community_id == self.community_id, stats.c.lifetime > 0)
                    .order_by(stats.c.lifetime.desc(), stats.c.member_id).limit(limit))
        else:
            ledger = LedgerEntry.__table__
            points = func.sum(ledger.c.lifetime_delta).label("points")
            stmt = (select(ledger.c.member_id, member.c.display_name, points)
                    .join(member, and_(member.c.community_id == ledger.c.community_id,
                                       member.c.member_id == ledger.c.member_id), isouter=True)
                    .where(ledger.c.community_id == self.community_id, ledger.c.at >= since)
                    .group_by(ledger.c.member_id, member.c.display_name)
                    .having(points > 0)
                    .order_by(points.desc(), ledger.c.member_id).limit(limit))
        rows = (await self.session.execute(stmt)).all()
        return [(r[0], r[1] or r[0], int(r[2])) for r in rows]

    async def points_by_category(self, member_id: str) -> dict[str, int]:
        ledger = LedgerEntry.__table__
        stmt = (select(ledger.c.category, func.sum(ledger.c.lifetime_delta))
                .where(ledger.c.community_id == self.community_id,
                       ledger.c.member_id == member_id)
                .group_by(ledger.c.category))
        return {cat: int(total or 0) for cat, total in (await self.session.execute(stmt)).all()}

    async def ledger_sum(self, member_id: str) -> tuple[int, int]:
        """(balance, lifetime) recomputed from the ledger: the source of truth."""
        ledger = LedgerEntry.__table__
        stmt = select(func.coalesce(func.sum(ledger.c.delta), 0),
                      func.coalesce(func.sum(ledger.c.lifetime_delta), 0)).where(
            ledger.c.community_id == self.community_id, ledger.c.member_id == member_id)
        balance, lifetime = (await self.session.execute(stmt)).one()
        return int(balance), int(lifetime)

    # -- activity --------------------------------------------------------------------------
    async def message(self, message_id: str) -> dict[str, Any] | None:
        table = Activity.__table__
        stmt = select(table).where(table.c.community_id == self.community_id,
                                   table.c.event_key == f"m:{message_id}")
        row = (await self.session.execute(stmt)).mappings().first()
        return None if row is None else dict(row)

    async def ledger_for_source(self, source_key: str) -> list[dict[str, Any]]:
        ledger = LedgerEntry.__table__
        stmt = select(ledger).where(ledger.c.community_id == self.community_id,
                                    ledger.c.source_key == source_key)
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    # -- badges ----------------------------------------------------------------------------
    async def badges(self, member_id: str) -> list[tuple[str, datetime]]:
        table = BadgeAward.__table__
        stmt = (select(table.c.badge_id, table.c.awarded_at)
                .where(table.c.community_id == self.community_id,
                       table.c.member_id == member_id).order_by(table.c.awarded_at))
        return [(r[0], r[1]) for r in (await self.session.execute(stmt)).all()]

    # -- audit -----------------------------------------------------------------------------
    async def audit_entries(self, limit: int = 20) -> list[dict[str, Any]]:
        table = AuditEntry.__table__
        stmt = (select(table).where(table.c.community_id == self.community_id)
                .order_by(table.c.id.desc()).limit(limit))
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]


def _as_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
