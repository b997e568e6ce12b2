"""``hearth bench scheduler``: fire lateness and memory with 100,000 pending items.

Loads ``items`` pending rows whose due times are spread evenly over ``spread_s`` seconds, runs
the real :class:`~bot.scheduler.sweeper.Sweeper` loop until every item has fired, and reports
how late items fired (p50/p99/max) and the process RSS before loading, after loading and after
the run. Lateness is kept in a fixed histogram (1 ms buckets), so the benchmark itself holds no
per-item objects either; flat memory therefore means the sweeper holds none.

The due times are laid out before loading starts, and the sweeper's clock is shifted by a
constant so that the first item falls due ``lead_s`` after loading finished: loading time does
not eat into the schedule, and lateness is still measured in real elapsed time.

Targets (issue 8): p99 lateness <= 1,000 ms, memory flat.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, text

P99_TARGET_MS = 1000.0
BUCKETS = 60_000  # 1 ms buckets up to 60 s; later fires land in the last bucket
KIND = "bench"


def rss_mb(field: str = "VmRSS") -> float | None:
    """Resident set size of this process in MiB from /proc/self/status (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Histogram:
    """Lateness in 1 ms buckets: constant memory however many samples."""

    def __init__(self) -> None:
        self.counts = [0] * (BUCKETS + 1)
        self.total = 0
        self.max_ms = 0.0

    def add(self, ms: float) -> None:
        self.counts[min(max(int(ms), 0), BUCKETS)] += 1
        self.total += 1
        self.max_ms = max(self.max_ms, ms)

    def quantile(self, q: float) -> float | None:
        if not self.total:
            return None
        rank = q * self.total
        seen = 0
        for ms, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return float(ms)
        return float(BUCKETS)


def bench_scheduler(json_out: bool = False, items: int = 100_000, url: str | None = None, *,
                    spread_s: float = 30.0, lead_s: float = 2.0,
                    batch_size: int = 500) -> dict[str, Any]:
    """Run the benchmark and print the result (JSON with ``json_out``); returns the dict.

    ``url``: database to use (default: a temporary SQLite file). On a given database only
    rows of kind ``bench`` are created and removed again.
    """
    result = asyncio.run(_bench(items, url, spread_s, lead_s, batch_size))
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return result


async def _bench(items: int, url: str | None, spread_s: float, lead_s: float,
                 batch_size: int) -> dict[str, Any]:
    from bot.scheduler.sweeper import ClaimedItem, Sweeper
    from bot.storage.engine import create_engine, sessionmaker
    from bot.storage.models import Base, ScheduledItem

    table = ScheduledItem.__table__
    tmpdir = None
    if url is None:
        tmpdir = tempfile.mkdtemp(prefix="hearth-bench-")
        url = f"sqlite+aiosqlite:///{Path(tmpdir) / 'bench.db'}"
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    histogram = Histogram()
    fired = 0
    offset = timedelta(0)
    chunk = 2000

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    async def handler(item: ClaimedItem, now: datetime) -> None:
        nonlocal fired
        histogram.add((now - item.due_at).total_seconds() * 1000)
        fired += 1

    async def phase(count: int, spread: float) -> tuple[float, float]:
        """Load ``count`` items due over ``spread`` s, fire them all; (load s, run s)."""
        nonlocal offset
        base = datetime.now(UTC) + timedelta(days=1)
        started = time.perf_counter()
        await _load(engine, table, count, base, spread / max(count, 1), datetime.now(UTC),
                    chunk)
        if engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: without statistics the
            # planner sorts every due row instead of walking the (status, due_at) index.
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE scheduled_items"))
        loaded = time.perf_counter()
        marks["loaded"] = rss_mb()
        offset = base - (datetime.now(UTC) + timedelta(seconds=lead_s))
        stop = asyncio.Event()
        loop_task = asyncio.create_task(sweeper.run_forever(stop))
        deadline = loaded + lead_s + spread + 60
        while fired < count and time.perf_counter() < deadline and not loop_task.done():
            await asyncio.sleep(0.05)
        ran = time.perf_counter()
        stop.set()
        await loop_task
        return loaded - started, ran - loaded

    marks: dict[str, float | None] = {}
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.execute(delete(table).where(table.c.kind == KIND))
        sweeper = Sweeper(sessions, {KIND: handler}, clock=clock, batch_size=batch_size,
                          concurrency=batch_size, worker_id="bench")
        rss_cold = rss_mb()
        # Baseline in the same run: the same work at a tenth of the scale. It warms
        # connections, caches and allocator pools, and its memory growth per item is what
        # the full run is compared against: flat memory means the full run grows no more,
        # although it handles ten times as many items.
        warm = max(items // 10, 10)
        await phase(warm, spread_s / 10)
        rss_warm = rss_mb()
        histogram, fired = Histogram(), 0
        rss_before = rss_mb()
        load_s, run_s = await phase(items, spread_s)
        rss_loaded = marks["loaded"]
        rss_after = rss_mb()
        rss_peak = rss_mb("VmHWM")
        async with engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.kind == KIND))
    finally:
        await engine.dispose()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    p99 = histogram.quantile(0.99)
    return {
        "items": items,
        "fired": fired,
        "backend": engine.dialect.name,
        "spread_s": spread_s,
        "load_s": round(load_s, 2),
        "run_s": round(run_s, 2),
        "lateness_p50_ms": histogram.quantile(0.50),
        "lateness_p99_ms": p99,
        "lateness_max_ms": round(histogram.max_ms, 1),
        "lateness_p99_vs_target": round(p99 / P99_TARGET_MS, 3) if p99 is not None else None,
        "baseline_items": warm,
        "rss_mb_cold": rss_cold,
        "rss_mb_baseline_growth": _delta(rss_warm, rss_cold),
        "rss_mb_before": rss_before,
        "rss_mb_loaded": rss_loaded,
        "rss_mb_after": rss_after,
        "rss_mb_peak": rss_peak,
        "rss_mb_growth": _delta(rss_after, rss_before),
        "rss_after_vs_before": (round(rss_after / rss_before, 3)
                                if rss_after and rss_before else None),
        "retried": sweeper.stats.retried,
        "failed": sweeper.stats.failed,
    }


