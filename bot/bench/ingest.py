"""``hearth bench ingest``: the growth pipeline against a naive bot and raw sqlite3.

(a) Hearth's full pipeline (tracking, points with anti-farming, stages, badges) made durable
in SQLite through the batch writer; (b) a naive levelling bot: one AsyncSession and one commit
per message (insert message, update member); (c) raw ``sqlite3`` executemany in WAL mode —
the practical ceiling. Plus event-to-durable latency at a steady offered load.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.events import MessagePosted

COMMUNITY = "console:bench"
WORDS = ("deploy cache thread garden python rust tree meetup docs review patch build test "
         "release plugin screenshot migration tip question answer thanks community event "
         "树 花园 代码 活动 问题 感谢 文档 发布").split()


def messages(n: int, *, members: int = 2000, seed: int = 1,
             start: datetime | None = None) -> list[MessagePosted]:
    """Realistic-enough chat: varied texts, replies, many members, seconds apart."""
    rng = random.Random(seed)
    at = start or datetime(2026, 2, 1, tzinfo=UTC)
    out: list[MessagePosted] = []
    for i in range(n):
        at += timedelta(milliseconds=rng.randint(5, 400))
        member = f"console:m{rng.randrange(members)}"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14)))
        reply = rng.random() < 0.3 and i > 0
        out.append(MessagePosted(
            COMMUNITY, member, at, channel_id=rng.choice(("general", "help", "random")),
            message_id=f"b{seed}-{i}", text=text, member_name=member[8:],
            reply_to_message_id=out[-1].message_id if reply else None,
            reply_to_member_id=out[-1].member_id if reply else None))
    return out


def _config(path: Path, *, growth_only: bool = True) -> Any:
    """The bench community's config. ``growth_only`` switches off line-1 safety filters and
    sentiment scoring: this bench measures the growth pipeline the issue names (tracking,
    points, stages, badges, durability); ``hearth bench filters`` and ``hearth bench
    sentiment`` measure those two features on their own."""
    from bot.config import default_config

    sections: dict[str, Any] = {}
    if growth_only:
        sections = {"safety": {"enabled": False}, "sentiment": {"enabled": False}}
    return default_config(f"sqlite+aiosqlite:///{path}",
                          communities=[{"platform": "console", "id": "bench"}], **sections)


async def run_pipeline(events: list[MessagePosted], db: Path) -> float:
    from bot.bootstrap import build_app

    app = await build_app(_config(db))
    try:
        started = time.perf_counter()
        for i in range(0, len(events), 2000):
            await app.pipeline.process_many(events[i:i + 2000], check_stored=False)
        await app.pipeline.flush()
        return len(events) / (time.perf_counter() - started)
    finally:
        await app.close()


async def run_naive(events: list[MessagePosted], db: Path) -> float:
    """One session and one commit per message, as typical levelling bots do."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from bot.bench.naive_models import Base, Mem, Msg

    engine = create_async_engine(f"sqlite+aiosqlite:///{db}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        await conn.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    started = time.perf_counter()
    for e in events:
        async with sessions() as session:
            session.add(Msg(id=e.message_id, member=e.member_id, text=e.text))
            member = (await session.execute(select(Mem).where(Mem.id == e.member_id))
                      ).scalar_one_or_none()
            if member is None:
                member = Mem(id=e.member_id, xp=0, messages=0)
                session.add(member)
            member.xp += 15
            member.messages += 1
            await session.commit()
    rate = len(events) / (time.perf_counter() - started)
    await engine.dispose()
    return rate


def run_raw(events: list[MessagePosted], db: Path) -> float:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE msg (id TEXT PRIMARY KEY, member TEXT, channel TEXT, at TEXT, "
                 "text TEXT)")
    started = time.perf_counter()
    for i in range(0, len(events), 2000):
        chunk = events[i:i + 2000]
        with conn:
            conn.executemany("INSERT INTO msg VALUES (?, ?, ?, ?, ?)",
                             [(e.message_id, e.member_id, e.channel_id, e.at.isoformat(), e.text)
                              for e in chunk])
    rate = len(events) / (time.perf_counter() - started)
    conn.close()
    return rate


async def run_latency(rate: int, seconds: float, db: Path) -> tuple[float, float, int]:
    """Offer ``rate`` msgs/s one by one (live path); latency = event arrival -> committed."""
    from bot.bootstrap import build_app

    app = await build_app(_config(db))
    count = int(rate * seconds)
    events = messages(count, seed=99)
    arrived: list[float] = [0.0] * count
    durable: list[float] = [0.0] * count
    marks: list[tuple[int, float]] = []
    writer = app.writer
    previous = writer.on_flush

    def on_flush(report: Any) -> None:
        marks.append((writer.flushed_events, time.perf_counter()))
        if previous:
            previous(report)

    writer.on_flush = on_flush
    try:
        started = time.perf_counter()
        for i, event in enumerate(events):
            target = started + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            arrived[i] = max(target, time.perf_counter()) if delay > 0 else target
            await app.pipeline.process(event)
        await app.pipeline.flush()
    finally:
        await app.close()
    done = 0
    for upto, at in marks:
        for i in range(done, min(upto, count)):
            durable[i] = at
        done = max(done, min(upto, count))
    latencies = sorted((durable[i] - arrived[i]) * 1000 for i in range(done))
    if not latencies:
        return 0.0, 0.0, 0
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return p50, p99, done


async def bench_ingest(n: int = 100_000, naive_n: int = 3000, offered: int = 5000,
                       latency_seconds: float = 4.0) -> dict[str, Any]:
    events = messages(n)
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        root = Path(tmp)
        pipeline = await run_pipeline(events, root / "pipeline.db")
        naive = await run_naive(events[:naive_n], root / "naive.db")
        raw = run_raw(events, root / "raw.db")
        p50, p99, measured = await run_latency(offered, latency_seconds, root / "latency.db")
        # The 5,000 msgs/s is above what one process sustains on a small machine; the
        # same measurement at half the measured throughput shows the latency of a pipeline
        # that keeps up (bounded by the batch writer's flush interval, not by a queue).
        steady = max(100, min(offered, int(pipeline / 2)))
        _, steady_p99, _ = await run_latency(steady, latency_seconds, root / "steady.db")
    return {
        "messages": n,
        "pipeline_msgs_per_s": round(pipeline),
        "naive_msgs_per_s": round(naive),
        "raw_msgs_per_s": round(raw),
        "pipeline_vs_naive": round(pipeline / naive, 1),
        "pipeline_vs_raw": round(pipeline / raw, 3),
        "offered_msgs_per_s": offered,
        "latency_events": measured,
        "p50_latency_ms": round(p50, 2),
        "p99_latency_ms": round(p99, 2),
        "sustainable_offered_msgs_per_s": steady,
        "sustainable_p99_latency_ms": round(steady_p99, 2),
    }
