"""Asyncio micro-batcher: chat intake never waits on the model.

Why: a transformer scores a batch of 32 messages in little more than the time of a few single
ones, but chat arrives one message at a time. Callers ``await submit(text)``; a worker task
collects messages until ``max_batch`` are waiting or ``max_wait_ms`` passed since the oldest
arrived, sorts them by length (less padding) and runs the model in a dedicated thread, so the
event loop keeps serving platform events. When a backlog builds up, the worker takes up to
``sort_pool`` batches at once and length-sorts across them, which cuts padding further.

Back-pressure: the queue is bounded. When it is full the message is not queued; the
``overflow`` function (the lexicon, marked ``backpressure=True`` by the scorer) answers at
once. A model error on a batch answers that batch through ``on_error`` (default: overflow),
so one bad batch never leaves callers hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatcherStats:
    submitted: int = 0
    batched: int = 0
    batches: int = 0
    overflowed: int = 0
    failed_batches: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    def record(self, size: int) -> None:
        self.batches += 1
        self.batched += size
        self.largest_batch = max(self.largest_batch, size)
        if len(self.batch_sizes) < 10_000:
            self.batch_sizes.append(size)


@dataclass(slots=True)
class _Item(Generic[T, R]):
    text: T
    future: asyncio.Future[R]
    enqueued: float


class MicroBatcher(Generic[T, R]):
    """Queue → batches → ``predict`` in a worker thread. Start with ``await start()``.

    Items are usually strings; anything works when ``length`` gives its size for sorting.
    """

    def __init__(
        self,
        predict: Callable[[list[T]], Sequence[R]],
        *,
        overflow: Callable[[T], R],
        on_error: Callable[[T], R] | None = None,
        length: Callable[[T], int] = len,  # type: ignore[assignment]
        max_batch: int = 32,
        max_wait_ms: float = 20.0,
        queue_size: int = 2000,
        sort_pool: int = 4,
        name: str = "scorer",
    ) -> None:
        if max_batch < 1 or queue_size < 1 or max_wait_ms < 0 or sort_pool < 1:
            raise ValueError("max_batch, queue_size, sort_pool must be >= 1 and max_wait_ms >= 0")
        self._predict = predict
        self._overflow = overflow
        self._on_error = on_error or overflow
        self._length = length
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.queue_size = queue_size
        self.sort_pool = sort_pool
        self.name = name
        self.stats = BatcherStats()
        self._queue: deque[_Item[T, R]] = deque()
        self._taken: list[_Item[T, R]] = []  # popped from the queue, not yet answered
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._accepting = False
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def start(self) -> None:
        if self.running:
            return
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}-model")
        self._stopping = False
        self._accepting = True
        self._worker = asyncio.create_task(self._run(), name=f"{self.name}-batcher")

    async def submit(self, text: T) -> R:
        """The model's result for ``text``, or ``overflow(text)`` when the queue is full."""
        self.stats.submitted += 1
        if not self._accepting or len(self._queue) >= self.queue_size:
            self.stats.overflowed += 1
            return self._overflow(text)
        loop = asyncio.get_running_loop()
        item: _Item[T, R] = _Item(text, loop.create_future(), loop.time())
        self._queue.append(item)
        waiting = len(self._queue)
        if self._wake is not None and (waiting == 1 or waiting >= self.max_batch):
            self._wake.set()
        return await item.future

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop accepting, finish what is queued (up to ``timeout`` s), then stop the worker.

        Anything still queued after the timeout is answered by ``overflow``.
        """
        self._accepting = False
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self._worker is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout)
            except TimeoutError:
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker
        leftovers = [*self._taken, *self._queue]
        self._queue.clear()
        self._taken = []
        for item in leftovers:
            if not item.future.done():
                item.future.set_result(self._overflow(item.text))
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._worker = None
        self._executor = None

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            oldest = self._queue[0].enqueued
            while len(self._queue) < self.max_batch and not self._stopping:
                remaining = oldest + self.max_wait - loop.time()
                if remaining <= 0:
                    break
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), remaining)
                except TimeoutError:
                    break
            take = min(len(self._queue), self.max_batch * self.sort_pool)
            if take > self.max_batch:
                # Backlog: sort across several batches, then run them batch by batch.
                pool = [self._queue.popleft() for _ in range(take)]
                pool.sort(key=lambda it: self._length(it.text))
                self._taken = pool
                for start in range(0, len(pool), self.max_batch):
                    await self._run_batch(pool[start : start + self.max_batch], loop)
            else:
                batch = [self._queue.popleft() for _ in range(take)]
                batch.sort(key=lambda it: self._length(it.text))
                self._taken = batch
                await self._run_batch(batch, loop)
            self._taken = []

    async def _run_batch(self, batch: list[_Item[T, R]], loop: asyncio.AbstractEventLoop) -> None:
        live = [it for it in batch if not it.future.done()]
        if not live:
            return
        texts = [it.text for it in live]
        started = time.perf_counter()
        try:
            results = await loop.run_in_executor(self._executor, self._predict, texts)
            if len(results) != len(texts):
                raise RuntimeError(f"model returned {len(results)} results for {len(texts)}")
        except Exception as exc:
            self.stats.failed_batches += 1
            log.warning("%s: batch of %d failed (%s); answering with fallback", self.name,
                        len(texts), exc)
            results = [self._on_error(text) for text in texts]
        self.stats.record(len(texts))
        log.debug("%s: batch %d in %.1f ms", self.name, len(texts),
                  (time.perf_counter() - started) * 1000)
        for item, result in zip(live, results, strict=True):
            if not item.future.done():
                item.future.set_result(result)


