"""Distress detection: explicit and implicit statements in en/zh, hard negatives, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.scoring.config import DistressSettings
from bot.scoring.distress import DistressDetector, SentenceEmbedder, pattern_signal

EXPLICIT = [
    "I want to end it all",
    "everyone would be better off without me",
    "I'm going to kill myself",
    "i dont want to be alive anymore",
    "I've been having suicidal thoughts every night",
    "I wish I was never born",
    "不想活了",
    "撑不下去了，真的好痛苦",
    "我想自杀",
    "没有我大家会更好",
    "活着没有意义",
]
IMPLICIT = [
    "giving away my stuff this week, I won't be needing any of it",
    "I've said goodbye to the people who matter. thank you all for everything",
    "I feel like a burden to everyone, they'd be relieved if I was gone",
]
HARD_NEGATIVES = [
    "this boss fight is killing me lol",
    "笑死我了",
    "kill -9 the process",
    "I could murder a pizza",
    "my phone died again",
    "we died to the raid boss five times lol",
    "I'm dead 😂",
    "累死了，加班到现在",
    "想死你们了！",
    "电脑又死机了",
    "作业多到想跳楼哈哈哈",
    "ugh mondays make me want to die lol",
    "I'd never kill myself, don't worry, I'm just venting",
    "you killed it on stage tonight",
    "the suicide squad soundtrack is great",
    "good morning everyone!",
    "my cat is the best",
    "",
]


@pytest.mark.parametrize("text", EXPLICIT)
def test_explicit_statements_are_detected(detector: DistressDetector, text: str) -> None:
    signal = detector.detect(text)
    assert signal.is_distress, signal
    assert signal.confidence >= detector.settings.threshold
    assert signal.reasons and all(text not in r for r in signal.reasons)


@pytest.mark.parametrize("text", IMPLICIT)
def test_implicit_statements_are_detected(detector: DistressDetector, text: str) -> None:
    signal = detector.detect(text)
    assert signal.is_distress, signal
    assert any(r.startswith("similarity:") for r in signal.reasons)


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_are_not_distress(detector: DistressDetector, text: str) -> None:
    assert not detector.detect(text).is_distress


def test_code_blocks_are_ignored(detector: DistressDetector) -> None:
    assert not detector.detect("```\nkill -9 $(pgrep worker) || die\n```").is_distress


def test_batch_detection_matches_single(detector: DistressDetector) -> None:
    texts = [EXPLICIT[0], HARD_NEGATIVES[0], IMPLICIT[0]]
    assert [s.is_distress for s in detector.detect_many(texts)] == [True, False, True]


async def test_async_detection(detector: DistressDetector) -> None:
    assert (await detector.adetect("I don't want to live anymore")).is_distress


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😭😭😭", "x" * 4000, "我" * 4000, "h̸̢̛̛̺̼e̷̡̬l̶̢̛l̵̨̤o̶̧̰ everyone",
     "```\n" + "a = 1\n" * 500 + "```", "I feel fine 今天很好 mixed"],
)
def test_awkward_messages_never_raise(detector: DistressDetector, text: str) -> None:
    signal = detector.detect(text)
    assert 0.0 <= signal.confidence <= 1.0


def test_patterns_alone_catch_explicit_statements_without_models() -> None:
    plain = DistressDetector(DistressSettings(embeddings=False))
    plain.load()
    assert plain.status() == {}
    assert plain.detect("I'm going to kill myself tonight").is_distress
    assert plain.detect("不想活了").is_distress
    assert not plain.detect("this boss fight is killing me lol").is_distress


def test_missing_embedding_model_is_reported_and_patterns_continue(tmp_path: Path) -> None:
    det = DistressDetector(DistressSettings(embedding_model=str(tmp_path / "nowhere")))
    det.load()
    status = det.status()["embeddings"]
    assert status.state == "failed" and "not a directory" in status.reason
    assert det.detect("I want to kill myself").is_distress


def test_background_start_then_wait(embedder: SentenceEmbedder) -> None:
    det = DistressDetector(embedder=embedder)
    det.start()
    assert det.wait(60)
    assert det.detect("everyone would be better off without me").is_distress


def test_pattern_reasons_explain_exclusions() -> None:
    assert "excluded:idiom" in pattern_signal("kill -9 1234").reasons
    joke = pattern_signal("this exam makes me want to die lol")
    assert joke.confidence == 0 and "excluded:joke_or_hyperbole" in joke.reasons
    negated = pattern_signal("I would never kill myself")
    assert negated.confidence == 0 and negated.negated
    lowered = pattern_signal("I'm gonna kill myself if this build fails again")
    assert 0 < lowered.confidence < 0.5 and "lowered:conditional" in lowered.reasons


def test_optional_classifier_is_loaded_and_consulted(tiny_model_factory, embedder) -> None:
    path = tiny_model_factory(("not_distress", "distress"))
    settings = DistressSettings(classifier_model=str(path), classifier_labels=["distress"])
    det = DistressDetector(settings, embedder=embedder)
    det.load()
    assert det.status()["classifier"].state == "ready"
    signal = det.detect("hello there")
    assert any(r.startswith("classifier:") for r in signal.reasons)


def test_classifier_without_distress_label_fails_with_reason(tiny_model_factory) -> None:
    path = tiny_model_factory(("negative", "neutral", "positive"))
    det = DistressDetector(DistressSettings(embeddings=False, classifier_model=str(path)))
    det.load()
    status = det.status()["classifier"]
    assert status.state == "failed" and "distress" in status.reason
    assert det.detect("不想活了").is_distress
