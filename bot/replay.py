"""``hearth replay``: recorded events through exactly the live pipeline.

Durable progress: with a progress file (``--progress-file FILE``, or the environment variable
``HEARTH_REPLAY_PROGRESS``) a line ``durable N`` is appended after every committed batch,
meaning "the first N events of the input are in the database". The count is written only
after the flush's transaction has committed, and it is a lower bound (see
docs/reliability.md), so a process killed at any moment never claims more than it stored.
A supervisor or test can resume from there; replaying the whole file is also safe, because
already stored events are recognised by their key and skipped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from bot.config import Config
from bot.eventcodec import EventFormatError, read_jsonl
from domain.events import Event, event_key, platform_of

CHUNK = 1000
PROGRESS_ENV = "HEARTH_REPLAY_PROGRESS"


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


class DurableProgress:
    """Tracks which prefix of the input is committed, from the batch writer's flushes.

    Why a prefix: the writer flushes its buffer in arrival order, one flush at a time, so the
    committed events are always the oldest staged ones. Events that are never staged
    (duplicates, unknown communities, commands — which commit in their own transaction
    before ``process`` returns) are durable as soon as everything staged before them is.
    The reported number is therefore ``min(first still-buffered input index, first input
    index not yet handed to the pipeline)``: never more than what is stored.
    """

    def __init__(self, sink: IO[str] | None) -> None:
        self._sink = sink
        self._pending: deque[int] = deque()  # input index of every staged, unflushed event
        self._keys: dict[tuple[str, str], int] = {}
        self._submitted = 0  # input events handed to the pipeline (all of a chunk)
        self._last_added = -1
        self._lost_at: int | None = None  # first input index of a batch that failed to commit
        self.lost = 0
        self.durable = 0
        self.lines = 0

    def chunk(self, events: list[Event], first_index: int) -> None:
        """Events about to be processed, with the input index of the first one."""
        self._keys = {}
        for offset, item in enumerate(events):
            key = event_key(item)
            if key is not None:
                self._keys.setdefault((item.community_id, key), first_index + offset)

    def staged(self, community_id: str, key: str) -> None:
        index = self._keys.get((community_id, key), self._last_added)
        self._last_added = max(self._last_added, index)
        self._pending.append(index)

    def flushed(self, count: int) -> None:
        for _ in range(min(count, len(self._pending))):
            self._pending.popleft()
        frontier = self._pending[0] if self._pending else self._last_added + 1
        self._report(frontier)

    def failed(self, count: int) -> None:
        """A flush of ``count`` events rolled back: they are not stored, ever (this run)."""
        for _ in range(min(count, len(self._pending))):
            index = self._pending.popleft()
            self._lost_at = index if self._lost_at is None else min(self._lost_at, index)
        self.lost += count

    def chunk_done(self, submitted: int) -> None:
        """The whole chunk went through the pipeline (commands and skips are committed)."""
        self._submitted = submitted
        self._last_added = max(self._last_added, submitted - 1)
        if not self._pending:
            self._report(submitted)

    def _report(self, frontier: int) -> None:
        frontier = min(frontier, max(self._submitted, self._last_added + 1))
        if self._lost_at is not None:
            frontier = min(frontier, self._lost_at)
        if frontier <= self.durable:
            return
        self.durable = frontier
        if self._sink is not None:
            self._sink.write(f"durable {frontier}\n")
            self._sink.flush()
            self.lines += 1


def _open_sink(target: str | Path | None) -> tuple[IO[str] | None, bool]:
    if target is None or str(target) == "":
        return None, False
    if str(target) == "-":
        return sys.stdout, False
    return open(target, "a", encoding="utf-8", buffering=1), True


def track_progress(app: Any, progress: DurableProgress) -> Callable[[], None]:
    """Hook ``progress`` into ``app.writer`` (staging and flush); returns an undo function."""
    writer = app.writer
    original_add = writer.add
    previous = writer.on_flush
    previous_failure = writer.on_failure

    async def add(staged: Any) -> None:
        progress.staged(staged.community_id, staged.event_key)
        await original_add(staged)

    def on_flush(report: Any) -> None:
        progress.flushed(report.events)
        if previous is not None:
            previous(report)

    def on_failure(batch: list[Any], exc: BaseException) -> None:
        progress.failed(len(batch))
        if previous_failure is not None:
            previous_failure(batch, exc)

    writer.add = add
    writer.on_flush = on_flush
    writer.on_failure = on_failure

    def undo() -> None:
        writer.add = original_add
        writer.on_flush = previous
        writer.on_failure = previous_failure

    return undo


async def replay_into(app: Any, path: Path, *, progress: bool = True,
                      progress_file: str | Path | None = None, chunk_size: int = CHUNK,
                      pause: float = 0.0) -> tuple[int, int]:
    """Replay ``path`` through ``app``'s pipeline; returns (events read, bad lines).

    ``pause`` sleeps between chunks (load tests at a gentler pace); ``progress_file``
    receives ``durable N`` lines (``-`` for stdout).
    """
    import asyncio

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    sink, owned = _open_sink(progress_file)
    durable = DurableProgress(sink)
    undo = track_progress(app, durable)
    bad = 0
    total = 0
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
                if len(chunk) >= chunk_size:
                    durable.chunk(chunk, total - len(chunk))
                    await app.pipeline.process_many(chunk)
                    durable.chunk_done(total)
                    chunk = []
                    bar.update(task, completed=number)
                    if pause:
                        await asyncio.sleep(pause)
            if chunk:
                durable.chunk(chunk, total - len(chunk))
                await app.pipeline.process_many(chunk)
                durable.chunk_done(total)
            await app.pipeline.flush()
            durable.flushed(0)
            bar.update(task, completed=lines)
    finally:
        undo()
        if owned and sink is not None:
            sink.close()
    if durable.lost:
        print(f"{path}: {durable.lost} event(s) were not stored because a database write "
              "failed (see the log); run the same replay again: stored events are skipped",
              file=sys.stderr)
        bad += durable.lost
    return total, bad


async def replay_file(config: Config, path: Path, *, progress: bool = True,
                      progress_file: str | Path | None = None) -> int:
    """Replay ``path``; returns the exit code (0 ok, 1 when some lines were bad)."""
    from bot.bootstrap import build_app

    if progress_file is None:
        progress_file = os.environ.get(PROGRESS_ENV) or None
    app = await build_app(config)
    started = time.perf_counter()
    try:
        total, bad = await replay_into(app, path, progress=progress,
                                       progress_file=progress_file)
    finally:
        await app.close()
    stats = app.pipeline.stats
    seconds = time.perf_counter() - started
    print(f"replayed {total} events from {path} in {seconds:.1f}s: {stats.processed} new, "
          f"{stats.duplicates} already stored, {stats.unknown_community} for unknown "
          f"communities, {stats.failed} failed, {bad} bad lines")
    return 1 if bad or stats.failed else 0
