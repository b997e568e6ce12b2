"""The sweeper on SQLite and PostgreSQL: firing, retries, policies, reclaim, concurrency."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.scheduler import repository as repo
from bot.scheduler.sweeper import ClaimedItem, Sweeper, settle_success
from bot.storage.models import ScheduledItem
from domain.schedule import Backoff
from tests.bot.scheduler.helpers import sqlite_db

T = ScheduledItem.__table__
NO_JITTER = Backoff(base=timedelta(seconds=10), factor=2, cap=timedelta(minutes=5), jitter=0)


async def add(db, clock, **kw: Any) -> int:
    kw.setdefault("payload", {})
    kw.setdefault("community_id", "dc:1")
    async with db.sessions() as s, s.begin():
        return await repo.schedule(s, now=clock(), **kw)


async def fetch(db, item_id: int) -> dict[str, Any]:
    async with db.sessions() as s:
        row = (await s.execute(select(T).where(T.c.id == item_id))).mappings().one()
    return dict(row)


class Recorder:
    """A kind handler that records every call and can be told to fail."""

    def __init__(self, fail_times: int = 0, error: Exception | None = None) -> None:
        self.calls: list[ClaimedItem] = []
        self.fail_times = fail_times
        self.error = error or RuntimeError("platform said no")

    async def __call__(self, item: ClaimedItem, now: datetime) -> None:
        self.calls.append(item)
        if len(self.calls) <= self.fail_times:
            raise self.error

    @property
    def keys(self) -> list[str]:
        return [c.idempotency_key for c in self.calls]


async def test_fires_due_items_only_and_marks_them_done(db, clock) -> None:
    due = await add(db, clock, kind="reminder", due_at=clock() - timedelta(seconds=1),
                    payload={"text": "check the PR"}, owner_id="dc:7")
    later = await add(db, clock, kind="reminder", due_at=clock() + timedelta(minutes=5))
    rec = Recorder()
    sweeper = Sweeper(db.sessions, {"reminder": rec}, worker_id="w1", clock=clock)
    assert await sweeper.sweep_once() == 1
    [item] = rec.calls
    assert (item.id, item.payload, item.owner_id, item.attempt) == (due, {"text":
                                                                         "check the PR"},
                                                                     "dc:7", 1)
    assert item.idempotency_key == f"{due}:{(clock() - timedelta(seconds=1)).isoformat()}"
    row = await fetch(db, due)
    assert (row["status"], row["claimed_by"], row["last_error"]) == ("done", "w1", None)
    assert (await fetch(db, later))["status"] == "pending"
    assert await sweeper.sweep_once() == 0
    clock.advance(minutes=5)
    assert await sweeper.sweep_once() == 1
    assert (await fetch(db, later))["status"] == "done"
    assert len(rec.calls) == 2


async def test_only_kinds_with_handlers_are_claimed(db, clock) -> None:
    unknown = await add(db, clock, kind="future_kind", due_at=clock())
    sweeper = Sweeper(db.sessions, {"reminder": Recorder()}, clock=clock)
    assert await sweeper.sweep_once() == 0
    assert (await fetch(db, unknown))["status"] == "pending"


async def test_retry_with_backoff_then_failed_with_the_error(db, clock) -> None:
    item_id = await add(db, clock, kind="reminder", due_at=clock())
    rec = Recorder(fail_times=99, error=ValueError("channel 42 not found"))
    sweeper = Sweeper(db.sessions, {"reminder": rec}, clock=clock, max_attempts=3,
                      backoff=NO_JITTER)
    start = clock()
    await sweeper.sweep_once()
    row = await fetch(db, item_id)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["due_at"] == start + timedelta(seconds=10)
    assert row["last_error"] == "ValueError: channel 42 not found"
    assert row["claimed_by"] is None
    assert await sweeper.sweep_once() == 0  # not before the back-off delay
    clock.advance(seconds=10)
    await sweeper.sweep_once()
    row = await fetch(db, item_id)
    assert row["status"] == "pending" and row["attempts"] == 2
    assert row["due_at"] == clock() + timedelta(seconds=20)  # doubled
    clock.advance(seconds=20)
    await sweeper.sweep_once()
    row = await fetch(db, item_id)
    assert row["status"] == "failed" and row["attempts"] == 3
    assert "failed after 3 attempts" in row["last_error"]
    assert "channel 42 not found" in row["last_error"]
    # every attempt of the occurrence carried the same idempotency key
    assert len(rec.calls) == 3 and len(set(rec.keys)) == 1
    assert rec.keys[0] == f"{item_id}:{start.isoformat()}"
    assert [c.attempt for c in rec.calls] == [1, 2, 3]
    assert rec.calls[0].payload == rec.calls[2].payload == {}  # internal marker hidden
    clock.advance(days=1)
    assert await sweeper.sweep_once() == 0  # failed items stay failed


async def test_retry_then_success(db, clock) -> None:
    item_id = await add(db, clock, kind="reminder", due_at=clock(), payload={"n": 1})
    rec = Recorder(fail_times=1)
    sweeper = Sweeper(db.sessions, {"reminder": rec}, clock=clock, backoff=NO_JITTER)
    await sweeper.sweep_once()
    clock.advance(seconds=10)
    await sweeper.sweep_once()
    row = await fetch(db, item_id)
    assert row["status"] == "done" and row["last_error"] is None
    assert row["payload"] == {"n": 1}


async def test_a_raising_or_hanging_handler_does_not_block_others(db, clock) -> None:
    ok_ids = []
    for i in range(10):
        await add(db, clock, kind="broken", due_at=clock() - timedelta(seconds=10 - i))
        ok_ids.append(await add(db, clock, kind="reminder",
                                due_at=clock() - timedelta(seconds=10 - i)))
    hang_id = await add(db, clock, kind="hang", due_at=clock() - timedelta(seconds=20))
    ok = Recorder()

    async def broken(item: ClaimedItem, now: datetime) -> None:
        raise KeyError("boom")

    async def hang(item: ClaimedItem, now: datetime) -> None:
        await asyncio.sleep(3600)

    sweeper = Sweeper(db.sessions, {"reminder": ok, "broken": broken, "hang": hang},
                      clock=clock, handler_timeout=timedelta(seconds=0.2), batch_size=50)
    assert await sweeper.sweep_once() == 21
    assert sorted(c.id for c in ok.calls) == ok_ids
    for item_id in ok_ids:
        assert (await fetch(db, item_id))["status"] == "done"
    hung = await fetch(db, hang_id)
    assert hung["status"] == "pending" and "timed out" in hung["last_error"]
    assert sweeper.stats.retried == 11 and sweeper.stats.succeeded == 10


async def test_recurring_item_gets_next_due_instead_of_done(db, clock) -> None:
    # clock: Monday 2026-03-02 09:00 UTC = 10:00 Berlin
    item_id = await add(db, clock, kind="digest", due_at=clock(), recurrence="0 10 * * mon",
                        timezone="Europe/Berlin")
    rec = Recorder()
    sweeper = Sweeper(db.sessions, {"digest": rec}, clock=clock)
    await sweeper.sweep_once()
    row = await fetch(db, item_id)
    assert row["status"] == "pending" and row["attempts"] == 0
    assert row["due_at"] == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    # across the spring-forward (2026-03-29) the UTC hour changes, the local hour does not
    for _ in range(4):
        clock.now = (await fetch(db, item_id))["due_at"]
        await sweeper.sweep_once()
    assert (await fetch(db, item_id))["due_at"] == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
    assert len(set(rec.keys)) == 5


async def _downtime(db, clock, policy: str) -> tuple[int, Recorder, Sweeper]:
    """A daily 10:00 UTC item, then the bot is down from Monday 09:00 until Thursday 12:00."""
    item_id = await add(db, clock, kind="digest", due_at=None, recurrence="0 10 * * *",
                        timezone="UTC", missed_policy=policy)
    rec = Recorder()
    sweeper = Sweeper(db.sessions, {"digest": rec}, clock=clock)
    clock.now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # missed Mon, Tue, Wed, Thu 10:00
    return item_id, rec, sweeper


async def test_missed_policy_once_fires_once_late(db, clock) -> None:
    item_id, rec, sweeper = await _downtime(db, clock, "once")
    for _ in range(3):
        await sweeper.sweep_once()
    assert len(rec.calls) == 1
    assert rec.calls[0].due_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert rec.calls[0].late_by == timedelta(days=3, hours=2)
    assert (await fetch(db, item_id))["due_at"] == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


async def test_missed_policy_skip_fires_nothing_late(db, clock) -> None:
    item_id, rec, sweeper = await _downtime(db, clock, "skip")
    for _ in range(3):
        await sweeper.sweep_once()
    assert rec.calls == []
    row = await fetch(db, item_id)
    assert row["due_at"] == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert row["status"] == "pending"
    clock.now = datetime(2026, 3, 6, 10, 0, 20, tzinfo=UTC)  # 20 s late is within grace
    await sweeper.sweep_once()
    assert len(rec.calls) == 1


async def test_missed_policy_all_fires_every_missed_occurrence_once(db, clock) -> None:
    item_id, rec, sweeper = await _downtime(db, clock, "all")
    for _ in range(6):
        await sweeper.sweep_once()
    assert [c.due_at.day for c in rec.calls] == [2, 3, 4, 5]
    assert len(set(rec.keys)) == 4
    assert (await fetch(db, item_id))["due_at"] == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


async def test_one_off_item_with_skip_policy_is_closed_without_firing(db, clock) -> None:
    late = await add(db, clock, kind="nudge", due_at=clock() - timedelta(hours=2),
                     missed_policy="skip")
    on_time = await add(db, clock, kind="nudge", due_at=clock() - timedelta(seconds=5),
                        missed_policy="skip")
    rec = Recorder()
    await Sweeper(db.sessions, {"nudge": rec}, clock=clock).sweep_once()
    assert [c.id for c in rec.calls] == [on_time]
    row = await fetch(db, late)
    assert row["status"] == "done" and row["last_error"].startswith("skipped")


async def test_stale_claim_is_reclaimed_and_fired_with_the_same_key(db, clock) -> None:
    due = clock() - timedelta(minutes=20)
    item_id = await add(db, clock, kind="reminder", due_at=due)
    dead_claim = clock() - timedelta(minutes=10)
    async with db.sessions() as s, s.begin():  # a worker claimed it, then died
        await s.execute(update(T).where(T.c.id == item_id).values(
            status="running", claimed_by="dead-worker", claimed_at=dead_claim, attempts=1))
    rec = Recorder()
    sweeper = Sweeper(db.sessions, {"reminder": rec}, clock=clock, worker_id="w2",
                      lease=timedelta(minutes=5))
    await sweeper.sweep_once()
    assert rec.keys == [f"{item_id}:{due.isoformat()}"]
    assert rec.calls[0].attempt == 2
    row = await fetch(db, item_id)
    assert (row["status"], row["claimed_by"]) == ("done", "w2")
    assert sweeper.stats.reclaimed == 1
    # the dead worker's late settle is fenced off
    ghost = ClaimedItem(**{**_fields(rec.calls[0]), "claimed_by": "dead-worker",
                           "claimed_at": dead_claim})
    async with db.sessions() as s, s.begin():
        assert await settle_success(s, ghost, clock()) is False


async def test_restart_with_the_same_worker_id_reclaims_its_old_claims(db, clock) -> None:
    item_id = await add(db, clock, kind="reminder", due_at=clock())
    async with db.sessions() as s, s.begin():  # "node-1" died holding the row
        await s.execute(update(T).where(T.c.id == item_id).values(
            status="running", claimed_by="node-1", claimed_at=clock() - timedelta(hours=1),
            attempts=1))
    rec = Recorder()
    await Sweeper(db.sessions, {"reminder": rec}, clock=clock, worker_id="node-1").sweep_once()
    assert [c.id for c in rec.calls] == [item_id]


async def test_a_sweeper_never_reclaims_rows_it_is_still_running(db) -> None:
    calls: list[str] = []

    async def slow(item: ClaimedItem, now: datetime) -> None:
        calls.append(item.idempotency_key)
        await asyncio.sleep(0.6)  # longer than the (too short) lease

    async with db.sessions() as s, s.begin():
        item_id = await repo.schedule(s, kind="slow", due_at=datetime.now(UTC), payload={},
                                      community_id=None)
    sweeper = Sweeper(db.sessions, {"slow": slow}, lease=timedelta(seconds=0.2),
                      handler_timeout=timedelta(seconds=5),
                      reclaim_every=timedelta(seconds=0.05), idle_cap=0.05)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sweeper.run_forever(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if (await fetch(db, item_id))["status"] == "done":
            break
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    assert (await fetch(db, item_id))["status"] == "done"
    assert len(calls) == 1 and sweeper.stats.reclaimed == 0


def _fields(item: ClaimedItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ClaimedItem.__slots__}


async def test_fresh_claims_are_not_reclaimed(db, clock) -> None:
    item_id = await add(db, clock, kind="reminder", due_at=clock())
    async with db.sessions() as s, s.begin():
        await s.execute(update(T).where(T.c.id == item_id).values(
            status="running", claimed_by="busy-worker", claimed_at=clock(), attempts=1))
    rec = Recorder()
    await Sweeper(db.sessions, {"reminder": rec}, clock=clock).sweep_once()
    assert rec.calls == []
    assert (await fetch(db, item_id))["claimed_by"] == "busy-worker"


async def test_item_that_keeps_killing_its_worker_ends_failed(db, clock) -> None:
    item_id = await add(db, clock, kind="reminder", due_at=clock())
    async with db.sessions() as s, s.begin():
        await s.execute(update(T).where(T.c.id == item_id).values(
            status="running", claimed_by="dead", claimed_at=clock() - timedelta(hours=1),
            attempts=3))
    rec = Recorder()
    await Sweeper(db.sessions, {"reminder": rec}, clock=clock, max_attempts=3).sweep_once()
    assert rec.calls == []
    row = await fetch(db, item_id)
    assert row["status"] == "failed" and "gave up after 3 attempts" in row["last_error"]


async def test_cancel_during_run_sticks(db, clock) -> None:
    item_id = await add(db, clock, kind="digest", due_at=clock(), recurrence="0 10 * * *",
                        timezone="UTC")

    async def cancels_itself(item: ClaimedItem, now: datetime) -> None:
        async with db.sessions() as s, s.begin():
            assert await repo.cancel(s, item.id)

    await Sweeper(db.sessions, {"digest": cancels_itself}, clock=clock).sweep_once()
    assert (await fetch(db, item_id))["status"] == "cancelled"


async def test_bad_recurrence_in_a_row_fails_it_without_running(db, clock) -> None:
    item_id = await add(db, clock, kind="digest", due_at=clock())
    async with db.sessions() as s, s.begin():
        await s.execute(update(T).where(T.c.id == item_id).values(recurrence="61 * * * *"))
    rec = Recorder()
    await Sweeper(db.sessions, {"digest": rec}, clock=clock).sweep_once()
    assert rec.calls == []
    row = await fetch(db, item_id)
    assert row["status"] == "failed" and "cannot schedule" in row["last_error"]


async def test_handler_can_settle_in_its_own_transaction(db, clock) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS sent_marks (k VARCHAR(200))"))
        await conn.execute(text("DELETE FROM sent_marks"))
    item_id = await add(db, clock, kind="reminder", due_at=clock())

    async def atomic(item: ClaimedItem, now: datetime) -> None:
        async with db.sessions() as s, s.begin():
            await s.execute(text("INSERT INTO sent_marks (k) VALUES (:k)"),
                            {"k": item.idempotency_key})
            assert await settle_success(s, item, now)

    await Sweeper(db.sessions, {"reminder": atomic}, clock=clock).sweep_once()
    assert (await fetch(db, item_id))["status"] == "done"
    async with db.sessions() as s:
        marks = (await s.execute(text("SELECT k FROM sent_marks"))).scalars().all()
    assert marks == [f"{item_id}:{clock().isoformat()}"]


async def _two_sweepers(db, clock, n: int) -> tuple[collections.Counter[str], list[int]]:
    for i in range(n):
        await add(db, clock, kind="reminder", due_at=clock() - timedelta(milliseconds=n - i))
    fires: collections.Counter[str] = collections.Counter()
    per_worker = [0, 0]
    engines = [db.new_engine(), db.new_engine()]

    def handler_for(index: int):  # type: ignore[no-untyped-def]
        async def handler(item: ClaimedItem, now: datetime) -> None:
            fires[item.idempotency_key] += 1
            per_worker[index] += 1
            await asyncio.sleep(0.002)

        return handler

    sweepers = [Sweeper(sm, {"reminder": handler_for(i)}, worker_id=f"w{i}", clock=clock,
                        batch_size=10, concurrency=4) for i, (_, sm) in enumerate(engines)]

    async def drain(sweeper: Sweeper) -> None:
        idle = 0
        while idle < 3:
            idle = idle + 1 if await sweeper.sweep_once() == 0 else 0

    try:
        await asyncio.gather(*(drain(s) for s in sweepers))
    finally:
        for engine, _ in engines:
            await engine.dispose()
    return fires, per_worker


@pytest.mark.postgres
async def test_two_sweepers_on_postgres_never_double_fire(pg_db, clock) -> None:
    fires, per_worker = await _two_sweepers(pg_db, clock, 300)
    assert len(fires) == 300
    assert set(fires.values()) == {1}, [k for k, v in fires.items() if v > 1]
    assert all(count > 0 for count in per_worker), per_worker  # both really worked
    async with pg_db.sessions() as s:
        statuses = (await s.execute(select(T.c.status))).scalars().all()
    assert collections.Counter(statuses) == {"done": 300}


async def test_two_sweepers_on_one_sqlite_file_never_double_fire(tmp_path, clock) -> None:
    db = await sqlite_db(tmp_path / "two.db")
    try:
        fires, _ = await _two_sweepers(db, clock, 200)
    finally:
        await db.engine.dispose()
    assert len(fires) == 200 and set(fires.values()) == {1}


# -- run_forever (real time) --------------------------------------------------------------------


async def test_run_forever_wakes_for_a_new_earlier_item_and_stops(db) -> None:
    fired: dict[int, datetime] = {}

    async def handler(item: ClaimedItem, now: datetime) -> None:
        fired[item.id] = now

    sweeper = Sweeper(db.sessions, {"reminder": handler}, idle_cap=30.0)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sweeper.run_forever(stop))
    await asyncio.sleep(0.3)  # now idle, sleeping up to 30 s
    due = datetime.now(UTC) + timedelta(milliseconds=200)
    async with db.sessions() as s, s.begin():
        item_id = await repo.schedule(s, kind="reminder", due_at=due, payload={},
                                      community_id="dc:1")
    sweeper.wake(due)
    for _ in range(100):
        if item_id in fired:
            break
        await asyncio.sleep(0.02)
    assert item_id in fired, "the woken sweeper did not fire the new item"
    assert fired[item_id] >= due
    assert fired[item_id] - due < timedelta(seconds=1)
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    assert (await fetch(db, item_id))["status"] == "done"


async def test_run_forever_slow_handler_does_not_delay_other_items(db) -> None:
    started = asyncio.Event()
    fast_done: list[datetime] = []

    async def slow(item: ClaimedItem, now: datetime) -> None:
        started.set()
        await asyncio.sleep(30)

    async def fast(item: ClaimedItem, now: datetime) -> None:
        fast_done.append(datetime.now(UTC))

    now = datetime.now(UTC)
    async with db.sessions() as s, s.begin():
        slow_id = await repo.schedule(s, kind="slow", due_at=now, payload={},
                                      community_id=None)
        await repo.schedule(s, kind="fast", due_at=now + timedelta(milliseconds=300),
                            payload={}, community_id=None)
    sweeper = Sweeper(db.sessions, {"slow": slow, "fast": fast}, shutdown_grace=0.1)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sweeper.run_forever(stop))
    await asyncio.wait_for(started.wait(), timeout=5)
    for _ in range(100):
        if fast_done:
            break
        await asyncio.sleep(0.02)
    assert fast_done and fast_done[0] - now < timedelta(seconds=1.5)
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    # the unfinished slow item was handed back, without counting an attempt
    row = await fetch(db, slow_id)
    assert (row["status"], row["attempts"], row["claimed_by"]) == ("pending", 0, None)
