"""A sweeper process for the restart-safety test (``test_sched_restart.py``).

    python restart_worker.py seed DB N      create the schema and N due items; print their keys
    python restart_worker.py run DB LOG     sweep until nothing is pending or running

The handler records each fire in the ``fires`` table and appends "pid key" to LOG (one line per
*execution*), then sleeps inside its transaction so that a SIGKILL is likely to land mid-item.

Why every item is recorded exactly once even though the process is killed at random:

1. The fire record and "this item is done" (``settle_success``) are written in ONE database
   transaction. A kill before the commit loses both: the row stays ``running`` and the fire
   is not recorded. A kill after the commit loses neither.
2. A row left ``running`` by the dead process is reclaimed once its lease (1 s here) expires
   and runs again with the same idempotency key (``id:due_at``): at-least-once execution.
3. The settle is fenced on (status='running', claimed_by, claimed_at): if a claim was taken
   over meanwhile, ``settle_success`` returns False and the handler rolls back, so a slow
   "zombie" run cannot record a second fire either.
4. Belt and braces: the insert itself is "insert unless a fire with this key exists", so even
   a handler that settled separately would not record a key twice.

So executions (LOG lines) may exceed the number of items; recorded fires never do.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bot.scheduler import repository as repo  # noqa: E402
from bot.scheduler.sweeper import ClaimedItem, Sweeper, settle_success  # noqa: E402
from bot.storage.engine import create_engine, sessionmaker  # noqa: E402
from bot.storage.models import Base, ScheduledItem  # noqa: E402
from domain.schedule import Backoff  # noqa: E402

HANDLER_SECONDS = 0.1


class LostClaim(Exception):
    """The claim was taken over while this run was in progress; its writes are rolled back."""


async def seed(db: str, count: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(text(
            "CREATE TABLE fires (key VARCHAR(200) NOT NULL, pid INTEGER NOT NULL)"))
    now = datetime.now(UTC)
    keys = []
    async with sessionmaker(engine)() as s, s.begin():
        for i in range(count):
            due = now - timedelta(seconds=count - i)
            item_id = await repo.schedule(s, kind="fire", due_at=due, payload={"n": i},
                                          community_id="dc:1", now=now)
            keys.append(f"{item_id}:{due.isoformat()}")
    await engine.dispose()
    print(json.dumps(keys))


async def run(db: str, log_path: str) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    sessions = sessionmaker(engine)
    pid = os.getpid()
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - kept open for the process

    async def fire(item: ClaimedItem, now: datetime) -> None:
        async with sessions() as s, s.begin():
            await s.execute(text(
                "INSERT INTO fires (key, pid) SELECT :k, :p "
                "WHERE NOT EXISTS (SELECT 1 FROM fires WHERE key = :k)"),
                {"k": item.idempotency_key, "p": pid})
            log.write(f"{pid} {item.idempotency_key}\n")
            await asyncio.sleep(HANDLER_SECONDS)
            if not await settle_success(s, item, now):
                raise LostClaim(item.idempotency_key)

    # One handler at a time: each holds SQLite's write lock for its whole transaction.
    sweeper = Sweeper(sessions, {"fire": fire}, lease=timedelta(seconds=1),
                      handler_timeout=timedelta(seconds=0.6),
                      reclaim_every=timedelta(seconds=0.2), batch_size=4, concurrency=1,
                      idle_cap=0.2, backoff=Backoff(base=timedelta(seconds=0.2)))
    stop = asyncio.Event()

    async def stop_when_drained() -> None:
        while True:
            await asyncio.sleep(0.1)
            async with sessions() as s:
                left = (await s.execute(
                    select(func.count()).select_from(ScheduledItem)
                    .where(ScheduledItem.status.in_(("pending", "running"))))).scalar_one()
            if left == 0:
                stop.set()
                return

    watcher = asyncio.create_task(stop_when_drained())
    await sweeper.run_forever(stop)
    await watcher
    await engine.dispose()


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        asyncio.run(seed(sys.argv[2], int(sys.argv[3])))
    elif command == "run":
        asyncio.run(run(sys.argv[2], sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command!r}; use seed or run")
