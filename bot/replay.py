"""``hearth replay``: recorded events through exactly the live pipeline."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bot.config import Config
from bot.eventcodec import EventFormatError, read_jsonl
from domain.events import Event, platform_of

CHUNK = 1000


def communities_in(path: Path, limit: int = 100_000) -> list[dict]:
    """Communities named in a replay file (used when no config file is given)."""
    seen: dict[str, dict] = {}
    try:
        with path.open("rb") as handle:
            for i, raw in enumerate(handle):
                if i >= limit:
                    break
                try:
                    community = json.loads(raw).get("community_id") or json.loads(raw).get(
                        "community")
                    platform = platform_of(community)
                except Exception:
                    continue
                seen.setdefault(community, {"platform": platform,
                                            "id": community.split(":", 1)[1]})
    except OSError:
        return []
    return list(seen.values())


async def replay_file(config: Config, path: Path, *, progress: bool = True) -> int:
    """Replay ``path``; returns the exit code (0 ok, 1 when some lines were bad)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.bootstrap import build_app

    app = await build_app(config)
    bad = 0
    total = 0
    started = time.perf_counter()
    with path.open("rb") as counter:
        lines = sum(1 for _ in counter)
    try:
        with Progress(TextColumn("replaying"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), disable=not progress, transient=True) as bar:
            task = bar.add_task("replay", total=lines or 1)
            chunk: list[Event] = []
            for number, item in read_jsonl(path):
                if isinstance(item, EventFormatError):
                    bad += 1
                    print(f"{path}:{number}: skipped: {item}", file=sys.stderr)
                    continue
                chunk.append(item)
                total += 1
                if len(chunk) >= CHUNK:
                    await app.pipeline.process_many(chunk)
                    chunk = []
                    bar.update(task, completed=number)
            if chunk:
                await app.pipeline.process_many(chunk)
            await app.pipeline.flush()
            bar.update(task, completed=lines)
    finally:
        await app.close()
    stats = app.pipeline.stats
    seconds = time.perf_counter() - started
    print(f"replayed {total} events from {path} in {seconds:.1f}s: {stats.processed} new, "
          f"{stats.duplicates} already stored, {stats.unknown_community} for unknown "
          f"communities, {stats.failed} failed, {bad} bad lines")
    return 1 if bad or stats.failed else 0
