"""The process the kill -9 test kills: the real pipeline replaying a file plus a real sweeper.

    python kill9_worker.py seed CONFIG ITEMS SPAN    migrate, schedule ITEMS test timers due
                                                     over the next SPAN seconds
    python kill9_worker.py run CONFIG INPUT PROGRESS [--pause S] [--chunk N] [--drain]

``run`` is ``hearth replay`` (``bot.replay.replay_into``: same pipeline, same batch writer,
same ``durable N`` progress lines) with the scheduler's sweeper running alongside, as under
``hearth run``. The sweeper is the one ``bot.scheduler.wiring`` builds (every registered
timer kind, fired through ``pipeline.run_timer`` and settled in the handler's transaction);
only its lease is shortened so a restarted process reclaims the items a killed one left
``running`` within a second instead of five minutes.

The timer kind ``ops_kill9`` is registered here, for this test only: each fire writes an
audit row (no unique key, so a second commit of the same item would show up as a second row)
and a ledger row, in the transaction that marks the item done.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TIMER_KIND = "ops_kill9"
FIRED = "ops_kill9.fired"
DRAIN_TIMEOUT = 90.0


def register_timer() -> None:
    from handlers.registry import registry

    if TIMER_KIND in registry.timers:
        return

    @registry.timer(TIMER_KIND)
    async def fire(payload: dict[str, Any], ctx: Any) -> list[Any]:
        item = ctx.flags.get("item") or {}
        ctx.uow.audit("ops-kill9", FIRED, target_id=payload["member"],
                      details={"n": payload["n"], "key": item.get("idempotency_key")})
        ctx.uow.add_ledger(payload["member"], 3, reason=TIMER_KIND,
                           source_key=f"{TIMER_KIND}:{payload['n']}")
        return []


async def seed(config_path: str, items: int, span: float) -> None:
    from bot.bootstrap import build_app
    from bot.config import load_config
    from bot.scheduler import repository

    config = load_config(config_path)
    community = next(iter(config.communities))
    app = await build_app(config)
    now = datetime.now(UTC)
    try:
        async with app.sessions() as session, session.begin():
            for n in range(items):
                # A few are already due; the rest fall due while the test kills and restarts.
                due = now + timedelta(seconds=span * (n - items * 0.1) / items)
                await repository.schedule(
                    session, kind=TIMER_KIND, due_at=due, community_id=community,
                    payload={"n": n, "member": f"{community.split(':')[0]}:timer{n % 5}"},
                    idempotency_key=f"{TIMER_KIND}:{n}", now=now)
    finally:
        await app.close()


async def run(config_path: str, source: str, progress: str, *, pause: float, chunk: int,
              drain: bool) -> None:
    from sqlalchemy import func, select

    from bot.bootstrap import build_app
    from bot.config import load_config
    from bot.replay import replay_into
    from bot.scheduler.wiring import build_sweeper
    from bot.storage.models import ScheduledItem

    app = await build_app(load_config(config_path))
    sweeper = build_sweeper(app, lambda: datetime.now(UTC))
    sweeper.lease = timedelta(seconds=1.5)
    sweeper.handler_timeout = timedelta(seconds=5)
    sweeper.reclaim_every = timedelta(seconds=0.2)
    sweeper.idle_cap = 0.1
    stop = asyncio.Event()
    task = asyncio.create_task(sweeper.run_forever(stop))
    try:
        total, bad = await replay_into(app, Path(source), progress=False,
                                       progress_file=progress, chunk_size=chunk, pause=pause)
        if drain:
            deadline = asyncio.get_running_loop().time() + DRAIN_TIMEOUT
            while True:
                async with app.sessions() as session:
                    left = (await session.execute(
                        select(func.count()).select_from(ScheduledItem).where(
                            ScheduledItem.kind == TIMER_KIND,
                            ScheduledItem.status.in_(("pending", "running"))))).scalar_one()
                if not left:
                    break
                if asyncio.get_running_loop().time() > deadline:
                    raise SystemExit(f"{left} scheduled items still open after "
                                     f"{DRAIN_TIMEOUT:.0f} s")
                sweeper.wake()
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        sweeper.wake()
        await task
        await app.close()
    stats = app.pipeline.stats
    print(json.dumps({"events": total, "bad": bad, "processed": stats.processed,
                      "duplicates": stats.duplicates, "failed": stats.failed,
                      "fired": sweeper.stats.succeeded, "reclaimed": sweeper.stats.reclaimed}))


def main(argv: list[str]) -> None:
    register_timer()
    command = argv[0]
    if command == "seed":
        asyncio.run(seed(argv[1], int(argv[2]), float(argv[3])))
    elif command == "run":
        options = argv[4:]

        def option(name: str, default: str) -> str:
            return options[options.index(name) + 1] if name in options else default

        asyncio.run(run(argv[1], argv[2], argv[3], pause=float(option("--pause", "0")),
                        chunk=int(option("--chunk", "200")), drain="--drain" in options))
    else:
        raise SystemExit(f"unknown command {command!r}; use seed or run")


if __name__ == "__main__":
    main(sys.argv[1:])
