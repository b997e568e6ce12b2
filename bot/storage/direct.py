"""Write staged rows inside an existing session (commands use their own transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.batch import SqlBatch, StagedEvent


async def write_staged(session: AsyncSession, staged: StagedEvent) -> int:
    conn = await session.connection()
    return await SqlBatch(conn.dialect.name).write(conn, [staged], {})


async def ensure_member(session: AsyncSession, community_id: str, member_id: str, name: str,
                        at: object) -> None:
    """Make sure the community and member rows exist before a command touches them."""
    from sqlalchemy.dialects import postgresql, sqlite

    from bot.storage.models import Member

    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(Member.__table__).values(
            community_id=community_id, member_id=member_id, display_name=name or "",
            first_seen=at, last_seen=at, nudges_opt_out=False, anonymised=False,
        ).on_conflict_do_nothing(index_elements=["community_id", "member_id"])
    )


async def claim_event(session: AsyncSession, row: dict) -> bool:
    """Insert an activity row unless its key exists; True when this call inserted it."""
    from sqlalchemy.dialects import postgresql, sqlite

    from bot.storage.models import Activity

    table = Activity.__table__
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(table).values(**row).on_conflict_do_nothing(
            index_elements=["community_id", "event_key"]).returning(table.c.id))
    return result.first() is not None