def _delta(after: float | None, before: float | None) -> float | None:
    return round(after - before, 1) if after is not None and before is not None else None


async def _load(engine: Any, table: Any, count: int, first_due: datetime, step_s: float,
                created: datetime, chunk: int) -> None:
    """Insert ``count`` pending rows due ``step_s`` apart, a chunk per transaction."""
    for start in range(0, count, chunk):
        rows = [{
            "community_id": "bench", "kind": KIND,
            "due_at": first_due + timedelta(seconds=i * step_s), "payload": {"n": i},
            "status": "pending", "attempts": 0, "missed_policy": "once",
            "created_at": created, "updated_at": created,
        } for i in range(start, min(start + chunk, count))]
        async with engine.begin() as conn:
            await conn.execute(insert(table), rows)
        del rows


def _print(r: dict[str, Any]) -> None:
    ok_late = r["lateness_p99_ms"] is not None and r["lateness_p99_ms"] <= P99_TARGET_MS
    print(f"scheduler bench ({r['backend']}): {r['fired']}/{r['items']} items fired, due over "
          f"{r['spread_s']:g} s (loaded in {r['load_s']} s, run {r['run_s']} s)")
    print(f"  lateness p50 {r['lateness_p50_ms']} ms, p99 {r['lateness_p99_ms']} ms, max "
          f"{r['lateness_max_ms']} ms; p99/target {r['lateness_p99_vs_target']} "
          f"({'ok' if ok_late else 'OVER'} target {P99_TARGET_MS:g} ms)")
    print(f"  RSS before {r['rss_mb_before']} MiB, loaded {r['rss_mb_loaded']} MiB, after "
          f"{r['rss_mb_after']} MiB: +{r['rss_mb_growth']} MiB for {r['items']} items "
          f"(after/before {r['rss_after_vs_before']}); baseline run of "
          f"{r['baseline_items']} items from cold: +{r['rss_mb_baseline_growth']} MiB")
