"""The Feelings service: the scorer worker behind ``ctx.services["feelings"]``.

It implements ``handlers.feelings_ports.FeelingsPort``:

* ``submit(job)`` returns at once. A task scores the message — sentiment through
  :class:`~bot.scoring.scorer.SentimentScorer` (its micro-batcher when a model is active) and
  distress through a second :class:`~bot.scoring.batcher.MicroBatcher` around the
  :class:`~bot.scoring.distress.DistressDetector` (embeddings are batched too). A full queue
  answers with the lexicon / patterns only, marked ``backpressure``.
* One consumer task takes finished jobs **in arrival order** (a later message never overtakes
  an earlier one, so mood and cases are decided as the chat happened), groups them by
  community and runs :func:`handlers.feelings.apply_results` for each group in one
  transaction — a ``CommandUnitOfWork`` on a fresh session, exactly like the pipeline runs
  timers and commands — then sends the returned actions through the action sink
  (``services["actions"]``, the platform router under ``hearth run``; otherwise an in-memory
  :class:`CollectingSink`). A failing batch is retried message by message, so one bad
  message loses only its own result.
* ``enqueue(job)`` (``scoring_mode = "ordered"``) waits for queue space instead of falling
  back, and waits for the models to load first: repeatable results for demo and replay.
* ``score_inline(job)`` (``"inline"``) scores, applies and returns the actions at once.

Models load in the background at ``start()`` (``hearth run``) or on first use; until then
and if they fail (the reason is logged and in :meth:`status`) the lexicon and the distress
patterns answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from bot.scoring.batcher import MicroBatcher
from bot.scoring.config import SentimentSettings
from bot.scoring.distress import DistressDetector, pattern_signal
from bot.scoring.scorer import SentimentScorer
from bot.storage.uow import CommandUnitOfWork
from domain.actions import Action
from domain.events import Event
from domain.sentiment import DistressSignal, Score
from handlers.feelings import apply_results
from handlers.feelings_memory import FeelingsMemory
from handlers.feelings_ports import ScoredMessageJob, ScoreJob, TransactionFn
from handlers.ports import Context

log = logging.getLogger("hearth.feelings")

APPLY_BATCH = 500  # scored messages per result transaction
APPLY_WAIT_S = 0.02  # wait this long for more finished results before a transaction
JOB_TIMEOUT_S = 60.0  # async mode: a job unanswered after this is scored by the fallbacks
MODEL_WAIT_S = 300.0  # ordered/inline modes wait this long for models to load
CACHE_SIZE = 20_000  # texts whose results are remembered ("gm", "thanks!", copy-pasta …)

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small least-recently-used map. Scores are pure functions of the text (for a given
    model), and chat repeats itself a lot, so identical texts are scored once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self.hits = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
            self.hits += 1
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)


@dataclass(slots=True)
class CollectingSink:
    """Keeps actions in memory (console, demo, tests); ``take()`` empties it."""

    actions: list[Action] = field(default_factory=list)
    limit: int = 10_000

    async def execute(self, actions: Sequence[Action], *, origin: Event | None = None) -> None:
        self.actions.extend(actions)
        if len(self.actions) > self.limit:
            del self.actions[: len(self.actions) - self.limit]

    def take(self) -> list[Action]:
        taken, self.actions = self.actions, []
        return taken


@dataclass(slots=True)
class FeelingsStats:
    submitted: int = 0
    applied: int = 0
    failed: int = 0
    transactions: int = 0
    distress_degraded: int = 0
    actions: int = 0


def patterns_only(text: str, threshold: float) -> DistressSignal:
    result = pattern_signal(text or "")
    return DistressSignal(result.confidence >= threshold, round(result.confidence, 4),
                          result.reasons)


class FeelingsService:
    """Scoring worker, result writer and in-memory mood for every community of a process."""

    def __init__(self, settings: SentimentSettings, *, sessions: Any, cache: Any,
                 services: dict[str, Any], scorer: SentimentScorer | None = None,
                 detector: DistressDetector | None = None,
                 memory: FeelingsMemory | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._sessions = sessions
        self._cache = cache
        self._services = services
        self.scorer = scorer or SentimentScorer(settings)
        self.detector = detector if detector is not None else DistressDetector(settings.distress)
        self.memory = memory or FeelingsMemory(capacity=settings.memory_members)
        self.sink = CollectingSink()
        self.stats = FeelingsStats()
        self.report: list[str] = []
        self._clock = clock
        self._distress: MicroBatcher[str, tuple[DistressSignal, bool]] | None = None
        self._pending: deque[asyncio.Task[ScoredMessageJob]] = deque()
        self._wake: asyncio.Event | None = None
        self._space: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._reporter: asyncio.Task[None] | None = None
        self._start_lock: asyncio.Lock | None = None
        self._started = False
        self._models_waited = False
        self._closed = False
        self._patterns: LRU[str, DistressSignal] = LRU(CACHE_SIZE)
        self._results: LRU[tuple[str, str], tuple[Score, DistressSignal | None]] = LRU(
            CACHE_SIZE)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, *, wait_for_models: bool = False) -> None:
        """Warm the lexicon, start loading models in the background, start the workers."""
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if not self._started:
                if self.scorer.batcher is None:
                    await self.scorer.start()
                if self._needs_distress_batcher():
                    self._distress = MicroBatcher(
                        self._detect_batch,
                        overflow=self._distress_overflow,
                        max_batch=self.settings.batch_size,
                        max_wait_ms=self.settings.max_wait_ms,
                        queue_size=self.settings.queue_size,
                        name="distress",
                    )
                    await self._distress.start()
                    self.detector.start()
                self._ensure_consumer()
                self._reporter = asyncio.create_task(self._report_when_loaded(),
                                                     name="feelings-model-report")
                self._started = True
            if wait_for_models and not self._models_waited:
                await self._wait_for_models()
                self._models_waited = True

    async def start_background(self, app: Any) -> Callable[[], Any]:
        """``services["background"]`` entry for ``hearth run``: start, return the stop."""
        await self.start()
        return self.aclose

    def _needs_distress_batcher(self) -> bool:
        d = self.detector
        return d.embedder is not None or d.classifier is not None

    async def _wait_for_models(self) -> None:
        waits = []
        model = self.scorer.model
        if model is not None:
            waits.append(asyncio.to_thread(model.classifier.wait, MODEL_WAIT_S))
        if self._needs_distress_batcher():
            waits.append(asyncio.to_thread(self.detector.wait, MODEL_WAIT_S))
        if waits:
            await asyncio.gather(*waits)

    async def _report_when_loaded(self) -> None:
        """Log, once, what the models ended up as (ready, or failed with the reason)."""
        with contextlib.suppress(asyncio.CancelledError):
            await self._wait_for_models()
            self._describe_status()

    def _describe_status(self) -> None:
        status = self.scorer.status()
        if status.configured == "transformers":
            if status.state == "failed":
                line = (f"sentiment: model {status.model} failed to load ({status.reason}); "
                        "continuing on the lexicon backend")
                log.warning(line)
            else:
                line = f"sentiment: {status.active} backend active ({status.model_version})"
                log.info(line)
            self.report.append(line)
        for name, model in self.detector.status().items():
            if model.state == "failed":
                line = f"distress {name}: unavailable ({model.reason}); patterns still work"
                log.warning(line)
            else:
                line = f"distress {name}: {model.state} ({model.model})"
                log.info(line)
            self.report.append(line)

    async def loaded_report(self) -> list[str]:
        """Wait until the models finished loading (ready or failed); the report lines."""
        await self.start()
        if self._reporter is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._reporter)
        return list(self.report)

    def status(self) -> dict[str, Any]:
        return {"scorer": self.scorer.status(),
                "distress": {k: v.state for k, v in self.detector.status().items()},
                "pending": len(self._pending), "report": list(self.report)}

    async def aclose(self) -> None:
        """Finish what was submitted (results written), then stop workers. Idempotent."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.drain(), 60.0)
        for task in (*self._pending, self._consumer, self._reporter):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._distress is not None:
            await self._distress.stop()
        await self.scorer.stop()

    # -- the port ---------------------------------------------------------------------------

    def inline_distress(self, text: str) -> DistressSignal:
        signal = self._patterns.get(text)
        if signal is None:
            signal = patterns_only(text, self.settings.distress.threshold)
            self._patterns.put(text, signal)
        return signal

    def quick_score(self, text: str) -> Score:
        return self.scorer.lexicon.score(text)

    def submit(self, job: ScoreJob, *, lossless: bool = False) -> None:
        """Queue ``job`` and return at once; its result is applied in arrival order."""
        self._ensure_consumer()
        assert self._wake is not None and self._idle is not None
        task = asyncio.create_task(self._work(job, self._clock(), wait=lossless),
                                   name=f"feelings-{job.message_id}")
        self._pending.append(task)
        self.stats.submitted += 1
        self._idle.clear()
        self._wake.set()

    async def enqueue(self, job: ScoreJob) -> None:
        """Ordered mode: wait for the models (once) and for queue space, then submit."""
        await self.start(wait_for_models=True)
        assert self._space is not None
        while len(self._pending) >= self.settings.queue_size:
            self._space.clear()
            await self._space.wait()
        self.submit(job, lossless=True)

    async def score_inline(self, job: ScoreJob) -> list[Action]:
        result = await self._work(job, self._clock(), wait=True)
        return await self._apply_group([result], execute=False)

    async def drain(self) -> None:
        """Wait until every submitted message is scored and its result applied."""
        if self._idle is None:
            return
        await self._idle.wait()

    async def transaction(self, community_id: str, now: datetime, key: str, settings: Any,
                          lang: str, fn: TransactionFn) -> list[Action]:
        """``fn(ctx)`` in its own transaction — the pipeline's timer/command machinery:
        a CommandUnitOfWork whose staged rows (audit, scheduled timers) and repository
        writes (``ctx.uow.feelings``) commit together, or roll back together."""
        async with self._sessions() as session:
            uow = CommandUnitOfWork(community_id, now, session, self._cache, key)
            ctx = Context(now=now, community_id=community_id, settings=settings, lang=lang,
                          uow=uow, services=self._services)
            try:
                actions = list(await fn(ctx))
                await uow.commit()
            except BaseException:
                await uow.rollback()
                raise
        self.stats.transactions += 1
        return actions

    # -- scoring ------------------------------------------------------------------------------

    async def _work(self, job: ScoreJob, submitted: float, *, wait: bool) -> ScoredMessageJob:
        """Score one job; never raises (a failure falls back to lexicon + patterns)."""
        try:
            await self.start(wait_for_models=wait)
            if wait:  # ordered/inline: lossless, however long the model takes
                return await self._score(job, submitted)
            return await asyncio.wait_for(self._score(job, submitted), JOB_TIMEOUT_S)
        except Exception as exc:
            log.warning("scoring message %s of %s failed (%r); using the lexicon and patterns",
                        job.message_id, job.community_id, exc)
            score = self.scorer.lexicon.score(job.text)
            signal = patterns_only(job.text, self.settings.distress.threshold)
            return ScoredMessageJob(job, score, signal, self._now(job, submitted), True)

    def _models_key(self) -> str:
        """Which models answer right now (a cached lexicon answer must not outlive the
        moment the model becomes ready)."""
        status = self.scorer.status()
        loaded = "loaded" if self.detector.wait(0) else "loading"
        return f"{status.active}:{status.model_version}:{loaded}"

    async def _score(self, job: ScoreJob, submitted: float) -> ScoredMessageJob:
        want_distress = bool(job.settings.sentiment.distress.enabled and job.text.strip())
        key = (job.text, self._models_key())
        cached = self._results.get(key)
        if cached is not None and (cached[1] is not None or not want_distress):
            score, signal = cached
            return ScoredMessageJob(job, score, signal if want_distress else None,
                                    self._now(job, submitted))
        sentiment = self.scorer.score(job.text)
        if want_distress and self._distress is not None:
            score, (signal, degraded) = await asyncio.gather(
                sentiment, self._distress.submit(job.text))
        else:
            score = await sentiment
            signal = self.inline_distress(job.text) if want_distress else None
            degraded = False
        if degraded:
            self.stats.distress_degraded += 1
        elif not score.backpressure:
            self._results.put(key, (score, signal))
        return ScoredMessageJob(job, score, signal, self._now(job, submitted), degraded)

    def _now(self, job: ScoreJob, submitted: float) -> datetime:
        """The job's time plus the real time scoring took (replayable, honest latency)."""
        return job.at + timedelta(seconds=max(self._clock() - submitted, 0.0))

    def _detect_batch(self, texts: list[str]) -> list[tuple[DistressSignal, bool]]:
        return [(signal, False) for signal in self.detector.detect_many(texts)]

    def _distress_overflow(self, text: str) -> tuple[DistressSignal, bool]:
        return patterns_only(text, self.settings.distress.threshold), True

    # -- applying results ---------------------------------------------------------------------

    def _ensure_consumer(self) -> None:
        if self._consumer is not None and not self._consumer.done():
            return
        self._wake = self._wake or asyncio.Event()
        self._space = self._space or asyncio.Event()
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        self._consumer = asyncio.create_task(self._consume(), name="feelings-results")

    async def _consume(self) -> None:
        assert self._wake is not None and self._space is not None and self._idle is not None
        while True:
            if not self._pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            head = self._pending[0]
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(head)
            if len(self._pending) > 1 and not self._pending[-1].done():
                # More results are on their way: collect them into one transaction (like
                # the batch writer's flush interval) instead of one commit per message.
                await asyncio.sleep(APPLY_WAIT_S)
            batch: list[ScoredMessageJob] = []
            while self._pending and self._pending[0].done() and len(batch) < APPLY_BATCH:
                task = self._pending.popleft()
                if not task.cancelled() and task.exception() is None:
                    batch.append(task.result())
            self._space.set()
            try:
                await self._apply(batch)
            except Exception:  # never let the consumer die
                log.exception("applying %d scored messages failed", len(batch))

    async def _apply(self, batch: list[ScoredMessageJob]) -> None:
        groups: dict[str, list[ScoredMessageJob]] = {}
        for result in batch:
            groups.setdefault(result.job.community_id, []).append(result)
        for group in groups.values():
            await self._apply_group(group, execute=True)

    async def _apply_group(self, group: list[ScoredMessageJob], *,
                           execute: bool) -> list[Action]:
        try:
            actions = await self._run(group)
            self.stats.applied += len(group)
        except Exception:
            if len(group) == 1:
                self.stats.failed += 1
                job = group[0].job
                log.exception("scored message %s of %s skipped: storing its result failed",
                              job.message_id, job.community_id)
                return []
            actions = []
            for result in group:  # one bad message must not lose the others
                actions.extend(await self._apply_group([result], execute=False))
        if execute:
            await self.execute(actions)
        return actions

    async def _run(self, group: list[ScoredMessageJob]) -> list[Action]:
        last = group[-1].job
        now = max(r.now for r in group)
        key = f"feelings:{last.community_id}:{group[0].job.message_id}:{len(group)}"
        return await self.transaction(last.community_id, now, key, last.settings, last.lang,
                                      lambda ctx: apply_results(group, ctx))

    async def execute(self, actions: Sequence[Action]) -> None:
        """Send actions through ``services["actions"]`` (or the collecting sink)."""
        if not actions:
            return
        self.stats.actions += len(actions)
        sink = self._services.get("actions") or self.sink
        try:
            await sink.execute(list(actions))
        except Exception:
            log.exception("executing %d feelings action(s) failed", len(actions))
