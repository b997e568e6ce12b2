"""Batch writer on SQLite and PostgreSQL: flush by size and time, idempotency, failures.

Why: every message goes through here. It must write each event at most once however often the
event is seen (replays, two processes), keep counters in step with the ledger, and never lose
or half-write a batch silently.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.storage import migrate
from bot.storage.batch import BatchWriter, StagedEvent
from bot.storage.engine import create_engine
from bot.storage.models import Activity, AuditEntry, BadgeAward, LedgerEntry, Member, MemberStats

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COMMUNITY = {"id": "console:demo", "platform": "console", "name": "Demo", "language": "en",
             "timezone": "UTC", "created_at": T0}


@pytest.fixture
async def engine(db_url: str) -> Any:
    engine = create_engine(db_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


def staged(n: int, member: str = "console:alice", *, points: int = 1,
           at: datetime = T0, community: str = "console:demo") -> StagedEvent:
    """What a message handler stages: activity, a member sighting, a ledger row, counters."""
    event = StagedEvent(community, f"m:{n}")
    when = at + timedelta(minutes=n)
    event.activity = {
        "community_id": community, "event_key": f"m:{n}", "kind": "message",
        "member_id": member, "channel_id": "general", "message_id": str(n), "at": when,
        "text": f"hello {n}", "length": 7, "target_member_id": None, "thread_id": None,
        "points": points, "amount": 0.0, "deleted": False,
    }
    event.members.append({"community_id": community, "member_id": member,
                          "display_name": member.split(":")[1], "first_seen": when,
                          "last_seen": when, "joined_at": None, "left_at": None})
    event.ledger.append({"community_id": community, "member_id": member, "delta": points,
                         "lifetime_delta": points, "category": "activity", "reason": "message",
                         "source_key": f"m:{n}", "actor_id": None, "note": None, "at": when})
    event.add_stats(member, messages=1, balance=points, lifetime=points, first_seen=when,
                    last_seen=when)
    return event


async def snapshot(engine: Any) -> dict[str, Any]:
    """Row counts, ledger sums and counter sums: what must not change on a replay."""
    async with engine.connect() as conn:
        out: dict[str, Any] = {}
        for model in (Activity, Member, MemberStats, LedgerEntry, BadgeAward, AuditEntry):
            out[model.__tablename__] = await conn.scalar(
                select(func.count()).select_from(model.__table__))
        out["ledger_delta"] = await conn.scalar(select(func.coalesce(func.sum(
            LedgerEntry.delta), 0)))
        out["ledger_lifetime"] = await conn.scalar(select(func.coalesce(func.sum(
            LedgerEntry.lifetime_delta), 0)))
        for name in ("balance", "lifetime", "messages"):
            out[f"stats_{name}"] = await conn.scalar(select(func.coalesce(func.sum(
                getattr(MemberStats, name)), 0)))
    return {k: int(v) for k, v in out.items()}


async def activity_count(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Activity.__table__)))


async def eventually_rows(engine: Any, expected: int, seconds: float = 10.0) -> int:
    """Poll the activity count (flushes may run in the background); bounded in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    count = await activity_count(engine)
    while count != expected and loop.time() < deadline:
        await asyncio.sleep(0.02)
        count = await activity_count(engine)
    return count


