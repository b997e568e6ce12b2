"""Spam classifier: training, bytes round-trip, cross-validation on the starter set."""

from __future__ import annotations

import pytest

from bot.safety.evaluate import cross_validate
from bot.safety.spam import (
    FORMAT,
    STARTER_HAM,
    STARTER_SPAM,
    SpamClassifier,
    SpamModelError,
    read_lines,
)


@pytest.fixture(scope="module")
def starter() -> SpamClassifier:
    return SpamClassifier.starter()


def test_starter_files_are_substantial_and_multilingual() -> None:
    ham, spam = read_lines(STARTER_HAM), read_lines(STARTER_SPAM)
    assert len(ham) >= 300 and len(spam) >= 250
    for lines in (ham, spam):
        assert any("\u4e00" <= c <= "\u9fff" for line in lines for c in line)  # Chinese
        assert any("\u0400" <= c <= "\u04ff" for line in lines for c in line)  # Cyrillic


def test_scores_obvious_cases(starter: SpamClassifier) -> None:
    spam = starter.predict_proba([
        "FREE crypto airdrop!!! connect your wallet at claim-now.xyz to get 500 USDT",
        "兼职日结，月入过万，有意者加微信详聊",
    ])
    ham = starter.predict_proba(["anyone up for ranked tonight?", "明天的会议改到下午三点了"])
    assert min(spam) > 0.5 > max(ham)


def test_homoglyph_variant_scores_like_the_plain_text(starter: SpamClassifier) -> None:
    plain = "Claim your free crypto airdrop now, connect your wallet"
    disguised = "Cⅼаіm уоur ｆｒｅｅ сrурtо аirdrор nоw, соnnесt уоur wаllеt"
    assert starter.score(disguised) == pytest.approx(starter.score(plain), abs=1e-6)


def test_bytes_round_trip_is_exact(starter: SpamClassifier) -> None:
    blob = starter.to_bytes()
    assert blob.startswith(FORMAT.encode())
    loaded = SpamClassifier.from_bytes(blob)
    texts = ["hello there", "free nitro here", "加微信", "", "😂" * 50]
    assert loaded.predict_proba(texts) == pytest.approx(starter.predict_proba(texts), abs=1e-6)
    assert loaded.version == starter.version and loaded.version.startswith(FORMAT + ":")
    assert loaded.metadata["n_ham"] == starter.metadata["n_ham"]


def test_corrupt_or_foreign_blobs_are_refused(starter: SpamClassifier) -> None:
    with pytest.raises(SpamModelError, match="not a Hearth spam model"):
        SpamClassifier.from_bytes(b"\x80\x04pickle")
    with pytest.raises(SpamModelError, match="not supported"):
        SpamClassifier.from_bytes(b"hearth-spam/99\n...")
    blob = starter.to_bytes()
    with pytest.raises(SpamModelError, match="corrupt"):
        SpamClassifier.from_bytes(blob[:200])


def test_training_needs_both_classes() -> None:
    with pytest.raises(SpamModelError, match="at least 2 ham and 2 spam"):
        SpamClassifier().train(["hi", "hello"], ["buy now"])
    with pytest.raises(SpamModelError, match="not trained"):
        SpamClassifier().predict_proba(["x"])


def test_retraining_learns_new_spam() -> None:
    ham = ["see you at the meetup", "thanks for the help", "nice photo", "good night all"]
    spam = ["zorblax tokens mega drop", "zorblax free drop claim", "zorblax giveaway live"]
    model = SpamClassifier().train(ham, spam)
    assert model.score("zorblax drop is live") > model.score("see you tomorrow")


def test_cross_validation_sanity_on_starter_set() -> None:
    ham, spam = read_lines(STARTER_HAM), read_lines(STARTER_SPAM)
    result = cross_validate(ham, spam, folds=3)
    assert result.folds == 3 and len(result.per_fold) == 3
    assert result.n == result.n_ham + result.n_spam
    # A learnt model, far above chance (about 0.5 F1 for guessing); not a tuned target.
    assert result.f1 > 0.8 and result.precision > 0.8 and result.recall > 0.8


def test_cross_validation_refuses_too_little_data() -> None:
    with pytest.raises(SpamModelError, match="at least 5 distinct"):
        cross_validate(["a", "b", "c"], ["x", "y", "z", "w", "v", "u"], folds=5)
    with pytest.raises(SpamModelError, match="at least 2"):
        cross_validate(["a"], ["b"], folds=1)
