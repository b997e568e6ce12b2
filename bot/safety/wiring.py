"""Safety wiring: one :class:`SafetyService` per process, in ``services["safety"]``.

``bot.bootstrap.configure_features`` calls :func:`configure`. The service holds what must
stay in memory for line 1 to be cheap — one compiled :class:`FilterEngine` per community
(rebuilt when that community's settings object changes, keeping members' recent-message
history), each member's newcomer facts, the spam model in use per community, and the
category scorers — and implements :class:`handlers.safety_ports.SafetyServices`.

Spam models: a community uses its own newest model from ``spam_models``, else the newest
global one, else the starter model trained from ``bot/safety/data`` (once per process).
Every ``learning.reload_every`` the event path asks the database whether a newer version
exists (another process may have retrained), so the model follows moderators' verdicts
without restarts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.safety.engine import FilterEngine
from bot.safety.spam import SpamClassifier, read_lines

log = logging.getLogger("hearth.safety")

MEMBER_MEMORY = 50_000  # members' newcomer facts kept per community
DEFAULT_RELOAD_SECONDS = 600.0

_starter_lock = threading.Lock()
_starter_model: SpamClassifier | None = None


def starter_model() -> SpamClassifier:
    """The starter spam model, trained once per process (about 2 s) and then shared."""
    global _starter_model
    with _starter_lock:
        if _starter_model is None:
            _starter_model = SpamClassifier.starter()
        return _starter_model


class BoundedMemory(OrderedDict[str, Any]):
    """An LRU mapping: the least recently used entries fall out beyond ``capacity``."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key in self:
            return self[key]
        return default

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)


@dataclass
class _SpamState:
    model: SpamClassifier
    model_id: int | None = None  # spam_models.id; None: the starter model
    version: str = "starter"
    checked: float = field(default_factory=time.monotonic)


