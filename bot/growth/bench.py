"""``hearth bench growth``: what the growth engine costs on the ingest path.

Runs the ``hearth bench ingest`` message mix through the full pipeline twice on fresh SQLite
files — growth switched off, then on — in alternating rounds on the same machine, and
reports both rates and the added cost per message. With ``--prefetch`` a third variant
warms the state cache for each chunk's members first (one query per 400 members instead of
one per newly seen member), which is what the pipeline would do if it prefetched.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.bench.ingest import messages

CHUNK = 2000


async def _rate(events: list[Any], db: Path, *, growth: bool, prefetch: bool) -> float:
    from bot.bootstrap import build_app
    from bot.config import default_config

    config = default_config(f"sqlite+aiosqlite:///{db}",
                            communities=[{"platform": "console", "id": "bench"}],
                            growth={"enabled": growth},
                            # what growth costs, not the other features: as bench ingest
                            safety={"enabled": False}, sentiment={"enabled": False})
    app = await build_app(config)
    try:
        started = time.perf_counter()
        for start in range(0, len(events), CHUNK):
            chunk = events[start:start + CHUNK]
            if prefetch:
                await app.cache.prefetch({(e.community_id, m) for e in chunk
                                          for m in (e.member_id, e.reply_to_member_id) if m})
            await app.pipeline.process_many(chunk, check_stored=False)
        await app.pipeline.flush()
        return len(events) / (time.perf_counter() - started)
    finally:
        await app.close()


async def bench_growth(n: int = 20_000, rounds: int = 2, prefetch: bool = False
                       ) -> dict[str, Any]:
    events = messages(n)
    variants = [("off", False, False), ("on", True, False)]
    if prefetch:
        variants.append(("on_prefetch", True, True))
    rates: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    with tempfile.TemporaryDirectory(prefix="hearth-growth-bench-") as tmp:
        for round_no in range(rounds):
            for name, growth, warm in variants:
                db = Path(tmp) / f"{name}-{round_no}.db"
                rates[name].append(await _rate(events, db, growth=growth, prefetch=warm))
    best = {name: max(values) for name, values in rates.items()}
    result: dict[str, Any] = {
        "messages": n, "rounds": rounds,
        "off_msgs_per_s": round(best["off"]), "on_msgs_per_s": round(best["on"]),
        "on_vs_off": round(best["on"] / best["off"], 3),
        "growth_us_per_msg": round((1 / best["on"] - 1 / best["off"]) * 1e6, 1),
        "median_on_msgs_per_s": round(statistics.median(rates["on"])),
    }
    if prefetch:
        result["on_prefetch_msgs_per_s"] = round(best["on_prefetch"])
        result["prefetch_us_per_msg"] = round(
            (1 / best["on_prefetch"] - 1 / best["off"]) * 1e6, 1)
    return result
