"""Hugging Face text-classification models: sentiment, and the optional distress/toxicity ones.

Any model id or local path works. Loading is lazy and runs in a background thread at start
(``import transformers`` alone takes seconds), so Hearth answers chat from the first second on
the lexicon and switches to the model once it is ready. A model that cannot be used — bad
path, no network for a hub id, labels that cannot be mapped to pos/neg/neu — is reported with
the reason in :attr:`TextClassifier.status` and the scorer stays on the lexicon.

Label mapping: each model label (``id2label``) must map, case-insensitively, to one of the
classes the caller wants (for sentiment pos/neg/neu; built-in names cover "positive",
"negative", "neutral" and 1–5 star models; anything else comes from config ``label_map``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.sentiment import Score

log = logging.getLogger(__name__)

BACKEND = "transformers"


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """``idle`` (not started), ``loading``, ``ready`` or ``failed`` (with ``reason``)."""

    state: str
    model: str
    reason: str | None = None
    model_version: str = ""
    load_seconds: float | None = None
    labels: tuple[str, ...] = ()


class ModelLoadError(Exception):
    """A model that cannot be used, with a reason a person can act on."""


def _resolve_device(device: str) -> str:
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise ModelLoadError("device = 'cuda' but no CUDA GPU is available; use 'cpu' or 'auto'")
    return "cpu"


def _max_positions(config: Any) -> int | None:
    """Longest input the model's position embeddings allow (RoBERTa reserves 2 slots)."""
    limit = getattr(config, "max_position_embeddings", None)
    if not isinstance(limit, int) or limit <= 0:
        return None
    if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert", "longformer"):
        limit -= 2
    return limit


def _version_of(model: str, config: Any, revision: str | None) -> str:
    commit = revision or getattr(config, "_commit_hash", None)
    if commit:
        return f"{model}@{str(commit)[:12]}"
    cfg = Path(model) / "config.json"
    if cfg.is_file():
        digest = hashlib.sha256(cfg.read_bytes())
        weights = sorted(Path(model).glob("*.safetensors")) + sorted(Path(model).glob("*.bin"))
        for w in weights:
            digest.update(f"{w.name}:{w.stat().st_size}:{int(w.stat().st_mtime)}".encode())
        return f"{Path(model).name}@{digest.hexdigest()[:12]}"
    return model


