"""Scheduling, idempotent scheduling, cancel and listing, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.scheduler import repository as repo
from bot.scheduler.recurrence import RecurrenceError
from bot.storage.models import ScheduledItem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_schedule_and_list(db) -> None:
    async with db.sessions() as s, s.begin():
        a = await repo.schedule(s, kind="reminder", due_at=NOW + timedelta(hours=2),
                                payload={"text": "check the PR"}, community_id="dc:1",
                                owner_id="dc:7", now=NOW)
        b = await repo.schedule(s, kind="reminder", due_at=NOW + timedelta(hours=1),
                                payload={"text": "stand-up"}, community_id="dc:1",
                                owner_id="dc:8", now=NOW)
        c = await repo.schedule(s, kind="digest", due_at=None, payload=None,
                                community_id="dc:1", recurrence="0 10 * * 1",
                                timezone="Europe/Berlin", now=NOW)
    async with db.sessions() as s:
        mine = await repo.list_pending(s, owner_id="dc:7")
        everything = await repo.list_pending(s, community_id="dc:1")
        digests = await repo.list_pending(s, kind="digest")
        row = await repo.get(s, c)
    assert [i.id for i in mine] == [a]
    assert mine[0].payload == {"text": "check the PR"}
    assert mine[0].due_at == NOW + timedelta(hours=2)
    assert [i.id for i in everything] == [b, a, c]  # soonest first
    assert [i.id for i in digests] == [c]
    # 1 = Monday in crontab numbering, stored as a name. NOW is Monday 10:00 Berlin exactly,
    # so the first occurrence strictly after it is the next Monday, 10:00 CET = 09:00 UTC.
    assert row is not None and row.recurrence == "0 10 * * mon"
    assert row.due_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


async def test_same_idempotency_key_returns_existing_row(db) -> None:
    kwargs = dict(kind="sla", due_at=NOW + timedelta(minutes=30), payload={"case": 3},
                  community_id="tg:-100", idempotency_key="sla:case:3", now=NOW)
    async with db.sessions() as s, s.begin():
        first = await repo.schedule(s, **kwargs)
    async with db.sessions() as s, s.begin():
        second = await repo.schedule(s, **{**kwargs, "payload": {"case": 999}})
    assert first == second
    async with db.sessions() as s:
        count = (await s.execute(select(func.count()).select_from(ScheduledItem))).scalar_one()
        item = await repo.get(s, first)
    assert count == 1
    assert item is not None and item.payload == {"case": 3}


async def test_concurrent_scheduling_with_one_key_makes_one_row(db) -> None:
    async def add() -> int:
        async with db.sessions() as s, s.begin():
            return await repo.schedule(s, kind="wake", due_at=NOW, payload={},
                                       community_id="dc:1", idempotency_key="wake:dc:9:1",
                                       now=NOW)

    ids = await asyncio.gather(*(add() for _ in range(5)), return_exceptions=True)
    assert all(isinstance(i, int) for i in ids), ids
    assert len(set(ids)) == 1
    async with db.sessions() as s:
        count = (await s.execute(select(func.count()).select_from(ScheduledItem))).scalar_one()
    assert count == 1


async def test_cancel_respects_owner_and_status(db) -> None:
    async with db.sessions() as s, s.begin():
        item = await repo.schedule(s, kind="reminder", due_at=NOW + timedelta(hours=1),
                                   payload={}, community_id="dc:1", owner_id="dc:7", now=NOW)
        keyed = await repo.schedule(s, kind="sla", due_at=NOW, payload={},
                                    community_id="dc:1", idempotency_key="sla:1", now=NOW)
    async with db.sessions() as s, s.begin():
        assert await repo.cancel(s, item, owner_id="dc:8") is False  # not theirs
        assert await repo.cancel(s, 999_999) is False
        assert await repo.cancel(s, item, owner_id="dc:7") is True
        assert await repo.cancel(s, item, owner_id="dc:7") is False  # already cancelled
        assert await repo.cancel_by_key(s, "sla:1") is True
    async with db.sessions() as s:
        assert await repo.list_pending(s, community_id="dc:1") == []
        assert await repo.count_active(s, owner_id="dc:7") == 0
        assert (await repo.get(s, keyed)).status == "cancelled"


async def test_bad_arguments_are_refused_before_writing(db) -> None:
    async with db.sessions() as s, s.begin():
        with pytest.raises(ValueError, match="naive"):
            await repo.schedule(s, kind="reminder", due_at=datetime(2026, 1, 1), payload={},
                                community_id="dc:1")
        with pytest.raises(ValueError, match="missed_policy"):
            await repo.schedule(s, kind="reminder", due_at=NOW, payload={}, community_id=None,
                                missed_policy="sometimes")
        with pytest.raises(RecurrenceError, match="five"):
            await repo.schedule(s, kind="digest", due_at=None, payload={}, community_id=None,
                                recurrence="0 10 * *")
        with pytest.raises(RecurrenceError, match="time zone"):
            await repo.schedule(s, kind="digest", due_at=None, payload={}, community_id=None,
                                recurrence="0 10 * * mon", timezone="Mars/Olympus")
        with pytest.raises(ValueError, match="reserved"):
            await repo.schedule(s, kind="reminder", due_at=NOW, community_id=None,
                                payload={"_hearth_occurrence": "x"})
    async with db.sessions() as s:
        count = (await s.execute(select(func.count()).select_from(ScheduledItem))).scalar_one()
    assert count == 0


async def test_session_bound_repository_tracks_earliest(db) -> None:
    async with db.sessions() as s, s.begin():
        items = repo.ScheduledItems(s)
        await items.schedule(kind="reminder", due_at=NOW + timedelta(hours=3), payload={},
                             community_id="dc:1", owner_id="dc:1", now=NOW)
        await items.schedule(kind="reminder", due_at=NOW + timedelta(minutes=5), payload={},
                             community_id="dc:1", owner_id="dc:1", now=NOW)
        assert items.earliest == NOW + timedelta(minutes=5)
        assert await items.count_active(owner_id="dc:1") == 2
