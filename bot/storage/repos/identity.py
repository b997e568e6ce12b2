"""Queries behind identity linking: one-time codes, persons and the members they group.

Exposed to handlers as ``uow.identity`` inside a command's transaction, so a link (code
consumed, person created or merged, members updated, audit rows) is all-or-nothing.

Codes and persons are global, not per community: the point of a code is to be entered in a
different community (the same person's group on the other platform) than the one that
issued it. Consuming a code is a ``DELETE`` whose row count decides who got it, so two
concurrent redemptions cannot both succeed (the row lock serialises them on PostgreSQL,
the single writer does on SQLite).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditEntry, LinkCode, Member, Person
from domain.identity import FAILED_AUDIT_ACTION, Account, IssuedCode, MemberRef, MergePlan


class IdentityRepository:
    name = "identity"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    # -- codes -----------------------------------------------------------------------------

    async def issue_code(self, member_id: str, code: str, expires_at: datetime,
                         now: datetime) -> None:
        """Store ``code`` for a member of this community, replacing the member's older
        codes (only the newest works) and dropping every expired code on the way."""
        table = LinkCode.__table__
        await self.session.execute(delete(table).where(table.c.expires_at <= now))
        await self.session.execute(delete(table).where(
            table.c.community_id == self.community_id, table.c.member_id == member_id))
        await self.session.execute(insert(table).values(
            code=code, community_id=self.community_id, member_id=member_id,
            expires_at=expires_at))

    async def code_taken(self, code: str) -> bool:
        table = LinkCode.__table__
        found = await self.session.scalar(select(table.c.code).where(table.c.code == code))
        return found is not None

    async def find_code(self, code: str) -> IssuedCode | None:
        table = LinkCode.__table__
        row = (await self.session.execute(
            select(table).where(table.c.code == code))).mappings().first()
        if row is None:
            return None
        return IssuedCode(row["code"], row["community_id"], row["member_id"], row["expires_at"])

    async def consume_code(self, code: str) -> bool:
        """Delete the code; True only for the one caller that actually removed it."""
        table = LinkCode.__table__
        result: Any = await self.session.execute(delete(table).where(table.c.code == code))
        return int(result.rowcount or 0) == 1

    # -- accounts and persons --------------------------------------------------------------

    async def account(self, ref: MemberRef) -> Account | None:
        table = Member.__table__
        row = (await self.session.execute(
            select(table.c.display_name, table.c.person_id).where(
                table.c.community_id == ref.community_id,
                table.c.member_id == ref.member_id))).first()
        if row is None:
            return None
        return Account(ref, row[0] or "", row[1])

    async def accounts_of(self, person_id: int) -> list[Account]:
        table = Member.__table__
        rows = await self.session.execute(
            select(table.c.community_id, table.c.member_id, table.c.display_name)
            .where(table.c.person_id == person_id)
            .order_by(table.c.community_id, table.c.member_id))
        return [Account(MemberRef(c, m), n or "", person_id) for c, m, n in rows]

    async def link(self, first: MemberRef, second: MemberRef, plan: MergePlan,
                   now: datetime) -> int:
        """Put both accounts into one person following ``plan``; returns the person id."""
        person_id = plan.keep
        if person_id is None:
            person = Person(created_at=now)
            self.session.add(person)
            await self.session.flush()
            person_id = int(person.id)
        members = Member.__table__
        if plan.absorb is not None:
            await self.session.execute(update(members).where(
                members.c.person_id == plan.absorb).values(person_id=person_id))
            await self.session.execute(delete(Person.__table__).where(
                Person.__table__.c.id == plan.absorb))
        for ref in (first, second):
            await self.session.execute(update(members).where(and_(
                members.c.community_id == ref.community_id,
                members.c.member_id == ref.member_id)).values(person_id=person_id))
        return person_id

    async def unlink(self, ref: MemberRef) -> int | None:
        """Detach one account from its person; returns the person it left, if any.

        A person left with a single account links nothing, so it is dissolved too.
        """
        account = await self.account(ref)
        if account is None or account.person_id is None:
            return None
        person_id = account.person_id
        members = Member.__table__
        await self.session.execute(update(members).where(and_(
            members.c.community_id == ref.community_id,
            members.c.member_id == ref.member_id)).values(person_id=None))
        remaining = await self.session.scalar(
            select(func.count()).select_from(members).where(members.c.person_id == person_id))
        if int(remaining or 0) <= 1:
            await self.session.execute(update(members).where(
                members.c.person_id == person_id).values(person_id=None))
            await self.session.execute(delete(Person.__table__).where(
                Person.__table__.c.id == person_id))
        return person_id

    # -- guessing limit and audit ----------------------------------------------------------

    async def failed_attempts(self, member_id: str, since: datetime) -> int:
        """Wrong codes this account entered since ``since``, in any community."""
        table = AuditEntry.__table__
        count = await self.session.scalar(
            select(func.count()).select_from(table).where(
                table.c.action == FAILED_AUDIT_ACTION, table.c.actor_id == member_id,
                table.c.at >= since))
        return int(count or 0)

    async def audit_in(self, community_id: str, at: datetime, actor_id: str, action: str, *,
                       target_id: str | None = None, details: dict[str, Any] | None = None
                       ) -> None:
        """An audit row in another community (the one that issued the code), so admins
        on both sides see the link."""
        await self.session.execute(insert(AuditEntry.__table__).values(
            community_id=community_id, at=at, actor_id=actor_id, action=action,
            target_id=target_id, reason="", evidence_hash=None, details=details))
