"""The sentiment scorer the rest of Hearth talks to (the ``Scorer`` port's adapter).

It hides the choice of backend: with ``backend = "lexicon"`` every message is scored inline
(microseconds); with ``"transformers"`` the model loads in the background at ``start()``,
messages are scored by the lexicon until it is ready (or forever, if it failed — the reason is
in :meth:`status`), and then go through the :class:`~bot.scoring.batcher.MicroBatcher`.
Messages in languages the model is not configured for use the lexicon, which scores unknown
languages neutral. When the model queue is full, the lexicon answers inline and the score is
marked ``backpressure=True``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.scoring.batcher import MicroBatcher
from bot.scoring.config import SentimentSettings
from bot.scoring.language import profile, strip_noise
from bot.scoring.lexicon import LexiconScorer
from bot.scoring.transformers_backend import ModelStatus, TransformersSentiment
from domain.sentiment import Score

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScorerStatus:
    """What to show at start and in ``check-config``: configured vs. active backend."""

    configured: str
    active: str
    model: str | None
    state: str
    reason: str | None
    model_version: str
    pending: int = 0
    overflowed: int = 0


class SentimentScorer:
    """``await start()``, then ``await score(text)``; ``await stop()`` at shutdown."""

    def __init__(
        self,
        settings: SentimentSettings,
        *,
        lexicon: LexiconScorer | None = None,
        model: TransformersSentiment | None = None,
        on_status: Callable[[ScorerStatus], None] | None = None,
    ) -> None:
        self.settings = settings
        self.lexicon = lexicon or LexiconScorer()
        self.model = model
        if self.model is None and settings.backend == "transformers" and settings.model:
            self.model = TransformersSentiment.from_settings(settings)
        self._on_status = on_status
        self._batcher: MicroBatcher[tuple[str, str], Score] | None = None
        self._reported = False

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, *, wait_for_model: bool = False) -> ScorerStatus:
        """Begin loading the model in the background (or wait for it when asked).

        The lexicon's data (VADER, snownlp: seconds to import) loads in a worker thread, so
        awaiting ``start()`` never blocks the event loop.
        """
        await asyncio.to_thread(self.lexicon.warm_up)
        if self.model is not None:
            self._batcher = MicroBatcher(
                self._predict_batch,
                overflow=self._overflow,
                on_error=lambda item: self.lexicon.score(item[0]),
                length=lambda item: len(item[0]),
                max_batch=self.settings.batch_size,
                max_wait_ms=self.settings.max_wait_ms,
                queue_size=self.settings.queue_size,
                name="sentiment",
            )
            await self._batcher.start()
            self.model.classifier.start()
            if wait_for_model:
                await asyncio.to_thread(self.model.classifier.wait)
        status = self.status()
        self._maybe_report()
        return status

    async def stop(self) -> None:
        if self._batcher is not None:
            await self._batcher.stop()

    def status(self) -> ScorerStatus:
        model_status = self.model.status if self.model is not None else None
        active = "transformers" if self.model is not None and self.model.ready else "lexicon"
        if model_status is None:
            state, reason, version = "ready", None, self.lexicon.model_version
        else:
            state, reason = model_status.state, model_status.reason
            version = model_status.model_version or self.lexicon.model_version
        return ScorerStatus(
            configured=self.settings.backend,
            active=active,
            model=self.settings.model if self.settings.backend == "transformers" else None,
            state=state,
            reason=reason,
            model_version=version,
            pending=self._batcher.pending if self._batcher is not None else 0,
            overflowed=self._batcher.stats.overflowed if self._batcher is not None else 0,
        )

    def model_status(self) -> ModelStatus | None:
        return self.model.status if self.model is not None else None

    def _maybe_report(self) -> None:
        """Tell the owner once when the model finished loading (ready or failed)."""
        if self._reported or self.model is None:
            return
        state = self.model.status.state
        if state in ("ready", "failed"):
            self._reported = True
            status = self.status()
            if state == "failed":
                log.warning(
                    "sentiment: model %s failed to load (%s); continuing on the lexicon backend",
                    self.settings.model,
                    status.reason,
                )
            if self._on_status is not None:
                self._on_status(status)

    # -- scoring --------------------------------------------------------------------------

    async def score(self, text: str) -> Score:
        """Score one message; never raises for any text."""
        self._maybe_report()
        if self.model is None or self._batcher is None or not self.model.ready:
            return self.lexicon.score(text)
        plain = strip_noise(text or "")
        lang = profile(plain, cleaned=True).lang
        if lang == "none" or lang not in self.settings.model_languages:
            return self.lexicon.score(text)
        return await self._batcher.submit((plain, lang))

    async def score_many(self, texts: Sequence[str]) -> list[Score]:
        return list(await asyncio.gather(*(self.score(t) for t in texts)))

    def _predict_batch(self, items: list[tuple[str, str]]) -> list[Score]:
        assert self.model is not None
        return self.model.predict([text for text, _ in items], [lang for _, lang in items])

    def _overflow(self, item: tuple[str, str]) -> Score:
        return replace(self.lexicon.score(item[0]), backpressure=True)

    @property
    def batcher(self) -> MicroBatcher[tuple[str, str], Score] | None:
        return self._batcher
