"""The live-path shortcuts give exactly the answers of the slow, obvious implementations.

* the spam model's pure-Python scorer vs scikit-learn's ``TfidfVectorizer.transform``;
* the category scorer's RE2 prefilter vs running every Python pattern.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety.spam import STARTER_HAM, STARTER_SPAM, SpamClassifier, read_lines
from bot.safety.toxicity import PATTERNS, KeywordCategoryScorer, _re2_prefilter_pattern
from domain.safety.normalise import normalise


@pytest.fixture(scope="module")
def model() -> SpamClassifier:
    ham = read_lines(STARTER_HAM)[:120]
    spam = read_lines(STARTER_SPAM)[:120]
    return SpamClassifier().train(ham, spam)


@pytest.fixture(scope="module")
def scorer() -> KeywordCategoryScorer:
    return KeywordCategoryScorer()


SAMPLES = read_lines(STARTER_HAM)[-40:] + read_lines(STARTER_SPAM)[-40:] + [
    "", " ", "a", "ab cd", "x" * 600, "😀" * 50, "word " * 200, "加微信 领取 免费", "Ｆｒｅｅ",
    "a\u00a0b\u2003c\td\ne", "é è ê", "İstanbul ß straße",
]


def test_fast_score_equals_sklearn_on_samples(model: SpamClassifier) -> None:
    slow = model.predict_proba(SAMPLES)
    fast = [model.score(text) for text in SAMPLES]
    assert fast == pytest.approx(slow, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_fast_score_equals_sklearn_on_any_text(model: SpamClassifier, text: str) -> None:
    assert model.score(text) == pytest.approx(model.predict_proba([text])[0], abs=1e-6)


def test_fast_score_survives_a_round_trip(model: SpamClassifier) -> None:
    loaded = SpamClassifier.from_bytes(model.to_bytes())
    assert [loaded.score(t) for t in SAMPLES] == pytest.approx(
        model.predict_proba(SAMPLES), abs=1e-6)


def _brute(text: str) -> dict[str, list[str]]:
    import re

    folded = normalise(text).casefold()
    found: dict[str, list[str]] = {}
    for category, patterns in PATTERNS.items():
        for pattern in patterns:
            m = re.compile(pattern, re.IGNORECASE).search(folded)
            if m is not None:
                found.setdefault(category, []).append(m.group())
    return found


PIECES = [p for patterns in PATTERNS.values() for p in (
    "guaranteed returns", "free nitro", "kill yourself", "i want to die", "加微信",
    "13812345678", "123-45-6789", "cures cancer", "10% daily", "selling cocaine",
    "heil hitler", "onlyfans", "i will kill you", "vaccines cause autism", "٣٤٥-٦٧-٨٩١٠",
    "１３８１２３４５６７８", "you are an idiot", "5g spreads covid", "déjà", "naïve",
)] + ["", " ", "x", "é", "中", "1", "-"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=8))
def test_prefilter_never_misses_a_pattern(scorer: KeywordCategoryScorer,
                                          parts: list[str]) -> None:
    text = " ".join(parts) if len(parts) % 2 else "".join(parts)
    assert scorer.matches(text) == _brute(text)


def test_prefilter_translation() -> None:
    assert _re2_prefilter_pattern(r"(?<!\d)1[3-9]\d{9}(?!\d)") == (
        r"(?:^|[^\pN])1[3-9]\pN{9}(?:[^\pN]|$)")
    assert _re2_prefilter_pattern(r"[\w ]{0,20}\w+") == r"[\pL\pN_ ]{0,20}[\pL\pN_]+"
    assert _re2_prefilter_pattern(r"\bkys\b|[\b]") == r"kys|[\b]"
    assert _re2_prefilter_pattern(r"(?=x)y") is None