class TextClassifier:
    """A lazily loaded HF text-classification pipeline whose labels map to our classes.

    ``label_map`` maps lower-cased model labels to class names. With ``require_all=True``
    (sentiment) every model label must be mapped and all of ``required`` must be covered;
    otherwise (distress/toxicity) labels not in the map count as the class ``other``.
    """

    def __init__(
        self,
        model: str,
        *,
        label_map: Mapping[str, str],
        required: Sequence[str] = (),
        require_all: bool = True,
        device: str = "cpu",
        max_length: int = 256,
        revision: str | None = None,
        local_files_only: bool = False,
        purpose: str = "sentiment",
    ) -> None:
        self.model = model
        self.label_map = {k.lower(): v for k, v in label_map.items()}
        self.required = tuple(required)
        self.require_all = require_all
        self.device = device
        self.max_length = max_length
        self.revision = revision
        self.local_files_only = local_files_only
        self.purpose = purpose
        self._status = ModelStatus("idle", model)
        self._ready = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pipe: Any = None
        self._index_class: list[str] = []

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def status(self) -> ModelStatus:
        return self._status

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> None:
        """Load in a background daemon thread (returns at once)."""
        with self._lock:
            if self._thread is not None or self._done.is_set():
                return
            self._status = ModelStatus("loading", self.model)
            self._thread = threading.Thread(
                target=self.load, name=f"load-{self.purpose}-model", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> ModelStatus:
        """Block until loading finished (ready or failed) or ``timeout`` passed."""
        self._done.wait(timeout)
        return self._status

    def load(self) -> ModelStatus:
        """Load now (in the calling thread). Never raises: failures land in ``status``."""
        started = time.perf_counter()
        self._status = ModelStatus("loading", self.model)
        try:
            pipe, labels, version = self._load()
        except Exception as exc:  # any failure means "stay on the fallback", with the reason
            reason = exc.args[0] if isinstance(exc, ModelLoadError) else _explain(exc, self.model)
            self._status = ModelStatus("failed", self.model, reason=reason)
            log.warning("%s model %r could not be loaded: %s", self.purpose, self.model, reason)
            self._done.set()
            return self._status
        self._pipe = pipe
        self._status = ModelStatus(
            "ready",
            self.model,
            model_version=version,
            load_seconds=round(time.perf_counter() - started, 3),
            labels=labels,
        )
        took = time.perf_counter() - started
        log.info("%s model %s ready in %.1fs", self.purpose, version, took)
        self._ready.set()
        self._done.set()
        return self._status

    def _load(self) -> tuple[Any, tuple[str, ...], str]:
        source = self.model
        if _looks_like_path(source) and not Path(source).expanduser().exists():
            raise ModelLoadError(
                f"model path {source!r} does not exist; give an existing directory with "
                "config.json and weights, or a Hugging Face model id"
            )
        if Path(source).expanduser().exists():
            source = str(Path(source).expanduser())
        try:
            import transformers
            from transformers import (
                AutoModelForSequenceClassification,
                AutoTokenizer,
                pipeline,
            )
        except ImportError as exc:
            raise ModelLoadError(
                "the transformers backend needs the ML extras: pip install 'hearth-bot[ml]' "
                f"({exc})"
            ) from exc
        transformers.utils.logging.disable_progress_bar()
        device = _resolve_device(self.device)
        kwargs: dict[str, Any] = {"local_files_only": self.local_files_only}
        if self.revision:
            kwargs["revision"] = self.revision
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model = AutoModelForSequenceClassification.from_pretrained(source, **kwargs)
        labels = tuple(str(model.config.id2label[i]) for i in sorted(model.config.id2label))
        self._index_class = self._map_labels(labels)
        limit = _max_positions(model.config)
        max_len = min(self.max_length, limit) if limit else self.max_length
        tokenizer.model_max_length = max_len
        model.eval()
        pipe = pipeline(
            "text-classification",
            model=model,
            tokenizer=tokenizer,
            device=device,
            top_k=None,
            truncation=True,
        )
        # One tiny call proves the model runs (shapes, vocab) before we switch to it.
        pipe(["ok"], top_k=None, truncation=True, max_length=max_len)
        self.max_length = max_len
        return pipe, labels, _version_of(self.model, model.config, self.revision)

    def _map_labels(self, labels: Sequence[str]) -> list[str]:
        mapped = [self.label_map.get(label.lower()) for label in labels]
        if self.require_all:
            missing = [lab for lab, cls in zip(labels, mapped, strict=True) if cls is None]
            if missing:
                raise ModelLoadError(
                    f"model labels {missing} cannot be mapped to {'/'.join(self.required)}; "
                    f"add them to sentiment.label_map, e.g. {{{missing[0]!r} = \"neg\"}} "
                    f"(model labels: {list(labels)})"
                )
        covered = {cls for cls in mapped if cls}
        absent = [cls for cls in self.required if cls not in covered]
        if absent:
            raise ModelLoadError(
                f"model labels {list(labels)} give no {absent} class; map at least one label "
                f"to each of {list(self.required)}"
            )
        return [cls or "other" for cls in mapped]

    # -- inference ------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text, probability of each class (labels mapped, summed per class)."""
        if not self.ready:
            raise RuntimeError(f"{self.purpose} model is not ready ({self._status.state})")
        if not texts:
            return []
        inputs = [text if text.strip() else "." for text in texts]
        raw = self._pipe(
            list(inputs),
            batch_size=len(inputs),
            top_k=None,
            truncation=True,
            max_length=self.max_length,
        )
        if inputs and isinstance(raw, list) and raw and isinstance(raw[0], dict):
            raw = [raw]  # a single input comes back un-nested
        label_class = {
            label.lower(): cls for label, cls in zip(self._status.labels, self._index_class,
                                                     strict=True)
        }
        out: list[dict[str, float]] = []
        for rows in raw:
            probs: dict[str, float] = {}
            for row in rows:
                cls = label_class.get(str(row["label"]).lower(), "other")
                probs[cls] = probs.get(cls, 0.0) + float(row["score"])
            out.append(probs)
        return out


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or model.count("/") > 1 or "\\" in model


def _explain(exc: Exception, model: str) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    lowered = text.lower()
    if "offline" in lowered or "connection" in lowered or "resolve" in lowered or (
        "couldn't" in lowered and "connect" in lowered
    ):
        return (
            f"{text.splitlines()[0]} — {model!r} is not in the local cache and the model hub "
            "cannot be reached; download it on a connected machine or give a local path"
        )
    return text.splitlines()[0][:500] if text else type(exc).__name__


class TransformersSentiment:
    """Sentiment on a :class:`TextClassifier`; yields :class:`Score` values."""

    backend = BACKEND

    def __init__(self, classifier: TextClassifier) -> None:
        self.classifier = classifier

    @classmethod
    def from_settings(cls, settings: Any) -> TransformersSentiment:
        """Build from :class:`bot.scoring.config.SentimentSettings` (not loaded yet)."""
        return cls(
            TextClassifier(
                settings.model,
                label_map=settings.effective_label_map(),
                required=("pos", "neg"),
                require_all=True,
                device=settings.device,
                max_length=settings.max_length,
                revision=settings.model_revision,
                local_files_only=settings.local_files_only,
                purpose="sentiment",
            )
        )

    @property
    def status(self) -> ModelStatus:
        return self.classifier.status

    @property
    def ready(self) -> bool:
        return self.classifier.ready

    def predict(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> list[Score]:
        """Scores for ``texts`` (one model call); ``langs`` are stored on the scores."""
        version = self.classifier.status.model_version
        probs = self.classifier.predict_proba(texts)
        scores: list[Score] = []
        for i, p in enumerate(probs):
            label = max(("pos", "neg", "neu"), key=lambda c: p.get(c, 0.0))
            conf = min(1.0, max(0.0, p.get(label, 0.0)))
            lang = langs[i] if langs is not None else ""
            scores.append(Score(label, round(conf, 4), BACKEND, version, lang))
        return scores