class SafetyService:
    """See the module docstring; implements ``handlers.safety_ports.SafetyServices``."""

    def __init__(self, *, sessions: Any = None, member_memory: int = MEMBER_MEMORY) -> None:
        self._sessions = sessions
        self._engines: dict[str, tuple[Any, FilterEngine]] = {}
        self._members: dict[str, BoundedMemory] = {}
        self._member_capacity = member_memory
        self._spam: dict[str, _SpamState] = {}
        self._reload: dict[str, float] = {}
        self._scorers: dict[Any, Any] = {}
        self._keywords: Any = None
        self.retrains = 0

    # --- filters ----------------------------------------------------------------------

    def engine(self, community_id: str, settings: Any) -> FilterEngine:
        """The community's compiled filter; rebuilt when ``settings`` is a new object."""
        cached = self._engines.get(community_id)
        if cached is not None and cached[0] is settings:
            return cached[1]
        engine = FilterEngine(settings)
        if cached is not None:
            engine.adopt_history(cached[1])
        self._engines[community_id] = (settings, engine)
        self._reload[community_id] = float(
            getattr(getattr(settings, "learning", None), "reload_every", DEFAULT_RELOAD_SECONDS))
        return engine

    def member_memory(self, community_id: str) -> MutableMapping[str, Any]:
        memory = self._members.get(community_id)
        if memory is None:
            memory = self._members[community_id] = BoundedMemory(self._member_capacity)
        return memory

    def store(self, session: Any, community_id: str) -> Any:
        from bot.storage.repos.safety import SafetyRepository

        return SafetyRepository(session, community_id)

    @asynccontextmanager
    async def transaction(self, community_id: str) -> AsyncIterator[Any]:
        """A store in its own short transaction, committed when the block ends.

        For the event path: a message that opens a case writes it at once, without
        flushing the batch writer (which a read session would), so one held message does
        not cost every buffered event its batching.
        """
        if self._sessions is None:
            raise LookupError("the safety service has no session factory")
        async with self._sessions() as session:
            store = self.store(session, community_id)
            try:
                yield store
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    # --- spam model -------------------------------------------------------------------

    def spam_due(self, community_id: str) -> bool:
        """Whether the community's model must be (re)checked against the database."""
        state = self._spam.get(community_id)
        if state is None:
            return True
        every = self._reload.get(community_id, DEFAULT_RELOAD_SECONDS)
        return time.monotonic() - state.checked >= every

    async def load_spam(self, community_id: str, store: Any) -> None:
        """Use the newest stored model for the community (or the starter model)."""
        info = await store.newest_model_info()
        state = self._spam.get(community_id)
        if info is None:
            if state is None or state.model_id is not None:
                model = await asyncio.to_thread(starter_model)
                self._spam[community_id] = _SpamState(model)
            else:
                state.checked = time.monotonic()
            return
        if state is not None and state.model_id == info["id"]:
            state.checked = time.monotonic()
            return
        blob = await store.model_blob(int(info["id"]))
        try:
            model = SpamClassifier.from_bytes(blob or b"")
        except ValueError as exc:
            log.error("spam model %s of %s cannot be loaded (%s); keeping the current one",
                      info["id"], community_id, exc)
            if state is None:
                self._spam[community_id] = _SpamState(await asyncio.to_thread(starter_model))
            else:
                state.checked = time.monotonic()
            return
        scope = "global" if info["community_id"] is None else "community"
        self._spam[community_id] = _SpamState(model, int(info["id"]),
                                              f"{scope} v{info['version']}")

    def spam_probability(self, community_id: str, normalised_text: str) -> float:
        state = self._spam.get(community_id)
        model = state.model if state is not None else starter_model()
        return model.score_normalised(normalised_text)

    def spam_version(self, community_id: str) -> str:
        state = self._spam.get(community_id)
        return state.version if state is not None else "starter"

    async def retrain(self, community_id: str, examples: Sequence[tuple[str, str]],
                      store: Any, now: datetime, *,
                      metrics: dict[str, Any] | None = None) -> dict[str, Any]:
        """Train starter data + moderators' verdicts, store it as the next version, use it.

        Training runs in a worker thread (a second or two) so the event loop keeps serving.
        """
        extra_ham = [text for text, label in examples if label == "ham"]
        extra_spam = [text for text, label in examples if label == "spam"]
        started = time.perf_counter()
        model = await asyncio.to_thread(_train, extra_ham, extra_spam)
        seconds = time.perf_counter() - started
        blob = model.to_bytes()
        metrics = {
            "n_ham": model.metadata.get("n_ham"), "n_spam": model.metadata.get("n_spam"),
            "examples_ham": len(extra_ham), "examples_spam": len(extra_spam),
            "train_seconds": round(seconds, 3), "data_sha256": model.metadata.get("data_sha256"),
            "fingerprint": model.version, **(metrics or {}),
        }
        version = await store.add_model(blob, model.version, metrics, now)
        info = await store.newest_model_info()
        model_id = int(info["id"]) if info is not None else None
        self._spam[community_id] = _SpamState(model, model_id, f"community v{version}")
        self.retrains += 1
        return {"version": version, **metrics}

    # --- sensitive categories ---------------------------------------------------------

    def _keyword_scorer(self) -> Any:
        if self._keywords is None:
            from bot.safety.toxicity import KeywordCategoryScorer

            self._keywords = KeywordCategoryScorer()
        return self._keywords

    async def categories(self, settings: Any, text: str,
                         folded: str) -> tuple[dict[str, float], dict[str, str]]:
        """``({category: score}, {category: evidence})`` for one message.

        The keyword patterns run inline (one RE2 pass); a transformers model, when
        configured, runs in a worker thread and is combined by taking the maximum.
        """
        keywords = self._keyword_scorer()
        scores, evidence = keywords.score_folded(folded)
        scorer_settings = settings.scorer
        if scorer_settings.backend != "transformers":
            return scores, evidence
        scorer = self._scorers.get(scorer_settings)
        if scorer is None:
            from bot.safety.toxicity import TransformersToxicityScorer

            scorer = TransformersToxicityScorer(
                scorer_settings.model, label_map=scorer_settings.label_map,
                batch_size=scorer_settings.batch_size, max_length=scorer_settings.max_length)
            self._scorers[scorer_settings] = scorer
        model_scores = (await asyncio.to_thread(scorer.score, [text]))[0]
        merged = dict(scores)
        for category, value in model_scores.items():
            if value > merged.get(category, 0.0):
                merged[category] = value
                evidence.setdefault(category, f"{scorer.name} {value:.2f}")
        return merged, evidence


def _train(extra_ham: list[str], extra_spam: list[str]) -> SpamClassifier:
    from bot.safety.spam import STARTER_HAM, STARTER_SPAM

    ham = read_lines(STARTER_HAM, what="starter ham file") + extra_ham
    spam = read_lines(STARTER_SPAM, what="starter spam file") + extra_spam
    return SpamClassifier(metadata={"source": "starter+verdicts"}).train(ham, spam)


def configure(config: Any, cache: Any, services: dict[str, Any]) -> None:
    """Put the process's :class:`SafetyService` in ``services["safety"]`` (kept if given).

    The session factory is the app's (``services["sessions"]`` when provided, else the one
    the state cache was built with: ``build_app`` makes both from the same engine).
    """
    sessions = services.get("sessions") or getattr(cache, "sessions", None) or getattr(
        cache, "_sessions", None)
    services.setdefault("safety", SafetyService(sessions=sessions))