async def test_flush_by_size(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=5, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    for n in range(4):
        await writer.add(staged(n))
    assert await eventually_rows(engine, 4, seconds=0.3) == 0, (
        "nothing is written before the batch is full (the timer is 60 s away)")
    assert len(writer) == 4 and writer.is_pending("console:demo", "m:3")
    await writer.add(staged(4))
    assert await eventually_rows(engine, 5) == 5, "the fifth event fills the batch and flushes"
    assert len(writer) == 0 and not writer.is_pending("console:demo", "m:3")
    for n in range(5, 9):
        await writer.add(staged(n))
    assert await eventually_rows(engine, 9, seconds=0.3) == 5
    await writer.close()
    assert await activity_count(engine) == 9


async def test_flush_by_time(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=30)
    writer.ensure_community(COMMUNITY)
    await writer.add(staged(1))
    await writer.add(staged(2))
    assert await activity_count(engine) == 0
    assert await eventually_rows(engine, 2) == 2, "the timer must flush without another event"
    assert len(writer) == 0
    await writer.close()


async def test_close_flushes_what_is_pending(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    for n in range(3):
        await writer.add(staged(n))
    await writer.close()
    assert await activity_count(engine) == 3


async def test_one_flush_writes_every_table(engine: Any) -> None:
    reports = []
    writer = BatchWriter(engine, batch_size=100, flush_interval_ms=60_000,
                         on_flush=reports.append)
    writer.ensure_community(COMMUNITY)
    event = staged(1, points=3)
    event.badges.append({"community_id": "console:demo", "member_id": "console:alice",
                         "badge_id": "first_post", "awarded_at": T0})
    event.audit.append({"community_id": "console:demo", "at": T0, "actor_id": "hearth",
                        "action": "award", "target_id": "console:alice", "reason": "test",
                        "evidence_hash": None, "details": {"badge": "first_post"}})
    await writer.add(event)
    await writer.add(staged(2, points=2))
    report = await writer.flush()
    assert (report.events, report.new_events) == (2, 2)
    assert reports == [report]
    assert await snapshot(engine) == {
        "activity": 2, "members": 1, "member_stats": 1, "ledger": 2, "badge_awards": 1,
        "audit_log": 1, "ledger_delta": 5, "ledger_lifetime": 5, "stats_balance": 5,
        "stats_lifetime": 5, "stats_messages": 2,
    }
    async with engine.connect() as conn:
        member = (await conn.execute(select(Member.__table__))).mappings().one()
        stats = (await conn.execute(select(MemberStats.__table__))).mappings().one()
    assert member["display_name"] == "alice"
    assert member["first_seen"] == T0 + timedelta(minutes=1)
    assert member["last_seen"] == T0 + timedelta(minutes=2)
    assert stats["first_seen"] == T0 + timedelta(minutes=1)
    assert stats["last_seen"] == T0 + timedelta(minutes=2)
    assert stats["first_seen"].tzinfo is not None, "times come back aware (UTC)"


async def test_replaying_the_same_events_changes_nothing(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=3, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    for n in range(7):
        await writer.add(staged(n, member=f"console:m{n % 3}", points=n + 1))
    await writer.flush()
    first = await snapshot(engine)
    assert first["ledger_delta"] == sum(range(1, 8)) == first["stats_balance"]

    for n in range(7):  # the same events again, as a replay would stage them
        await writer.add(staged(n, member=f"console:m{n % 3}", points=n + 1))
    await writer.flush()
    assert await snapshot(engine) == first
    await writer.close()


async def test_two_writers_seeing_the_same_events_count_them_once(engine: Any) -> None:
    """Two processes buffer the same events before either flushes; the DB decides."""
    one = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    two = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    for writer in (one, two):
        writer.ensure_community(COMMUNITY)
        for n in range(5):
            await writer.add(staged(n, points=2))
    first = await one.flush()
    second = await two.flush()
    assert (first.new_events, second.new_events) == (5, 0)
    assert await snapshot(engine) == {
        "activity": 5, "members": 1, "member_stats": 1, "ledger": 5, "badge_awards": 0,
        "audit_log": 0, "ledger_delta": 10, "ledger_lifetime": 10, "stats_balance": 10,
        "stats_lifetime": 10, "stats_messages": 5,
    }


async def test_staged_rows_without_activity_are_applied_but_ledger_stays_unique(
        engine: Any) -> None:
    """Command-style writes (no activity row) apply every time; the ledger row stays unique."""
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    await writer.add(staged(1))
    for _ in range(2):
        grant = StagedEvent("console:demo", "c:grant")
        grant.ledger.append({"community_id": "console:demo", "member_id": "console:alice",
                             "delta": 10, "lifetime_delta": 0, "category": "admin",
                             "reason": "grant", "source_key": "c:grant", "actor_id": None,
                             "note": None, "at": T0})
        await writer.add(grant)
        await writer.flush()
    result = await snapshot(engine)
    assert (result["ledger"], result["ledger_delta"]) == (2, 11)


@pytest.mark.parametrize("replayed", [False, True], ids=["new", "with-a-replayed-event"])
async def test_counters_and_absolute_fields_merge(engine: Any, replayed: bool) -> None:
    """With a replayed event in the batch, writers may take a slower exact path: same result."""
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    a = staged(1, at=T0 + timedelta(days=1))
    a.add_stats("console:alice", stage="regular", level=3, streak=2, state={"k": 1})
    b = staged(2, at=T0 - timedelta(days=1))
    b.add_stats("console:alice", reactions_given=4)
    await writer.add(a)
    await writer.add(b)
    await writer.flush()  # both merged in one flush
    c = staged(3, at=T0 + timedelta(days=5))
    c.add_stats("console:alice", level=4)
    await writer.add(c)
    if replayed:
        again = staged(1, at=T0 + timedelta(days=1))
        again.add_stats("console:alice", stage="newcomer", state={"k": 2})
        await writer.add(again)
    await writer.flush()  # and upserted onto the existing row
    async with engine.connect() as conn:
        row = (await conn.execute(select(MemberStats.__table__))).mappings().one()
    assert row["messages"] == 3 and row["reactions_given"] == 4 and row["lifetime"] == 3
    assert (row["stage"], row["level"], row["streak"]) == ("regular", 4, 2)
    assert row["state"] == {"k": 1}, "absolute fields not in a later event are kept"
    assert row["first_seen"] == T0 - timedelta(days=1) + timedelta(minutes=2)
    assert row["last_seen"] == T0 + timedelta(days=5, minutes=3)


async def test_member_upsert_keeps_names_and_join_time(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    join = StagedEvent("console:demo", "j:1")
    join.members.append({"community_id": "console:demo", "member_id": "console:bob",
                         "display_name": "Bob", "first_seen": T0, "last_seen": T0,
                         "joined_at": T0, "left_at": None})
    await writer.add(join)
    await writer.flush()
    later = StagedEvent("console:demo", "x:2")
    later.members.append({"community_id": "console:demo", "member_id": "console:bob",
                          "display_name": "", "first_seen": None, "last_seen": None,
                          "joined_at": T0 + timedelta(days=3), "left_at": T0 + timedelta(days=4)})
    await writer.add(later)
    await writer.flush()
    async with engine.connect() as conn:
        row = (await conn.execute(select(Member.__table__))).mappings().one()
    assert row["display_name"] == "Bob", "an empty name never overwrites a known one"
    assert row["joined_at"] == T0, "the first join time is kept"
    assert row["left_at"] == T0 + timedelta(days=4)
    assert row["first_seen"] == T0 and row["last_seen"] == T0


async def test_naive_datetimes_are_refused(engine: Any) -> None:
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000)
    writer.ensure_community(COMMUNITY)
    bad = staged(1)
    assert bad.activity is not None
    bad.activity["at"] = datetime(2026, 3, 1, 12, 0)
    await writer.add(bad)
    await writer.add(staged(2))
    await writer.flush()  # the refused event is logged and skipped, the other one written
    assert writer.skipped_events == 1
    assert await activity_count(engine) == 1


async def test_a_refused_event_is_skipped_whole_and_the_rest_written(engine: Any) -> None:
    failures: list[tuple[int, BaseException]] = []
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000,
                         on_failure=lambda batch, exc: failures.append((len(batch), exc)))
    writer.ensure_community(COMMUNITY)
    await writer.add(staged(1))
    broken = staged(2, member="console:bob", points=5)
    assert broken.activity is not None
    broken.activity["kind"] = None  # NOT NULL: this event's rows must all stay out
    await writer.add(broken)
    await writer.add(staged(3))
    await writer.flush()
    assert len(failures) == 1 and failures[0][0] == 1
    assert isinstance(failures[0][1], IntegrityError)
    result = await snapshot(engine)
    # events 1 and 3 complete; nothing of event 2 (no member bob, no 5-point ledger row)
    assert (result["activity"], result["members"], result["ledger"]) == (2, 1, 2)
    assert result["ledger_delta"] == 2 and result["stats_lifetime"] == 2


async def test_a_failed_flush_reports_rolls_back_and_the_writer_recovers(engine: Any) -> None:
    """A failure of the database as a whole (here: a missing table) is not blamed on one
    event: the flush raises, reports the whole batch and writes nothing of it."""
    from sqlalchemy import text

    failures: list[tuple[int, BaseException]] = []
    writer = BatchWriter(engine, batch_size=10_000, flush_interval_ms=60_000,
                         on_failure=lambda batch, exc: failures.append((len(batch), exc)))
    writer.ensure_community(COMMUNITY)
    await writer.add(staged(1))
    await writer.add(staged(2))
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE ledger RENAME TO ledger_away"))
    with pytest.raises(Exception, match="ledger"):
        await writer.flush()
    assert len(failures) == 1 and failures[0][0] == 2
    assert writer.last_error is failures[0][1] and writer.skipped_events == 0
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE ledger_away RENAME TO ledger"))
    assert await snapshot(engine) == {k: 0 for k in await snapshot(engine)}, "no half-writes"

    # The next batch (a new member, which needs the community row) still goes through.
    await writer.add(staged(3, member="console:carol"))
    await writer.flush()
    result = await snapshot(engine)
    assert (result["activity"], result["members"], result["ledger"]) == (1, 1, 1)
