"""Transformers backend with a tiny model built locally, and the scorer's fallbacks."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.scoring.config import SentimentSettings
from bot.scoring.scorer import ScorerStatus, SentimentScorer
from bot.scoring.transformers_backend import TextClassifier, TransformersSentiment
from domain.sentiment import LABELS


def settings_for(model: Path | str, **extra) -> SentimentSettings:
    return SentimentSettings(backend="transformers", model=str(model), local_files_only=True,
                             **extra)


@pytest.fixture(scope="module")
def tiny_sentiment(tiny_model_dir: Path) -> TransformersSentiment:
    model = TransformersSentiment.from_settings(settings_for(tiny_model_dir))
    status = model.classifier.load()
    assert status.state == "ready", status.reason
    return model


def test_tiny_model_loads_with_labels_and_version(tiny_sentiment, tiny_model_dir) -> None:
    status = tiny_sentiment.status
    assert status.labels == ("negative", "neutral", "positive")
    assert status.model_version.startswith(tiny_model_dir.name + "@")
    assert status.load_seconds is not None


def test_predict_returns_scores_for_every_text(tiny_sentiment) -> None:
    texts = ["this is good", "", "我很开心", "x" * 4000, "😂", "bad " * 1000]
    scores = tiny_sentiment.predict(texts, ["en", "none", "zh", "en", "none", "en"])
    assert len(scores) == len(texts)
    for sc, lang in zip(scores, ["en", "none", "zh", "en", "none", "en"], strict=True):
        assert sc.label in LABELS and 0 < sc.confidence <= 1
        assert sc.backend == "transformers" and sc.lang == lang
        assert sc.model_version == tiny_sentiment.status.model_version


def test_probabilities_are_summed_per_class(tiny_sentiment) -> None:
    probs = tiny_sentiment.classifier.predict_proba(["good", "bad"])
    for p in probs:
        assert set(p) == {"pos", "neg", "neu"}
        assert abs(sum(p.values()) - 1.0) < 1e-4


def test_missing_path_fails_with_a_reason(tmp_path: Path) -> None:
    clf = TextClassifier(str(tmp_path / "nope"), label_map={"positive": "pos"},
                         required=("pos", "neg"))
    status = clf.load()
    assert status.state == "failed" and "does not exist" in status.reason
    assert not clf.ready
    with pytest.raises(RuntimeError, match="not ready"):
        clf.predict_proba(["x"])


def test_directory_without_a_model_fails_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    model = TransformersSentiment.from_settings(settings_for(tmp_path / "empty"))
    status = model.classifier.load()
    assert status.state == "failed" and status.reason


def test_unmappable_labels_fail_and_say_how_to_fix(tiny_model_factory) -> None:
    path = tiny_model_factory(("LABEL_0", "LABEL_1"))
    status = TransformersSentiment.from_settings(settings_for(path)).classifier.load()
    assert status.state == "failed"
    assert "LABEL_0" in status.reason and "label_map" in status.reason


def test_label_map_from_config_makes_them_usable(tiny_model_factory) -> None:
    path = tiny_model_factory(("LABEL_0", "LABEL_1"))
    cfg = settings_for(path, label_map={"LABEL_0": "neg", "LABEL_1": "pos"})
    model = TransformersSentiment.from_settings(cfg)
    assert model.classifier.load().state == "ready"
    assert {s.label for s in model.predict(["a", "b", "c"])} <= {"pos", "neg"}


def test_labels_without_a_negative_class_fail(tiny_model_factory) -> None:
    path = tiny_model_factory(("positive", "neutral"))
    status = TransformersSentiment.from_settings(settings_for(path)).classifier.load()
    assert status.state == "failed" and "neg" in status.reason


def test_background_start_returns_at_once(tiny_model_dir: Path) -> None:
    model = TransformersSentiment.from_settings(settings_for(tiny_model_dir))
    model.classifier.start()
    assert model.status.state in ("loading", "ready")
    assert model.classifier.wait(60).state == "ready"


# ---- the scorer facade -------------------------------------------------------------------


async def test_scorer_uses_the_model_once_ready(tiny_model_dir: Path) -> None:
    scorer = SentimentScorer(settings_for(tiny_model_dir, max_wait_ms=1))
    status = await scorer.start(wait_for_model=True)
    try:
        assert status.active == "transformers" and status.state == "ready"
        scores = await scorer.score_many(["this is good", "我很开心", "bad bad bad"])
        assert [s.backend for s in scores] == ["transformers"] * 3
        assert [s.lang for s in scores] == ["en", "zh", "en"]
        # languages the model is not configured for go to the lexicon (neutral, not guessed)
        other = await scorer.score("Это ужасно")
        assert (other.backend, other.label, other.lang) == ("lexicon", "neu", "other")
        emoji = await scorer.score("😭😭")
        assert emoji.backend == "lexicon" and emoji.label == "neg"
    finally:
        await scorer.stop()


async def test_bad_model_falls_back_to_lexicon_and_reports_why(tmp_path: Path) -> None:
    seen: list[ScorerStatus] = []
    scorer = SentimentScorer(settings_for(tmp_path / "missing-model"), on_status=seen.append)
    status = await scorer.start(wait_for_model=True)
    try:
        assert status.configured == "transformers" and status.active == "lexicon"
        assert status.state == "failed" and "does not exist" in status.reason
        assert len(seen) == 1 and seen[0].reason == status.reason
        sc = await scorer.score("I love this")
        assert sc.backend == "lexicon" and sc.label == "pos" and not sc.backpressure
    finally:
        await scorer.stop()


async def test_lexicon_answers_while_the_model_is_still_loading(tiny_model_dir: Path) -> None:
    gate = threading.Event()
    model = TransformersSentiment.from_settings(settings_for(tiny_model_dir))
    original = model.classifier.load

    def slow_load():
        gate.wait(10)
        return original()

    model.classifier.load = slow_load  # type: ignore[method-assign]
    scorer = SentimentScorer(settings_for(tiny_model_dir), model=model)
    await scorer.start()
    try:
        assert scorer.status().state == "loading"
        assert (await scorer.score("great")).backend == "lexicon"
        gate.set()
        await asyncio.to_thread(model.classifier.wait, 30)
        assert (await scorer.score("great")).backend == "transformers"
    finally:
        await scorer.stop()


async def test_full_queue_is_scored_by_lexicon_and_marked(tiny_sentiment) -> None:
    hold = threading.Event()
    real = tiny_sentiment.predict

    def slow_predict(texts, langs=None):
        hold.wait(10)
        return real(texts, langs)

    tiny_sentiment.predict = slow_predict  # type: ignore[method-assign]
    cfg = settings_for("unused", queue_size=2, batch_size=1, max_wait_ms=0)
    scorer = SentimentScorer(cfg, model=tiny_sentiment)
    await scorer.start()
    try:
        first = asyncio.create_task(scorer.score("good one"))
        await asyncio.sleep(0.05)
        queued = [asyncio.create_task(scorer.score(f"good {i}")) for i in range(2)]
        await asyncio.sleep(0)
        overflowed = await scorer.score("I love this")
        assert overflowed.backpressure and overflowed.backend == "lexicon"
        assert overflowed.label == "pos"
        assert scorer.status().overflowed == 1
        hold.set()
        normal = await asyncio.gather(first, *queued)
        assert all(s.backend == "transformers" and not s.backpressure for s in normal)
    finally:
        hold.set()
        del tiny_sentiment.predict
        await scorer.stop()
