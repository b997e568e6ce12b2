"""Growth queries: ledger lookups, rankings, teams, shop stock and purchases, helpful marks.

Exposed as ``uow.growth`` inside a command's transaction (and built on the event unit of
work's read session by ``bot.growth.service`` for the rare event that must query). Every
write that two members could race for is conditional and reports whether it happened:
inserts use ``ON CONFLICT DO NOTHING … RETURNING``, counters ``UPDATE … WHERE <limit>`` with
the row count, so the caller turns "nothing happened" into the right refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Activity, LedgerEntry, Member, MemberStats
from bot.storage.models_growth import (
    DynamicStage,
    HelpfulMark,
    PostQuality,
    ShopPurchase,
    ShopStock,
    Team,
    TeamMember,
)

# Imported XP was not earned in any recent window: it counts for all-time boards only.
NOT_WINDOWED_REASONS = ("mee6_import",)


class GrowthRepository:
    name = "growth"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    def _insert(self, table: Any) -> Any:
        dialect = self.session.bind.dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    # -- ledger ----------------------------------------------------------------------------
    async def ledger_rows(self, member_id: str | None, source_key: str) -> list[dict[str, Any]]:
        table = LedgerEntry.__table__
        stmt = select(table).where(table.c.community_id == self.community_id,
                                   table.c.source_key == source_key)
        if member_id is not None:
            stmt = stmt.where(table.c.member_id == member_id)
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def reaction_rows(self, message_id: str) -> list[dict[str, Any]]:
        """Ledger rows of reactions to ``message_id`` (source keys ``r:<message>:…``)."""
        table = LedgerEntry.__table__
        prefix = f"r:{message_id}:"
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = select(table).where(table.c.community_id == self.community_id,
                                   table.c.source_key.like(escaped + "%", escape="\\"))
        rows = (await self.session.execute(stmt)).mappings()
        return [dict(r) for r in rows if str(r["source_key"]).startswith(prefix)]

    async def insert_ledger(self, row: dict[str, Any]) -> None:
        """A ledger row without counter changes (the caller already moved the counters)."""
        await self.session.execute(insert(LedgerEntry.__table__).values(**row))

    async def points_by_category(self, member_id: str) -> dict[str, int]:
        ledger = LedgerEntry.__table__
        stmt = (select(ledger.c.category, func.sum(ledger.c.lifetime_delta))
                .where(ledger.c.community_id == self.community_id,
                       ledger.c.member_id == member_id)
                .group_by(ledger.c.category))
        totals = {c: int(p or 0) for c, p in (await self.session.execute(stmt)).all()}
        return {c: p for c, p in totals.items() if p}

    # -- member stats ----------------------------------------------------------------------
    async def lock_stats(self, member_id: str) -> dict[str, Any] | None:
        """The member's stats row, locked until the transaction ends.

        The row is created if missing; a no-op UPDATE takes the row lock on PostgreSQL (on
        SQLite it starts the write transaction, which serialises writers anyway).
        """
        table = MemberStats.__table__
        await self.session.execute(
            self._insert(table).values(community_id=self.community_id, member_id=member_id,
                                       **_STATS_DEFAULTS)
            .on_conflict_do_nothing(index_elements=["community_id", "member_id"]))
        where = and_(table.c.community_id == self.community_id, table.c.member_id == member_id)
        await self.session.execute(update(table).where(where).values(balance=table.c.balance))
        row = (await self.session.execute(select(table).where(where))).mappings().first()
        return None if row is None else dict(row)

    async def spend(self, member_id: str, price: int) -> bool:
        table = MemberStats.__table__
        result: Any = await self.session.execute(
            update(table).where(table.c.community_id == self.community_id,
                                table.c.member_id == member_id, table.c.balance >= price)
            .values(balance=table.c.balance - price))
        return int(result.rowcount or 0) == 1

    async def rank_position(self, lifetime: int) -> tuple[int, int]:
        """(1 + members with more lifetime points, members with any points)."""
        table = MemberStats.__table__
        where = table.c.community_id == self.community_id
        higher = await self.session.scalar(
            select(func.count()).where(where, table.c.lifetime > lifetime))
        ranked = await self.session.scalar(
            select(func.count()).where(where, table.c.lifetime > 0))
        return int(higher or 0) + 1, int(ranked or 0)

    async def top(self, limit: int, since: datetime | None) -> list[tuple[str, str, int]]:
        """(member, display name, points) best first; ``since`` sums points earned since
        (without imported XP), otherwise lifetime totals."""
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
                    .where(ledger.c.community_id == self.community_id, ledger.c.at >= since,
                           ledger.c.reason.not_in(NOT_WINDOWED_REASONS))
                    .group_by(ledger.c.member_id, member.c.display_name)
                    .having(points > 0)
                    .order_by(points.desc(), ledger.c.member_id).limit(limit))
        rows = (await self.session.execute(stmt)).all()
        return [(r[0], r[1] or r[0].split(":", 1)[-1], int(r[2])) for r in rows]

    async def window_points(self, since: datetime) -> list[tuple[str, int]]:
        """(member, points earned since ``since``) for every member (dynamic stages)."""
        ledger = LedgerEntry.__table__
        points = func.sum(ledger.c.lifetime_delta)
        stmt = (select(ledger.c.member_id, points)
                .where(ledger.c.community_id == self.community_id, ledger.c.at >= since,
                       ledger.c.reason.not_in(NOT_WINDOWED_REASONS))
                .group_by(ledger.c.member_id))
        return [(m, int(p or 0)) for m, p in (await self.session.execute(stmt)).all()]

    async def display_names(self, member_ids: list[str]) -> dict[str, str]:
        if not member_ids:
            return {}
        table = Member.__table__
        stmt = select(table.c.member_id, table.c.display_name).where(
            table.c.community_id == self.community_id, table.c.member_id.in_(member_ids))
        return {m: n for m, n in (await self.session.execute(stmt)).all() if n}

    # -- dynamic stages --------------------------------------------------------------------
    async def dynamic_stages(self) -> dict[str, str]:
        table = DynamicStage.__table__
        stmt = select(table.c.member_id, table.c.stage).where(
            table.c.community_id == self.community_id)
        return {m: s for m, s in (await self.session.execute(stmt)).all()}

    async def replace_dynamic_stages(self, stages: dict[str, str], at: datetime) -> None:
        table = DynamicStage.__table__
        await self.session.execute(delete(table).where(table.c.community_id == self.community_id))
        if stages:
            await self.session.execute(insert(table), [
                {"community_id": self.community_id, "member_id": m, "stage": s,
                 "computed_at": at} for m, s in stages.items()])

    # -- teams -----------------------------------------------------------------------------
    async def memberships(self) -> tuple[dict[str, str], dict[str, str]]:
        teams, members = Team.__table__, TeamMember.__table__
        names = {k: n for k, n in (await self.session.execute(
            select(teams.c.team_key, teams.c.name).where(
                teams.c.community_id == self.community_id))).all()}
        member_of = {m: k for m, k in (await self.session.execute(
            select(members.c.member_id, members.c.team_key).where(
                members.c.community_id == self.community_id))).all()}
        return names, member_of

    async def team(self, team_key: str) -> dict[str, Any] | None:
        table = Team.__table__
        row = (await self.session.execute(select(table).where(
            table.c.community_id == self.community_id, table.c.team_key == team_key))
        ).mappings().first()
        return None if row is None else dict(row)

    async def team_of(self, member_id: str) -> str | None:
        table = TeamMember.__table__
        return await self.session.scalar(select(table.c.team_key).where(
            table.c.community_id == self.community_id, table.c.member_id == member_id))

    async def team_keys(self) -> set[str]:
        table = Team.__table__
        rows = await self.session.execute(select(table.c.team_key).where(
            table.c.community_id == self.community_id))
        return {k for (k,) in rows}

    async def team_names(self) -> dict[str, str]:
        return (await self.memberships())[0]

    async def team_member_ids(self, team_key: str) -> list[str]:
        table = TeamMember.__table__
        rows = await self.session.execute(select(table.c.member_id).where(
            table.c.community_id == self.community_id, table.c.team_key == team_key)
            .order_by(table.c.joined_at, table.c.member_id))
        return [m for (m,) in rows]

    async def create_team(self, team_key: str, name: str, created_by: str,
                          at: datetime) -> bool:
        table = Team.__table__
        stmt = (self._insert(table).values(community_id=self.community_id, team_key=team_key,
                                           name=name, created_by=created_by, created_at=at)
                .on_conflict_do_nothing(index_elements=["community_id", "team_key"])
                .returning(table.c.team_key))
        return (await self.session.execute(stmt)).first() is not None

    async def join_team(self, member_id: str, team_key: str, at: datetime,
                        max_members: int | None) -> bool:
        """Add the member unless they are in a team already or the team is full.

        The team row is locked first (no-op UPDATE), so on PostgreSQL concurrent joins of
        one team count its members one after the other.
        """
        teams, members = Team.__table__, TeamMember.__table__
        locked: Any = await self.session.execute(
            update(teams).where(teams.c.community_id == self.community_id,
                                teams.c.team_key == team_key).values(name=teams.c.name))
        if int(locked.rowcount or 0) != 1:
            return False
        c = members.c
        values = select(literal(self.community_id, c.community_id.type),
                        literal(member_id, c.member_id.type), literal(team_key, c.team_key.type),
                        literal(at, c.joined_at.type))
        if max_members is not None:
            size = (select(func.count()).select_from(members)
                    .where(members.c.community_id == self.community_id,
                           members.c.team_key == team_key).scalar_subquery())
            values = values.where(size < max_members)
        stmt = (self._insert(members)
                .from_select(["community_id", "member_id", "team_key", "joined_at"], values)
                .on_conflict_do_nothing(index_elements=["community_id", "member_id"])
                .returning(members.c.member_id))
        return (await self.session.execute(stmt)).first() is not None

    async def leave_team(self, member_id: str) -> str | None:
        """Remove the member; a team left empty is deleted (its name becomes free)."""
        members, teams = TeamMember.__table__, Team.__table__
        key = await self.team_of(member_id)
        if key is None:
            return None
        await self.session.execute(delete(members).where(
            members.c.community_id == self.community_id, members.c.member_id == member_id))
        left = await self.session.scalar(select(func.count()).select_from(members).where(
            members.c.community_id == self.community_id, members.c.team_key == key))
        if not left:
            await self.session.execute(delete(teams).where(
                teams.c.community_id == self.community_id, teams.c.team_key == key))
        return key

    async def team_points(self) -> tuple[dict[str, int], dict[str, str], list[str]]:
        members, stats = TeamMember.__table__, MemberStats.__table__
        stmt = (select(members.c.member_id, members.c.team_key,
                       func.coalesce(stats.c.lifetime, 0))
                .join(stats, and_(stats.c.community_id == members.c.community_id,
                                  stats.c.member_id == members.c.member_id), isouter=True)
                .where(members.c.community_id == self.community_id))
        points: dict[str, int] = {}
        membership: dict[str, str] = {}
        for member_id, key, lifetime in (await self.session.execute(stmt)).all():
            points[member_id] = int(lifetime or 0)
            membership[member_id] = key
        return points, membership, sorted(await self.team_keys())

    # -- shop ------------------------------------------------------------------------------
    async def stock_sold(self, item_ids: list[str]) -> dict[str, int]:
        table = ShopStock.__table__
        rows = await self.session.execute(select(table.c.item_id, table.c.sold).where(
            table.c.community_id == self.community_id, table.c.item_id.in_(item_ids)))
        return {i: int(s) for i, s in rows}

    async def bought_count(self, member_id: str, item_id: str) -> int:
        table = ShopPurchase.__table__
        count = await self.session.scalar(select(func.count()).select_from(table).where(
            table.c.community_id == self.community_id, table.c.member_id == member_id,
            table.c.item_id == item_id))
        return int(count or 0)

    async def take_stock(self, item_id: str, stock: int) -> bool:
        """One unit of ``item_id`` if fewer than ``stock`` are sold (race-safe)."""
        table = ShopStock.__table__
        await self.session.execute(
            self._insert(table).values(community_id=self.community_id, item_id=item_id, sold=0)
            .on_conflict_do_nothing(index_elements=["community_id", "item_id"]))
        result: Any = await self.session.execute(
            update(table).where(table.c.community_id == self.community_id,
                                table.c.item_id == item_id, table.c.sold < stock)
            .values(sold=table.c.sold + 1))
        return int(result.rowcount or 0) == 1

    async def return_stock(self, item_id: str) -> None:
        table = ShopStock.__table__
        await self.session.execute(
            update(table).where(table.c.community_id == self.community_id,
                                table.c.item_id == item_id, table.c.sold > 0)
            .values(sold=table.c.sold - 1))

    async def record_purchase(self, member_id: str, item_id: str, price: int,
                              detail: str | None, at: datetime) -> int:
        table = ShopPurchase.__table__
        stmt = insert(table).values(community_id=self.community_id, member_id=member_id,
                                    item_id=item_id, price=price, detail=detail,
                                    at=at).returning(table.c.id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def latest_title(self, member_id: str, item_ids: list[str]) -> str | None:
        table = ShopPurchase.__table__
        return await self.session.scalar(
            select(table.c.detail).where(
                table.c.community_id == self.community_id, table.c.member_id == member_id,
                table.c.item_id.in_(item_ids), table.c.detail.is_not(None))
            .order_by(table.c.at.desc(), table.c.id.desc()).limit(1))

    # -- content quality -------------------------------------------------------------------
    async def unscored_posts(self, until: datetime, limit: int) -> list[dict[str, Any]]:
        """Messages posted up to ``until`` with no quality score yet (oldest first), except
        those their author deleted."""
        activity, quality = Activity.__table__, PostQuality.__table__
        deleted = Activity.__table__.alias("deleted")
        stmt = (select(activity.c.message_id, activity.c.member_id, activity.c.channel_id,
                       activity.c.at, activity.c.text, activity.c.deleted)
                .where(activity.c.community_id == self.community_id,
                       activity.c.kind == "message", activity.c.at <= until,
                       activity.c.message_id.is_not(None),
                       ~exists().where(quality.c.community_id == self.community_id,
                                       quality.c.message_id == activity.c.message_id),
                       ~exists().where(deleted.c.community_id == self.community_id,
                                       deleted.c.kind == "delete",
                                       deleted.c.message_id == activity.c.message_id))
                .order_by(activity.c.at, activity.c.id).limit(limit))
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def messages_of(self, member_ids: list[str], since: datetime,
                          until: datetime) -> list[dict[str, Any]]:
        table = Activity.__table__
        found: list[dict[str, Any]] = []
        for chunk in _chunks(member_ids):
            stmt = (select(table.c.message_id, table.c.member_id, table.c.channel_id,
                           table.c.at, table.c.text)
                    .where(table.c.community_id == self.community_id,
                           table.c.kind == "message", table.c.member_id.in_(chunk),
                           table.c.at >= since, table.c.at <= until))
            found.extend(dict(r) for r in (await self.session.execute(stmt)).mappings())
        return sorted(found, key=lambda row: (row["at"], row["message_id"] or ""))

    async def replies_to(self, member_ids: list[str], since: datetime,
                         until: datetime) -> list[dict[str, Any]]:
        """Messages by others that answer one of ``member_ids`` in the period."""
        table = Activity.__table__
        found: list[dict[str, Any]] = []
        for chunk in _chunks(member_ids):
            stmt = (select(table.c.message_id, table.c.member_id, table.c.target_member_id,
                           table.c.channel_id, table.c.at)
                    .where(table.c.community_id == self.community_id,
                           table.c.kind == "message", table.c.target_member_id.in_(chunk),
                           table.c.member_id != table.c.target_member_id,
                           ~table.c.deleted,
                           table.c.at >= since, table.c.at <= until))
            found.extend(dict(r) for r in (await self.session.execute(stmt)).mappings())
        return found

    async def reaction_activity(self, message_ids: list[str]) -> list[dict[str, Any]]:
        table = Activity.__table__
        found: list[dict[str, Any]] = []
        for chunk in _chunks(message_ids):
            stmt = (select(table.c.message_id, table.c.member_id, table.c.text,
                           table.c.kind, table.c.at)
                    .where(table.c.community_id == self.community_id,
                           table.c.kind.in_(("reaction", "unreaction")),
                           table.c.message_id.in_(chunk)).order_by(table.c.at, table.c.id))
            found.extend(dict(r) for r in (await self.session.execute(stmt)).mappings())
        return found

    async def helpful_counts(self, message_ids: list[str]) -> dict[str, int]:
        table = HelpfulMark.__table__
        counts: dict[str, int] = {}
        for chunk in _chunks(message_ids):
            rows = await self.session.execute(
                select(table.c.message_id, func.count()).where(
                    table.c.community_id == self.community_id,
                    table.c.message_id.in_(chunk)).group_by(table.c.message_id))
            counts.update({m: int(n) for m, n in rows})
        return counts

    async def store_quality(self, scored: list[dict[str, Any]], at: datetime) -> None:
        if not scored:
            return
        table = PostQuality.__table__
        await self.session.execute(
            self._insert(table).on_conflict_do_nothing(
                index_elements=["community_id", "message_id"]),
            [{"community_id": self.community_id, "computed_at": at, **row} for row in scored])

    async def effective_interactions(self, member_ids: list[str]) -> dict[str, float]:
        """Sum over each member's scored posts of interactions x score."""
        table = PostQuality.__table__
        totals: dict[str, float] = {}
        for chunk in _chunks(member_ids):
            rows = await self.session.execute(
                select(table.c.member_id, func.sum(table.c.interactions * table.c.score))
                .where(table.c.community_id == self.community_id,
                       table.c.member_id.in_(chunk)).group_by(table.c.member_id))
            totals.update({m: float(v or 0.0) for m, v in rows})
        return totals

    async def creation_units(self, member_ids: list[str]) -> dict[str, int]:
        """Creation units already awarded (the highest ``creation:<units>`` source key)."""
        table = LedgerEntry.__table__
        units: dict[str, int] = {}
        for chunk in _chunks(member_ids):
            rows = await self.session.execute(
                select(table.c.member_id, table.c.source_key).where(
                    table.c.community_id == self.community_id, table.c.reason == "creation",
                    table.c.member_id.in_(chunk)))
            for member_id, key in rows:
                number = str(key).rsplit(":", 1)[-1]
                if number.isdigit():
                    units[member_id] = max(units.get(member_id, 0), int(number))
        return units

    # -- helpful marks ---------------------------------------------------------------------
    async def mark_helpful(self, message_id: str, marked_by: str, author_id: str,
                           at: datetime) -> bool:
        """False when this moderator already marked this message."""
        table = HelpfulMark.__table__
        stmt = (self._insert(table).values(community_id=self.community_id,
                                           message_id=message_id, marked_by=marked_by,
                                           author_id=author_id, at=at)
                .on_conflict_do_nothing(index_elements=["community_id", "message_id",
                                                        "marked_by"])
                .returning(table.c.message_id))
        return (await self.session.execute(stmt)).first() is not None


_STATS_DEFAULTS: dict[str, Any] = {
    "lifetime": 0, "balance": 0, "messages": 0, "replies_sent": 0, "replies_received": 0,
    "reactions_given": 0, "reactions_received": 0, "threads_started": 0,
    "voice_minutes": 0.0, "helpful": 0, "active_days": 0, "streak": 0, "best_streak": 0,
    "stage": "newcomer", "level": 0,
}


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]
