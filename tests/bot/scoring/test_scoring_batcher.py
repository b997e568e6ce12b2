"""Asyncio micro-batcher: size and wait limits, length sorting, back-pressure, stop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.scoring.batcher import MicroBatcher


class Recorder:
    """A fake model: records each batch, answers ``model:<text>``; can be held blocked."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False

    def __call__(self, texts: list[str]) -> list[str]:
        self.gate.wait(5)
        if self.fail:
            raise RuntimeError("model exploded")
        self.batches.append(list(texts))
        return [f"model:{t}" for t in texts]


def overflow(text: str) -> str:
    return f"overflow:{text}"


async def test_batches_never_exceed_the_size_limit() -> None:
    rec = Recorder()
    b = MicroBatcher(rec, overflow=overflow, max_batch=4, max_wait_ms=50, queue_size=100)
    await b.start()
    results = await asyncio.gather(*(b.submit(f"m{i}") for i in range(10)))
    await b.stop()
    assert results == [f"model:m{i}" for i in range(10)]
    assert max(len(x) for x in rec.batches) == 4
    assert sum(len(x) for x in rec.batches) == 10
    assert b.stats.batches == len(rec.batches) and b.stats.largest_batch == 4


async def test_full_batch_goes_at_once_without_waiting_for_the_deadline() -> None:
    rec = Recorder()
    b = MicroBatcher(rec, overflow=overflow, max_batch=4, max_wait_ms=5_000, queue_size=100)
    await b.start()
    started = time.perf_counter()
    await asyncio.gather(*(b.submit(f"m{i}") for i in range(4)))
    assert time.perf_counter() - started < 2.0
    await b.stop()
    assert rec.batches == [["m0", "m1", "m2", "m3"]]


async def test_lone_message_waits_at_most_the_wait_limit() -> None:
    rec = Recorder()
    b = MicroBatcher(rec, overflow=overflow, max_batch=32, max_wait_ms=80, queue_size=100)
    await b.start()
    started = time.perf_counter()
    assert await b.submit("alone") == "model:alone"
    elapsed = time.perf_counter() - started
    await b.stop()
    assert 0.07 <= elapsed < 2.0
    assert rec.batches == [["alone"]]


async def test_messages_within_the_wait_window_share_a_batch() -> None:
    rec = Recorder()
    b = MicroBatcher(rec, overflow=overflow, max_batch=32, max_wait_ms=300, queue_size=100)
    await b.start()
    first = asyncio.create_task(b.submit("a"))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(b.submit("b"))
    await asyncio.gather(first, second)
    await b.stop()
    assert rec.batches == [["a", "b"]]


async def test_batches_are_length_sorted_and_results_stay_in_order() -> None:
    rec = Recorder()
    rec.gate.clear()  # hold the model so a backlog builds up
    b = MicroBatcher(rec, overflow=overflow, max_batch=3, max_wait_ms=1, queue_size=100)
    await b.start()
    texts = ["x" * n for n in (5, 1, 9, 3, 7, 2, 8, 4, 6)]
    tasks = [asyncio.create_task(b.submit(t)) for t in texts]
    await asyncio.sleep(0.05)
    rec.gate.set()
    results = await asyncio.gather(*tasks)
    await b.stop()
    assert results == [f"model:{t}" for t in texts]
    for batch in rec.batches:
        assert batch == sorted(batch, key=len)
    # the backlog after the first batch was sorted across batches: shortest first overall
    later = [t for batch in rec.batches[1:] for t in batch]
    assert later == sorted(later, key=len)


async def test_full_queue_answers_inline_with_the_overflow_function() -> None:
    rec = Recorder()
    rec.gate.clear()
    b = MicroBatcher(rec, overflow=overflow, max_batch=1, max_wait_ms=0, queue_size=2)
    await b.start()
    first = asyncio.create_task(b.submit("busy"))  # taken by the worker, model blocked
    await asyncio.sleep(0.05)
    queued = [asyncio.create_task(b.submit(f"q{i}")) for i in range(2)]
    await asyncio.sleep(0)
    assert b.pending == 2
    assert await b.submit("late") == "overflow:late"
    assert b.stats.overflowed == 1
    rec.gate.set()
    assert await first == "model:busy"
    assert await asyncio.gather(*queued) == ["model:q0", "model:q1"]
    await b.stop()


async def test_model_error_answers_the_batch_with_the_error_fallback() -> None:
    rec = Recorder()
    rec.fail = True
    b = MicroBatcher(rec, overflow=overflow, on_error=lambda t: f"fallback:{t}",
                     max_batch=4, max_wait_ms=1, queue_size=10)
    await b.start()
    assert await b.submit("x") == "fallback:x"
    assert b.stats.failed_batches == 1
    rec.fail = False
    assert await b.submit("y") == "model:y"
    await b.stop()


async def test_stop_drains_queued_work_then_refuses_new_work() -> None:
    rec = Recorder()
    rec.gate.clear()
    b = MicroBatcher(rec, overflow=overflow, max_batch=2, max_wait_ms=1, queue_size=50)
    await b.start()
    tasks = [asyncio.create_task(b.submit(f"m{i}")) for i in range(6)]
    await asyncio.sleep(0.02)
    stopping = asyncio.create_task(b.stop())
    await asyncio.sleep(0.02)
    rec.gate.set()
    await stopping
    assert await asyncio.gather(*tasks) == [f"model:m{i}" for i in range(6)]
    assert not b.running
    assert await b.submit("after") == "overflow:after"


async def test_stop_timeout_answers_leftovers_by_overflow() -> None:
    rec = Recorder()
    rec.gate.clear()
    b = MicroBatcher(rec, overflow=overflow, max_batch=1, max_wait_ms=0, queue_size=50)
    await b.start()
    tasks = [asyncio.create_task(b.submit(f"m{i}")) for i in range(3)]
    await asyncio.sleep(0.02)
    await b.stop(timeout=0.1)
    rec.gate.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    assert results == ["overflow:m0", "overflow:m1", "overflow:m2"]


def test_invalid_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(lambda xs: xs, overflow=overflow, max_batch=0)
